"""OpenAPI 3.0/3.1 (and the cheap parts of Swagger 2.0) -> a flat list of operations.

Built for speed on big documents (GitHub's 13 MB description): one ``json.loads``,
then a single walk over ``paths`` that builds :class:`Operation` records. Schemas
stay as written, ``$ref`` and all; :meth:`Document.resolve` follows a local ``$ref``
on demand (cached, cycle-safe). Only parameter and request-body ``$ref``s are
followed while parsing, because every view needs them and they are cheap.

A structurally broken document raises :class:`OpenAPIError` whose message starts
with the JSON path of the offending node (``paths./items/{id}.get.responses: ...``).
Unknown keys (``x-*`` and anything else) are ignored.
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, cast
from urllib.parse import unquote

from runtime.secrets import mask_url_password

__all__ = [
    "HTTP_METHODS",
    "LOCATIONS",
    "Document",
    "OpenAPIError",
    "Operation",
    "Parameter",
    "RequestBody",
    "body_example",
    "document_json",
    "example_for",
    "load",
    "load_source",
    "operations_json",
    "parse_bytes",
    "parse_document",
]

Location = Literal["path", "query", "header", "cookie"]
LOCATIONS: tuple[Location, ...] = ("path", "query", "header", "cookie")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_METHODS = frozenset(HTTP_METHODS)
_BOM = b"\xef\xbb\xbf"
# Swagger 2.0 keeps a non-body parameter's schema keywords on the parameter itself.
_V2_SCHEMA_KEYS = (
    "type", "format", "items", "collectionFormat", "default", "maximum", "exclusiveMaximum",
    "minimum", "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "enum", "multipleOf",
)  # fmt: skip


class OpenAPIError(Exception):
    """A document that cannot be read or used; ``path`` is the JSON path ("" when none)."""

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path


def _kind(value: Any) -> str:
    if isinstance(value, Mapping):
        return "object"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    if value is None:
        return "null"
    return {"str": "string", "list": "list"}.get(type(value).__name__, type(value).__name__)


def _obj(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise OpenAPIError(f"expected an object, got {_kind(value)}", path)
    return value


def _list(value: Any, path: str) -> list[Any]:
    if not isinstance(value, list):
        raise OpenAPIError(f"expected a list, got {_kind(value)}", path)
    return value


def _str(node: Mapping[str, Any], key: str, path: str) -> str:
    value = node.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise OpenAPIError(f"expected a string, got {_kind(value)}", f"{path}.{key}")
    return value


def _bool(node: Mapping[str, Any], key: str, path: str, default: bool = False) -> bool:
    value = node.get(key, default)
    if not isinstance(value, bool):
        raise OpenAPIError(f"expected true or false, got {_kind(value)}", f"{path}.{key}")
    return value


@dataclass(frozen=True)
class Parameter:
    """One parameter; ``schema`` is as written (may hold ``$ref``: use Document.resolve)."""

    name: str
    location: Location
    required: bool
    schema: Mapping[str, Any]
    description: str = ""
    deprecated: bool = False
    example: Any = None


@dataclass(frozen=True)
class RequestBody:
    """A request body; ``schemas`` and ``content`` are keyed by content type."""

    required: bool
    content_types: tuple[str, ...]
    schemas: Mapping[str, Any]
    description: str = ""
    content: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True)
class Operation:
    """One method on one path, with path-level parameters merged in (operation wins)."""

    method: str
    path: str
    operation_id: str | None
    tags: tuple[str, ...]
    summary: str
    description: str
    deprecated: bool
    parameters: tuple[Parameter, ...]
    request_body: RequestBody | None
    responses: Mapping[str, Mapping[str, Any]]
    security: tuple[Mapping[str, list[str]], ...]
    search_text: str = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts = (self.method, self.path, self.operation_id or "", self.summary, *self.tags)
        object.__setattr__(self, "search_text", " ".join(parts).lower())

    def matches(self, query: str) -> bool:
        """True when every whitespace-separated word of ``query`` occurs in search_text."""
        return all(word in self.search_text for word in query.lower().split())

    def parameters_in(self, location: Location) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == location)


@dataclass(frozen=True)
class Document:
    """A parsed description: its operations plus the raw tree for lazy ``$ref`` lookups."""

    version: str
    title: str
    api_version: str
    operations: tuple[Operation, ...]
    security_schemes: Mapping[str, Any]
    servers: tuple[str, ...]
    raw: Mapping[str, Any] = field(repr=False)
    _targets: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    def resolve(self, node: Any, at: str = "") -> Any:
        """``node`` itself, or the target of its local ``$ref`` (chains followed, cycle-safe).

        In 3.1 the keys beside ``$ref`` override the target's (summary, description...).
        ``at`` is the node's JSON path, used in error messages.
        """
        seen: list[str] = []
        while isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
            ref: str = node["$ref"]
            if ref in seen:
                raise OpenAPIError("$ref cycle: " + " -> ".join([*seen, ref]), at)
            seen.append(ref)
            target = self.resolve_ref(ref, at)
            if len(node) > 1 and self.version.startswith("3.1") and isinstance(target, Mapping):
                target = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
            node = target
        return node

    def resolve_ref(self, ref: str, at: str = "") -> Any:
        """The node a local JSON-pointer ``$ref`` (``#/a/b~1c``) points at."""
        try:
            return self._targets[ref]
        except KeyError:
            pass
        where = f"{at}.$ref" if at else "$ref"
        if not ref.startswith("#"):
            raise OpenAPIError(f"only local references are supported, got {ref!r}", where)
        node: Any = self.raw
        walked: list[str] = []
        for token in unquote(ref[1:]).split("/")[1:]:
            key = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, Mapping) and key in node:
                node = node[key]
            elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
                node = node[int(key)]
            else:
                inside = ".".join(walked) or "the document"
                raise OpenAPIError(f"{ref!r} does not resolve: no {key!r} in {inside}", where)
            walked.append(key)
        self._targets[ref] = node
        return node


