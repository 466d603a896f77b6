"""The composer's contents as plain data: from a route, to a spec, and back from a spec.

A :class:`Draft` is what the Try tab's composer shows (rows of path, query,
header, cookie and form fields, a body text, required marks). It is built from
an OpenAPI :class:`~asgideck.runtime.openapi.Operation`, from a pasted curl command or
from a history entry, and turned into the :class:`~asgideck.runtime.client.RequestSpec`
the Sender sends. Keeping it out of Qt makes the prefill and the required-field
check testable without a window.

This module turns a spec back into a draft (:func:`draft_from_spec`); the rest
lives by concern in its siblings: ``_model`` (``Draft``, ``Field``,
``path_placeholders``), ``_prefill`` (``draft_from_operation``, ``body_kind_for``)
and ``_schemes`` (``security_schemes``, ``Scheme``, ``auth_hint``: the document's
``securitySchemes`` as the choices the Authorize dialog offers).
"""

from __future__ import annotations

import json
from collections.abc import Mapping

from asgideck.runtime.client import (
    ApiKeyAuth,
    ApiKeyLocation,
    BasicAuth,
    BearerAuth,
    BodyKind,
    MultipartBody,
    RequestSpec,
    authorization_value,
    join_url,
)
from asgideck.runtime.secrets import MASK
from asgideck.runtime.workbench._model import Draft, Field, path_placeholders

__all__ = ["draft_from_spec"]


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
    spec: RequestSpec, *, base_url: str = "", root_path: str = "", authorized: bool = True
) -> tuple[Draft, list[str]]:
    """A draft from a spec, plus notes for the user (redacted values, auth moved to a header).

    An absolute URL under the current target becomes a path relative to it. Auth that came
    with the spec (``curl -u``) becomes an ``Authorization`` header row; auth masked by the
    history is dropped, because the server's current authorization is applied when sending.
    """
    notes: list[str] = []
    # what replaces a redacted secret: true whether or not the server has authorization set
    unset = "; this server has no authorization set: set it with Authorize… (Ctrl+Shift+A)"
    instead = ": this server's current one is used" if authorized else unset
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
            notes.append(f"the stored authorization was redacted{instead}")
        elif not any(k.lower() == "authorization" for k, _v in headers):
            headers.append(("Authorization", authorization_value(auth)))
    elif isinstance(auth, ApiKeyAuth):
        if auth.value == MASK:
            notes.append(f"the API key {auth.name!r} was redacted{instead}")
        else:
            _add_api_key(draft, headers, auth.name, auth.value, auth.location)
    kept: list[tuple[str, str]] = []
    for name, value in headers:
        if name.lower() == "authorization" and MASK in value:
            notes.append(
                "the stored Authorization header was redacted"
                + (": the current one is used" if authorized else unset)
            )
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
