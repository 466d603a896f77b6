"""The composer's contents as plain data: from a route, to a spec, and back from a spec.

A :class:`Draft` is what the Try tab's composer shows (rows of path, query,
header, cookie and form fields, a body text, required marks). It is built from
an OpenAPI :class:`~runtime.openapi.Operation`, from a pasted curl command or
from a history entry, and turned into the :class:`~runtime.client.RequestSpec`
the Sender sends. Keeping it out of Qt makes the prefill and the required-field
check testable without a window.

:func:`security_schemes` reads the document's ``securitySchemes`` into the
choices the Authorize dialog offers.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from runtime.client import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    BodyKind,
    MultipartBody,
    RequestSpec,
    join_url,
)
from runtime.client_auth import ApiKeyLocation, authorization_value
from runtime.openapi import Document, Operation, Parameter, body_example
from runtime.secrets import MASK

__all__ = [
    "Draft",
    "Field",
    "Scheme",
    "SchemeKind",
    "auth_hint",
    "body_kind_for",
    "draft_from_operation",
    "draft_from_spec",
    "path_placeholders",
    "security_schemes",
]

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::[a-z]+)?\}")
# Headers OpenAPI says are described elsewhere (auth schemes, body, Accept): never prefilled.
_IGNORED_HEADERS = {"authorization", "accept", "content-type"}


@dataclass
class Field:
    """One row of a params table. ``enabled`` rows are sent; ``required`` ones must be."""

    name: str
    value: str = ""
    enabled: bool = True
    required: bool = False
    description: str = ""

    @property
    def is_file(self) -> bool:
        """A multipart row whose value is ``@path`` sends that file (curl's ``-F`` rule)."""
        return self.value.startswith("@") and len(self.value) > 1


@dataclass
class Draft:
    """Everything the composer holds, in the composer's own terms."""

    method: str = "GET"
    path: str = "/"
    path_params: list[Field] = field(default_factory=list)
    query: list[Field] = field(default_factory=list)
    headers: list[Field] = field(default_factory=list)
    cookies: list[Field] = field(default_factory=list)
    body_kind: BodyKind = "none"
    body_text: str = ""
    form: list[Field] = field(default_factory=list)
    content_type: str = ""
    body_required: bool = False
    timeout: float = 30.0
    follow_redirects: bool = False
    verify: bool = True
    security: tuple[str, ...] = ()
    auth_optional: bool = True
    title: str = ""

    def missing(self) -> list[str]:
        """What must be filled in before sending, e.g. ``["path parameter 'item_id'"]``."""
        values = {f.name: f.value for f in self.path_params}
        out = [
            f"path parameter {name!r}"
            for name in path_placeholders(self.path)
            if values.get(name, "") == ""
        ]
        for kind, rows in (("query", self.query), ("header", self.headers)):
            out += [
                f"{kind} parameter {f.name!r}"
                for f in rows
                if f.required and (not f.enabled or f.value == "")
            ]
        out += [
            f"cookie {f.name!r}"
            for f in self.cookies
            if f.required and (not f.enabled or not f.value)
        ]
        if self.body_kind in ("form", "multipart"):
            out += [
                f"form field {f.name!r}"
                for f in self.form
                if f.required and (not f.enabled or f.value == "")
            ]
        elif self.body_required and (
            self.body_kind == "none"
            or (self.body_kind in ("json", "raw") and not self.body_text.strip())
        ):
            out.append("the request body")
        return out

    def to_spec(self, *, base_url: str = "", root_path: str = "", auth: Any = None) -> RequestSpec:
        """The spec to send (path relative to ``base_url`` + ``root_path`` unless absolute)."""
        body: Any = None
        kind: BodyKind = self.body_kind
        if kind in ("json", "raw"):
            body = self.body_text if self.body_text.strip() or kind == "raw" else None
            if body is None or (kind == "raw" and body == ""):
                kind, body = "none", None
        elif kind == "form":
            body = tuple((f.name, f.value) for f in self.form if f.enabled and f.name)
        elif kind == "multipart":
            rows = [f for f in self.form if f.enabled and f.name]
            body = MultipartBody(
                fields=tuple((f.name, f.value) for f in rows if not f.is_file),
                files=tuple((f.name, f.value[1:]) for f in rows if f.is_file),
            )
        return RequestSpec(
            method=self.method.strip().upper() or "GET",
            url=self.path.strip() or "/",
            base_url=base_url,
            root_path=root_path,
            path_params={f.name: f.value for f in self.path_params if f.name},
            query=tuple((f.name, f.value) for f in self.query if f.enabled and f.name),
            headers=tuple((f.name, f.value) for f in self.headers if f.enabled and f.name),
            cookies={f.name: f.value for f in self.cookies if f.enabled and f.name},
            body_kind=kind,
            body=body,
            content_type=self.content_type or None,
            timeout=self.timeout,
            follow_redirects=self.follow_redirects,
            auth=auth,
            verify=self.verify,
        )


def path_placeholders(path: str) -> list[str]:
    """The ``{name}`` placeholders of a route path, in order, without duplicates."""
    return list(dict.fromkeys(_PLACEHOLDER.findall(path)))


# --- from an OpenAPI operation ---------------------------------------------------------------


def _text(value: Any) -> str:
    """A parameter value as the composer shows it (JSON spelling for non-strings)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _explicit_value(doc: Document | None, param: Parameter) -> Any:
    """The parameter's own example or default; never an invented placeholder value."""
    if param.example is not None:
        return param.example
    schema = _resolve(doc, param.schema)
    candidates = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        options = schema.get(key)
        if isinstance(options, list):
            candidates += [_resolve(doc, option) for option in options]
    for node in candidates:
        for key in ("example", "default"):
            if node.get(key) is not None:
                return node[key]
        examples = node.get("examples")
        if isinstance(examples, list) and examples:
            return examples[0]
    return None


def _resolve(doc: Document | None, node: Any) -> Mapping[str, Any]:
    if doc is not None:
        try:
            node = doc.resolve(node)
        except Exception:  # a broken $ref leaves the row empty, never the composer
            return {}
    return node if isinstance(node, Mapping) else {}


def _param_rows(doc: Document | None, params: Iterable[Parameter]) -> list[Field]:
    rows: list[Field] = []
    for param in params:
        value = _explicit_value(doc, param)
        values = value if isinstance(value, list) and value else [value]
        for item in values:
            rows.append(
                Field(
                    name=param.name,
                    value=_text(item),
                    # Optional parameters are listed (with their default) but left unticked:
                    # the server applies its own default when they are not sent.
                    enabled=param.required,
                    required=param.required,
                    description=param.description or _schema_summary(doc, param.schema),
                )
            )
    return rows


def _schema_summary(doc: Document | None, schema: Any) -> str:
    node = _resolve(doc, schema)
    kinds = [node.get("type")] + [
        _resolve(doc, o).get("type") for o in node.get("anyOf", []) if isinstance(o, Mapping)
    ]
    shown = [str(k) for k in kinds if isinstance(k, str) and k != "null"]
    return " | ".join(dict.fromkeys(shown))


def body_kind_for(content_type: str) -> BodyKind:
    """How the composer edits a body of ``content_type``."""
    mime = content_type.split(";", 1)[0].strip().lower()
    if mime == "application/json" or mime.endswith("+json"):
        return "json"
    if mime == "application/x-www-form-urlencoded":
        return "form"
    if mime == "multipart/form-data":
        return "multipart"
    return "raw"


def _pick_content_type(types: Iterable[str]) -> str | None:
    listed = list(types)
    for wanted in ("json", "x-www-form-urlencoded", "multipart/form-data"):
        for ctype in listed:
            if wanted in ctype.lower():
                return ctype
    return listed[0] if listed else None


def draft_from_operation(doc: Document | None, op: Operation) -> Draft:
    """The composer prefilled from a route: params with defaults and required marks, a body
    example generated from the schema, and the security schemes the route accepts."""
    draft = Draft(method=op.method.upper(), path=op.path, title=op.summary or op.path)
    draft.path_params = _param_rows(doc, op.parameters_in("path"))
    for row in draft.path_params:
        row.enabled = row.required = True
    named = {row.name for row in draft.path_params}
    draft.path_params += [
        Field(n, required=True) for n in path_placeholders(op.path) if n not in named
    ]
    draft.query = _param_rows(doc, op.parameters_in("query"))
    draft.headers = _param_rows(
        doc, (p for p in op.parameters_in("header") if p.name.lower() not in _IGNORED_HEADERS)
    )
    draft.cookies = _param_rows(doc, op.parameters_in("cookie"))
    body = op.request_body
    if body is not None:
        ctype = _pick_content_type(body.content_types)
        draft.body_required = body.required
        if ctype is not None:
            kind = body_kind_for(ctype)
            draft.body_kind = kind
            example = body_example(doc, body, ctype) if doc is not None else None
            if kind == "json":
                draft.body_text = "" if example is None else json.dumps(example, indent=2)
            elif kind in ("form", "multipart"):
                draft.form = _form_rows(doc, body.schemas.get(ctype, {}), example)
            else:
                draft.content_type = ctype
                draft.body_text = example if isinstance(example, str) else ""
    names: list[str] = []
    optional = not op.security
    for requirement in op.security:
        if not requirement:
            optional = True
        names += [name for name in requirement if name not in names]
    draft.security = tuple(names)
    draft.auth_optional = optional
    return draft


def _form_rows(doc: Document | None, schema: Any, example: Any) -> list[Field]:
    node = _resolve(doc, schema)
    props = node.get("properties")
    props = props if isinstance(props, Mapping) else {}
    listed = node.get("required")
    required: list[Any] = listed if isinstance(listed, list) else []
    values = example if isinstance(example, Mapping) else {}
    rows = []
    for name in dict.fromkeys([*props, *values]):
        prop = _resolve(doc, props.get(name, {}))
        is_file = prop.get("format") == "binary" or (
            prop.get("type") == "array"
            and _resolve(doc, prop.get("items")).get("format") == "binary"
        )
        value = "" if is_file else _text(values.get(name))
        rows.append(
            Field(
                name=str(name),
                value=value,
                enabled=name in required,
                required=name in required,
                description="a file: @path" if is_file else _schema_summary(doc, prop),
            )
        )
    return rows


# --- from a spec (a pasted curl command, a history entry) ------------------------------------


def _relative(url: str, base_url: str, root_path: str) -> str:
    """``http://h:1/api/items`` -> ``/items`` when the target is ``http://h:1`` + ``/api``."""
    if not base_url:
        return url
    base = join_url(base_url, root_path).rstrip("/")
    if url == base:
        return "/"
    if url.startswith(base + "/") or url.startswith(base + "?"):
        rest = url[len(base) :]
        return rest if rest.startswith("/") else "/" + rest
    return url


def draft_from_spec(
    spec: RequestSpec, *, base_url: str = "", root_path: str = ""
) -> tuple[Draft, list[str]]:
    """A draft from a spec, plus notes for the user (redacted values, auth moved to a header).

    An absolute URL under the current target becomes a path relative to it. Auth that came
    with the spec (``curl -u``) becomes an ``Authorization`` header row; auth masked by the
    history is dropped, because the server's current authorization is applied when sending.
    """
    notes: list[str] = []
    url = spec.url
    if "://" not in url and spec.base_url:
        url = join_url(join_url(spec.base_url, spec.root_path), url)
    path = _relative(url, base_url, root_path) if "://" in url else url
    draft = Draft(
        method=spec.method.upper(),
        path=path,
        timeout=spec.timeout,
        follow_redirects=spec.follow_redirects,
        verify=spec.verify,
        content_type="",
    )
    draft.path_params = [
        Field(n, str(spec.path_params.get(n, "")), required=True) for n in path_placeholders(path)
    ]
    draft.query = [Field(k, v) for k, v in spec.query]
    headers = list(spec.headers)
    auth = spec.auth
    redacted = 0
    if isinstance(auth, BearerAuth | BasicAuth):
        secret = auth.token if isinstance(auth, BearerAuth) else auth.password
        if secret == MASK:
            notes.append("the stored authorization was redacted: this server's current one is used")
        elif not any(k.lower() == "authorization" for k, _v in headers):
            headers.append(("Authorization", authorization_value(auth)))
    elif isinstance(auth, ApiKeyAuth):
        if auth.value == MASK:
            notes.append(
                f"the API key {auth.name!r} was redacted: this server's current one is used"
            )
        else:
            _add_api_key(draft, headers, auth.name, auth.value, auth.location)
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() == "authorization" and MASK in value:
            notes.append("the stored Authorization header was redacted: the current one is used")
            continue
        if name.lower() == "content-type" and spec.body_kind in ("form", "multipart"):
            continue
        redacted += MASK in value
        kept.append((name, value))
    draft.headers += [Field(k, v) for k, v in kept]
    draft.cookies += [Field(k, v) for k, v in spec.cookies.items()]
    redacted += sum(MASK in v for _k, v in spec.cookies.items())
    redacted += sum(MASK in v for _k, v in spec.query)
    _body_from_spec(draft, spec)
    redacted += sum(MASK in f.value for f in draft.form) + (MASK in draft.body_text)
    if redacted:
        notes.append(
            f"{redacted} value{'s were' if redacted > 1 else ' was'} redacted ({MASK}) in the "
            "history: fill them in before sending"
        )
    return draft, notes


def _add_api_key(
    draft: Draft, headers: list[tuple[str, str]], name: str, value: str, where: ApiKeyLocation
) -> None:
    if where == "header":
        headers.append((name, value))
    elif where == "query":
        draft.query.append(Field(name, value))
    else:
        draft.cookies.append(Field(name, value))


def _body_from_spec(draft: Draft, spec: RequestSpec) -> None:
    body = spec.body
    kind: BodyKind = spec.body_kind if body is not None else "none"
    draft.body_kind = kind
    if kind == "json":
        if isinstance(body, bytes):
            body = body.decode("utf-8", "replace")
        draft.body_text = body if isinstance(body, str) else json.dumps(body, indent=2)
    elif kind == "form":
        pairs = body.items() if isinstance(body, Mapping) else body
        draft.form = [Field(str(k), str(v)) for k, v in pairs]
    elif kind == "multipart" and isinstance(body, MultipartBody):
        draft.form = [Field(k, v) for k, v in body.fields]
        draft.form += [Field(k, "@" + str(p)) for k, p in body.files]
    elif kind == "raw":
        if isinstance(body, bytes):
            try:
                body = body.decode("utf-8")
            except UnicodeDecodeError:
                body = body.decode("latin-1")
        draft.body_text = str(body)
        draft.content_type = spec.content_type or ""
    if kind in ("json", "form", "multipart") and spec.content_type:
        draft.content_type = spec.content_type


# --- security schemes ------------------------------------------------------------------------

SchemeKind = Literal["oauth2-password", "bearer", "basic", "apikey", "unsupported"]


@dataclass(frozen=True)
class Scheme:
    """One ``securitySchemes`` entry in the terms the Authorize dialog needs."""

    name: str
    kind: SchemeKind
    token_url: str = ""
    scopes: Mapping[str, str] = field(default_factory=dict)
    key_name: str = ""
    location: ApiKeyLocation = "header"
    description: str = ""
    reason: str = ""  # why an unsupported scheme cannot be used here

    @property
    def label(self) -> str:
        what = {
            "oauth2-password": f"OAuth2 password flow, token URL {self.token_url}",
            "bearer": "HTTP bearer token",
            "basic": "HTTP basic",
            "apikey": f"API key {self.key_name!r} in the {self.location}",
            "unsupported": self.reason or "not supported here",
        }[self.kind]
        return f"{self.name} ({what})"


def security_schemes(doc: Document | None) -> list[Scheme]:
    """The document's security schemes; those asgideck cannot use say why (``reason``)."""
    if doc is None:
        return []
    out: list[Scheme] = []
    for name, raw in doc.security_schemes.items():
        node = _resolve(doc, raw)
        kind = str(node.get("type", "")).lower()
        description = str(node.get("description", "") or "")
        if kind == "oauth2":
            out.append(_oauth2(str(name), node, description))
        elif kind == "http":
            scheme = str(node.get("scheme", "")).lower()
            if scheme in ("bearer", "basic"):
                out.append(Scheme(str(name), scheme, description=description))  # type: ignore[arg-type]
            else:
                reason = f"HTTP {scheme or '?'} authentication is not supported"
                out.append(Scheme(str(name), "unsupported", description=description, reason=reason))
        elif kind == "basic":  # Swagger 2.0
            out.append(Scheme(str(name), "basic", description=description))
        elif kind == "apikey":
            where = str(node.get("in", "header")).lower()
            location: ApiKeyLocation = (
                "query" if where == "query" else "cookie" if where == "cookie" else "header"
            )
            key = str(node.get("name", "") or name)
            out.append(
                Scheme(
                    str(name), "apikey", key_name=key, location=location, description=description
                )
            )
        else:
            reason = f"{kind or 'unknown'} schemes are not supported (use a bearer token)"
            out.append(Scheme(str(name), "unsupported", description=description, reason=reason))
    return out


def _oauth2(name: str, node: Mapping[str, Any], description: str) -> Scheme:
    flows = node.get("flows")
    if isinstance(flows, Mapping) and isinstance(flows.get("password"), Mapping):
        flow = flows["password"]
    elif str(node.get("flow", "")) == "password":  # Swagger 2.0
        flow = node
    else:
        found = ", ".join(sorted(flows)) if isinstance(flows, Mapping) else node.get("flow", "?")
        reason = f"only the OAuth2 password flow is supported (this scheme has: {found})"
        return Scheme(name, "unsupported", description=description, reason=reason)
    scopes = flow.get("scopes")
    return Scheme(
        name,
        "oauth2-password",
        token_url=str(flow.get("tokenUrl", "")),
        scopes={str(k): str(v) for k, v in scopes.items()} if isinstance(scopes, Mapping) else {},
        description=description,
    )


def auth_hint(doc: Document | None, draft: Draft) -> str:
    """One sentence on the authorization the route wants, for the composer."""
    if not draft.security:
        return "This route needs no authorization."
    known = {s.name: s for s in security_schemes(doc)}
    shown = [known[n].label if n in known else n for n in draft.security]
    lead = "This route accepts" if draft.auth_optional else "This route requires"
    return f"{lead} {' or '.join(shown)}."