# ---------------------------------------------------------------------------- parsing


def parse_bytes(data: bytes) -> Document:
    """Parse JSON (or YAML when PyYAML is installed) bytes; a UTF-8 BOM is fine."""
    if data.startswith(_BOM):
        data = data[len(_BOM) :]
    head = data[:64].lstrip()
    if head[:1] in (b"{", b"[") or not head:
        try:
            tree = json.loads(data)
        except json.JSONDecodeError as exc:
            message = f"line {exc.lineno} column {exc.colno}: invalid JSON: {exc.msg}"
            raise OpenAPIError(message) from None
        except UnicodeDecodeError as exc:
            raise OpenAPIError(f"not UTF-8 text (byte {exc.start})") from None
    else:
        tree = _load_yaml(data)
    return parse_document(tree)


def _load_yaml(data: bytes) -> Any:
    try:
        yaml: Any = importlib.import_module("yaml")
    except ImportError:
        message = "not JSON, and reading YAML needs PyYAML, which is not installed"
        raise OpenAPIError(message) from None
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(data, Loader=loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1} column {mark.column + 1}: " if mark else ""
        raise OpenAPIError(f"{where}invalid YAML: {getattr(exc, 'problem', exc)}") from None


def parse_document(doc: Mapping[str, Any]) -> Document:
    """Build the operations model from an already-loaded document tree."""
    root = _obj(doc, "document")
    if isinstance(root.get("openapi"), str) and root["openapi"].startswith("3."):
        version = root["openapi"]
    elif str(root.get("swagger", "")) == "2.0":
        version = "2.0"
    elif "openapi" in root or "swagger" in root:
        found = root.get("openapi", root.get("swagger"))
        raise OpenAPIError(f"unsupported version {found!r} (3.x or Swagger 2.0)", "openapi")
    else:
        raise OpenAPIError("not an OpenAPI document: no 'openapi' or 'swagger' version field")
    info = _obj(root.get("info", {}), "info")
    v2 = version == "2.0"
    if v2:
        schemes: Any = _obj(root.get("securityDefinitions", {}), "securityDefinitions")
    else:
        components = _obj(root.get("components", {}), "components")
        schemes = _obj(components.get("securitySchemes", {}), "components.securitySchemes")
    document = Document(
        version=version,
        title=_str(info, "title", "info"),
        api_version=str(info.get("version", "")),
        operations=(),
        security_schemes=schemes,
        servers=_servers_v2(root) if v2 else _servers(root),
        raw=root,
    )
    operations = tuple(_Walker(document, v2).operations())
    object.__setattr__(document, "operations", operations)
    return document


def _servers(root: Mapping[str, Any]) -> tuple[str, ...]:
    urls = []
    for i, server in enumerate(_list(root.get("servers", []), "servers")):
        server = _obj(server, f"servers[{i}]")
        url = _str(server, "url", f"servers[{i}]")
        for name, var in _obj(server.get("variables", {}), f"servers[{i}].variables").items():
            if isinstance(var, Mapping) and "default" in var:
                url = url.replace("{" + name + "}", str(var["default"]))
        urls.append(url)
    return tuple(urls)


def _servers_v2(root: Mapping[str, Any]) -> tuple[str, ...]:
    base = _str(root, "basePath", "document")
    host = _str(root, "host", "document")
    if not host:
        return (base,) if base else ()
    schemes = root.get("schemes") or ["https"]
    return tuple(f"{scheme}://{host}{base}" for scheme in schemes)


class _Walker:
    """One pass over ``paths``; caches parameters reached through the same ``$ref``."""

    def __init__(self, doc: Document, v2: bool) -> None:
        self.doc = doc
        self.v2 = v2
        self.root = doc.raw
        self.by_ref: dict[str, Parameter | tuple[str, Mapping[str, Any]]] = {}
        security = self.root.get("security", [])
        self.security = self._security(security, "security")
        self.consumes = self._media(self.root, "consumes", "document") if v2 else None
        self.produces = self._media(self.root, "produces", "document") if v2 else None

    def operations(self) -> Iterable[Operation]:
        for path, item in _obj(self.root.get("paths", {}), "paths").items():
            where = f"paths.{path}"
            item = _obj(self.doc.resolve(_obj(item, where), where), where)
            shared = self._parameters(item.get("parameters", []), f"{where}.parameters")
            for key, op in item.items():
                if key in _METHODS:
                    yield self._operation(path, key, _obj(op, f"{where}.{key}"), shared)

    def _operation(
        self, path: str, method: str, op: Mapping[str, Any], shared: list[Any]
    ) -> Operation:
        where = f"paths.{path}.{method}"
        own = self._parameters(op.get("parameters", []), f"{where}.parameters")
        merged: dict[tuple[str, str], Any] = {}
        for entry in (*shared, *own):
            if isinstance(entry, Parameter):
                merged[(entry.name, entry.location)] = entry
            else:  # Swagger 2.0 body / formData: (kind, parameter)
                merged[(entry[1]["name"], entry[0])] = entry
        params = tuple(p for p in merged.values() if isinstance(p, Parameter))
        body_params = [e for e in merged.values() if not isinstance(e, Parameter)]
        if self.v2:
            body = self._body_v2(op, body_params, where)
            responses = self._responses_v2(op, where)
        else:
            body = self._body(op.get("requestBody"), f"{where}.requestBody")
            responses = dict(_obj(op.get("responses", {}), f"{where}.responses"))
            if any(not isinstance(k, str) for k in responses):  # YAML turns 200 into an int
                responses = {str(k): v for k, v in responses.items()}
            for status, response in responses.items():
                _obj(response, f"{where}.responses.{status}")
        tags = _list(op.get("tags", []), f"{where}.tags")
        if not all(isinstance(t, str) for t in tags):
            raise OpenAPIError("expected a list of strings", f"{where}.tags")
        op_id = op.get("operationId")
        if op_id is not None and not isinstance(op_id, str):
            raise OpenAPIError(f"expected a string, got {_kind(op_id)}", f"{where}.operationId")
        security = self._security(op["security"], f"{where}.security") if "security" in op else None
        return Operation(
            method=method.upper(),
            path=path,
            operation_id=op_id,
            tags=tuple(tags),
            summary=_str(op, "summary", where),
            description=_str(op, "description", where),
            deprecated=_bool(op, "deprecated", where),
            parameters=params,
            request_body=body,
            responses=responses,
            security=self.security if security is None else security,
        )

    def _parameters(self, value: Any, where: str) -> list[Any]:
        out = []
        for i, raw in enumerate(_list(value, where)):
            at = f"{where}[{i}]"
            ref = raw.get("$ref") if isinstance(raw, Mapping) else None
            if isinstance(ref, str):
                cached = self.by_ref.get(ref)
                if cached is None:
                    cached = self._parameter(_obj(self.doc.resolve(raw, at), ref), ref)
                    self.by_ref[ref] = cached
                out.append(cached)
            else:
                out.append(self._parameter(_obj(raw, at), at))
        return out

    def _parameter(
        self, p: Mapping[str, Any], at: str
    ) -> Parameter | tuple[str, Mapping[str, Any]]:
        name = p.get("name")
        if not isinstance(name, str):
            raise OpenAPIError(f"expected a string, got {_kind(name)}", f"{at}.name")
        location = p.get("in")
        if self.v2 and location in ("body", "formData"):
            return (location, p)  # becomes (part of) the request body
        if location not in LOCATIONS:
            raise OpenAPIError(
                f"expected one of {', '.join(LOCATIONS)}, got {location!r}", f"{at}.in"
            )
        if self.v2:
            schema: Any = {k: p[k] for k in _V2_SCHEMA_KEYS if k in p}
        elif "schema" in p:
            schema = _obj(p["schema"], f"{at}.schema")
        else:  # a parameter described by `content` instead of `schema`
            media = _obj(p.get("content", {}), f"{at}.content")
            schema = next((m.get("schema", {}) for m in media.values()), {})
        example = p.get("example")
        if example is None and isinstance(p.get("examples"), Mapping) and p["examples"]:
            first = self.doc.resolve(next(iter(p["examples"].values())), f"{at}.examples")
            example = first.get("value") if isinstance(first, Mapping) else None
        return Parameter(
            name=name,
            location=cast(Location, location),
            required=location == "path" or _bool(p, "required", at),
            schema=schema,
            description=_str(p, "description", at),
            deprecated=_bool(p, "deprecated", at),
            example=example,
        )

    def _body(self, value: Any, where: str) -> RequestBody | None:
        if value is None:
            return None
        body = _obj(self.doc.resolve(_obj(value, where), where), where)
        content = _obj(body.get("content", {}), f"{where}.content")
        schemas = {}
        for ctype, media in content.items():
            schemas[ctype] = _obj(media, f"{where}.content.{ctype}").get("schema", {})
        return RequestBody(
            required=_bool(body, "required", where),
            content_types=tuple(content),
            schemas=schemas,
            description=_str(body, "description", where),
            content=content,
        )

    def _security(self, value: Any, where: str) -> tuple[Mapping[str, list[str]], ...]:
        items = _list(value, where)
        for i, requirement in enumerate(items):
            _obj(requirement, f"{where}[{i}]")
        return tuple(items)

    # -- Swagger 2.0: request bodies and responses in the 3.x shape

    def _media(self, node: Mapping[str, Any], key: str, where: str) -> tuple[str, ...] | None:
        if key not in node:
            return None
        value = _list(node[key], f"{where}.{key}")
        return tuple(str(v) for v in value)

    def _body_v2(self, op: Mapping[str, Any], parts: list[Any], where: str) -> RequestBody | None:
        if not parts:
            return None
        consumes = self._media(op, "consumes", where) or self.consumes
        body = next((p for kind, p in parts if kind == "body"), None)
        if body is not None:
            types = consumes or ("application/json",)
            schema = body.get("schema", {})
            return RequestBody(
                required=bool(body.get("required", False)),
                content_types=types,
                schemas={t: schema for t in types},
                description=_str(body, "description", where),
                content={t: {"schema": schema} for t in types},
            )
        fields = [p for kind, p in parts if kind == "formData"]
        has_file = any(p.get("type") == "file" for p in fields)
        default = "multipart/form-data" if has_file else "application/x-www-form-urlencoded"
        types = consumes or (default,)
        form = {
            "type": "object",
            "properties": {p["name"]: {k: p[k] for k in _V2_SCHEMA_KEYS if k in p} for p in fields},
            "required": [p["name"] for p in fields if p.get("required")],
        }
        return RequestBody(
            required=any(p.get("required") for p in fields),
            content_types=types,
            schemas={t: form for t in types},
            content={t: {"schema": form} for t in types},
        )

    def _responses_v2(self, op: Mapping[str, Any], where: str) -> dict[str, Mapping[str, Any]]:
        produces = self._media(op, "produces", where) or self.produces or ("application/json",)
        out: dict[str, Mapping[str, Any]] = {}
        for status, value in _obj(op.get("responses", {}), f"{where}.responses").items():
            at = f"{where}.responses.{status}"
            response = _obj(self.doc.resolve(_obj(value, at), at), at)
            converted = {k: v for k, v in response.items() if k not in ("schema", "examples")}
            if "schema" in response:
                converted["content"] = {t: {"schema": response["schema"]} for t in produces}
            out[str(status)] = converted
        return out


# ---------------------------------------------------------------------------- examples

_FORMATS: dict[str, Any] = {
    "date-time": "2024-01-01T00:00:00Z",
    "date": "2024-01-01",
    "time": "00:00:00",
    "duration": "P1D",
    "uuid": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
    "email": "user@example.com",
    "idn-email": "user@example.com",
    "uri": "https://example.com/",
    "url": "https://example.com/",
    "iri": "https://example.com/",
    "uri-reference": "/",
    "hostname": "example.com",
    "ipv4": "192.0.2.1",
    "ipv6": "2001:db8::1",
    "byte": "c3RyaW5n",
    "binary": "",
    "password": "********",
}


def example_for(
    doc: Document, schema: Mapping[str, Any], *, max_depth: int = 8, max_values: int = 20_000
) -> Any:
    """A deterministic example value for ``schema``; recursion ends with None at the cycle.

    Objects list required properties first, arrays hold one item. ``max_values`` caps the
    output (values past it are None) so a wide schema graph cannot freeze a view.
    """
    return _Examples(doc, max_depth, max_values).value(schema, 0, ())


class _Examples:
    def __init__(self, doc: Document, max_depth: int, max_values: int) -> None:
        self.doc = doc
        self.max_depth = max_depth
        self.budget = max_values

    def value(self, schema: Any, depth: int, refs: tuple[str, ...]) -> Any:
        schema, refs = self._deref(schema, refs)
        self.budget -= 1
        if schema is None or self.budget < 0:
            return None
        for key in ("example", "default", "const"):
            if key in schema:
                return copy.deepcopy(schema[key])
        examples = schema.get("examples")
        if isinstance(examples, list) and examples:
            return copy.deepcopy(examples[0])
        enum = schema.get("enum")
        if isinstance(enum, list) and enum:
            return copy.deepcopy(next((e for e in enum if e is not None), None))
        if depth > self.max_depth:
            return None
        if "allOf" in schema:
            return self.value(self._merge(schema, refs), depth, refs)
        for key in ("oneOf", "anyOf"):
            options = schema.get(key)
            if isinstance(options, list) and options:
                pick = next((o for o in options if not _is_null(o)), options[0])
                return self.value(pick, depth, refs)
        kind = _type_of(schema)
        if kind == "object":
            return self._object(schema, depth, refs)
        if kind == "array":
            items = schema.get("prefixItems")
            if isinstance(items, list):
                return [self.value(s, depth + 1, refs) for s in items]
            item = self.value(schema.get("items", {}), depth + 1, refs)
            return [] if item is None else [item]
        if kind == "string":
            return _string(schema)
        if kind in ("integer", "number"):
            return _number(schema, kind)
        if kind == "boolean":
            return True
        return None

    def _deref(
        self, schema: Any, refs: tuple[str, ...]
    ) -> tuple[Mapping[str, Any] | None, tuple[str, ...]]:
        while isinstance(schema, Mapping) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in refs:
                return None, refs  # the cycle ends here
            target = self.doc.resolve_ref(ref)
            refs = (*refs, ref)
            if len(schema) > 1 and isinstance(target, Mapping):
                target = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            schema = target
        return (schema if isinstance(schema, Mapping) else None), refs

    def _merge(self, schema: Mapping[str, Any], refs: tuple[str, ...]) -> dict[str, Any]:
        merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
        props = dict(_props(merged))
        required = _required(merged)
        parts = schema["allOf"] if isinstance(schema["allOf"], list) else []
        for raw in parts:
            part, part_refs = self._deref(raw, refs)
            if part is None:
                continue
            if "allOf" in part:
                part = self._merge(part, part_refs)
            for key, value in part.items():
                merged.setdefault(key, value)
            props.update((k, v) for k, v in _props(part).items() if k not in props)
            required += [r for r in _required(part) if r not in required]
        if props:
            merged["properties"], merged["required"] = props, required
            merged.setdefault("type", "object")
        return merged

    def _object(self, schema: Mapping[str, Any], depth: int, refs: tuple[str, ...]) -> Any:
        props = _props(schema)
        required = [r for r in _required(schema) if r in props]
        order = [*required, *(k for k in props if k not in required)]
        out = {name: self.value(props[name], depth + 1, refs) for name in order}
        extra = schema.get("additionalProperties")
        if not props and isinstance(extra, Mapping):
            out["additionalProp1"] = self.value(extra, depth + 1, refs)
        return out


def _props(schema: Mapping[str, Any]) -> Mapping[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, Mapping) else {}


def _required(schema: Mapping[str, Any]) -> list[str]:
    names = schema.get("required")
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _is_null(schema: Any) -> bool:
    return isinstance(schema, Mapping) and schema.get("type") == "null"


def _type_of(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):  # 3.1: ["string", "null"]
        kind = next((k for k in kind if k != "null"), "null")
    if isinstance(kind, str):
        return kind
    if "properties" in schema or "additionalProperties" in schema:
        return "object"
    if "items" in schema or "prefixItems" in schema:
        return "array"
    return None


def _bound(schema: Mapping[str, Any], key: str) -> float | None:
    value = schema.get(key)
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _number(schema: Mapping[str, Any], kind: str) -> int | float:
    """0, moved inside the bounds (3.0 boolean and 3.1 numeric exclusive bounds)."""
    low, high = _bound(schema, "minimum"), _bound(schema, "maximum")
    xlow, xhigh = _bound(schema, "exclusiveMinimum"), _bound(schema, "exclusiveMaximum")
    value = 0.0
    if low is not None:
        value = low + 1 if schema.get("exclusiveMinimum") is True else low
    elif xlow is not None:
        value = xlow + 1
    elif high is not None and high < 0:
        value = high - 1 if schema.get("exclusiveMaximum") is True else high
    elif xhigh is not None and xhigh <= 0:
        value = xhigh - 1
    return int(value) if kind == "integer" else value


def _string(schema: Mapping[str, Any]) -> str:
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in _FORMATS:
        return str(_FORMATS[fmt])
    text = "string"
    low, high = schema.get("minLength"), schema.get("maxLength")
    if isinstance(low, int) and low > len(text):
        text += "x" * (low - len(text))
    if isinstance(high, int) and high < len(text):
        text = text[:high]
    return text


def body_example(doc: Document, body: RequestBody, content_type: str | None = None) -> Any:
    """The example for one content type: the media type's own example, else from its schema."""
    ctype = content_type or next(iter(body.content_types), None)
    if ctype is None:
        return None
    media = body.content.get(ctype, {})
    if "example" in media:
        return copy.deepcopy(media["example"])
    examples = media.get("examples")
    if isinstance(examples, Mapping) and examples:
        first = doc.resolve(next(iter(examples.values())))
        if isinstance(first, Mapping) and "value" in first:
            return copy.deepcopy(first["value"])
    return example_for(doc, body.schemas.get(ctype, {}))


# ---------------------------------------------------------------------------- output, loading


def operations_json(doc: Document) -> list[dict[str, Any]]:
    """One JSON-ready dict per operation: what ``asgideck inspect --openapi --json`` prints.

    Schemas are printed as written (``$ref`` kept); response ``$ref``s are followed.
    """
    out = []
    for op in doc.operations:
        params: dict[str, list[dict[str, Any]]] = {loc: [] for loc in LOCATIONS}
        for p in op.parameters:
            params[p.location].append(
                {
                    "name": p.name,
                    "required": p.required,
                    "schema": p.schema,
                    "description": p.description,
                    "deprecated": p.deprecated,
                    "example": p.example,
                }
            )
        body = op.request_body
        where = f"paths.{op.path}.{op.method.lower()}.responses"
        out.append(
            {
                "method": op.method,
                "path": op.path,
                "operation_id": op.operation_id,
                "tags": list(op.tags),
                "summary": op.summary,
                "description": op.description,
                "deprecated": op.deprecated,
                "parameters": params,
                "request_body": None if body is None else _body_json(body),
                "responses": {
                    status: _response_json(doc, value, f"{where}.{status}")
                    for status, value in op.responses.items()
                },
                "security": [dict(s) for s in op.security],
            }
        )
    return out


def document_json(doc: Document) -> dict[str, Any]:
    """The document's header fields plus :func:`operations_json`."""
    return {
        "openapi": doc.version,
        "title": doc.title,
        "version": doc.api_version,
        "servers": list(doc.servers),
        "security_schemes": dict(doc.security_schemes),
        "operations": operations_json(doc),
    }


def _body_json(body: RequestBody) -> dict[str, Any]:
    return {
        "required": body.required,
        "content_types": list(body.content_types),
        "schemas": dict(body.schemas),
    }


def _response_json(doc: Document, value: Any, where: str) -> dict[str, Any]:
    response = _obj(doc.resolve(value, where), where)
    content = _obj(response.get("content") or {}, f"{where}.content")
    return {
        "description": response.get("description", ""),
        "content_types": list(content),
        "schemas": {
            t: _obj(m, f"{where}.content.{t}").get("schema", {}) for t, m in content.items()
        },
    }


def load_source(source: str, *, timeout: float = 10.0) -> bytes:
    """The bytes of a file path or an http(s) URL; failures become OpenAPIError."""
    if source.startswith(("http://", "https://")):
        import httpx  # only URL users pay for the import

        shown = mask_url_password(source)
        try:
            response = httpx.get(source, timeout=timeout, follow_redirects=True)
        except httpx.HTTPError as exc:
            raise OpenAPIError(f"{shown}: could not fetch: {exc}") from None
        if response.status_code >= 400:
            raise OpenAPIError(f"{shown}: HTTP {response.status_code} {response.reason_phrase}")
        return response.content
    path = Path(source).expanduser()
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise OpenAPIError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise OpenAPIError(f"{source}: is a folder, not an OpenAPI document") from None
    except OSError as exc:
        raise OpenAPIError(f"{source}: cannot read: {exc.strerror or exc}") from None


def load(source: str, *, timeout: float = 10.0) -> Document:
    """load_source + parse_bytes, with the source named in every error."""
    data = load_source(source, timeout=timeout)
    try:
        return parse_bytes(data)
    except OpenAPIError as exc:
        error = OpenAPIError(f"{mask_url_password(source)}: {exc}")
        error.path = exc.path
        raise error from None
