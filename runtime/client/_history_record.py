"""A request and its answer as stored history data: secrets masked, and back to a spec.

The masking is :class:`asgideck.runtime.secrets.Redactor`, the product's one secret
rule applied to HTTP data: credential headers, URL userinfo, query, form and JSON
fields named like secrets and key-shaped values are masked first; then every secret
met is scrubbed wherever else it appears (an echoed header or body, an error).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from typing import Any, cast

from asgideck.runtime.client._auth import ApiKeyAuth, Auth, BasicAuth, BearerAuth
from asgideck.runtime.client._spec import BodyKind, MultipartBody, RequestSpec
from asgideck.runtime.secrets import Redactor

__all__ = ["Redactor", "spec_from_dict", "spec_to_dict"]


def _auth_dict(auth: Auth | None, redactor: Redactor) -> dict[str, str] | None:
    if isinstance(auth, BearerAuth):
        return {"kind": "bearer", "token": redactor.secret(auth.token)}
    if isinstance(auth, BasicAuth):
        redactor.basic(auth.user, auth.password)  # also "user:pw" and its base64, if echoed
        return {"kind": "basic", "user": auth.user, "password": redactor.secret(auth.password)}
    if isinstance(auth, ApiKeyAuth):
        value = redactor.secret(auth.value)
        return {"kind": "apikey", "name": auth.name, "value": value, "location": auth.location}
    return None


def _body_dict(spec: RequestSpec, redactor: Redactor, max_body: int) -> Any:
    body = spec.body
    if body is None or spec.body_kind == "none":
        return None
    if spec.body_kind == "json":
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
        if not isinstance(text, str):
            return {"json": redactor.json_value(body)}
        return {"text": redactor.text_body(text, "application/json")[:max_body]}
    if spec.body_kind == "form":
        pairs = body.items() if isinstance(body, Mapping) else body
        return {"pairs": redactor.pairs(pairs)}
    if spec.body_kind == "multipart" and isinstance(body, MultipartBody):
        files = [[name, str(path)] for name, path in body.files]
        return {"fields": redactor.pairs(body.fields), "files": files}
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8")
        except UnicodeDecodeError:
            return {"base64": base64.b64encode(body[:max_body]).decode("ascii")}
    content_type = spec.content_type or _header(spec.headers, "content-type") or ""
    return {"text": redactor.text_body(str(body), content_type)[:max_body]}


def _header(headers: Iterable[tuple[str, str]], name: str) -> str | None:
    return next((v for k, v in headers if k.lower() == name), None)


def spec_to_dict(spec: RequestSpec, redactor: Redactor, max_body: int) -> dict[str, Any]:
    """The spec as JSON-able data with every secret masked (values collected in ``redactor``)."""
    path_params = {
        k: redactor.secret(str(v)) if redactor.is_secret_name(k) else redactor.text(str(v))
        for k, v in spec.path_params.items()
    }
    return {
        "method": spec.method,
        "url": redactor.url(spec.url),
        "base_url": redactor.url(spec.base_url),
        "root_path": spec.root_path,
        "path_params": path_params,
        "query": redactor.pairs(spec.query),
        "headers": redactor.headers(spec.headers),
        "cookies": {k: redactor.secret(v) for k, v in spec.cookies.items()},
        "body_kind": spec.body_kind,
        "body": _body_dict(spec, redactor, max_body),
        "content_type": spec.content_type,
        "timeout": spec.timeout,
        "follow_redirects": spec.follow_redirects,
        "verify": spec.verify,
        "auth": _auth_dict(spec.auth, redactor),
    }


def spec_from_dict(data: Mapping[str, Any]) -> RequestSpec:
    """A re-sendable spec from stored data (secrets stay ``****``; the GUI re-applies them)."""
    body_data = data.get("body")
    body: Any = None
    if isinstance(body_data, dict):
        if "json" in body_data:
            body = body_data["json"]
        elif "pairs" in body_data:
            body = tuple((k, v) for k, v in body_data["pairs"])
        elif "fields" in body_data:
            fields = tuple((k, v) for k, v in body_data["fields"])
            body = MultipartBody(fields, tuple((k, v) for k, v in body_data.get("files", ())))
        elif "base64" in body_data:
            body = base64.b64decode(body_data["base64"])
        else:
            body = body_data.get("text")
    auth_data = data.get("auth") or {}
    auth: Auth | None = None
    kind = auth_data.get("kind")
    if kind == "bearer":
        auth = BearerAuth(auth_data["token"])
    elif kind == "basic":
        auth = BasicAuth(auth_data["user"], auth_data["password"])
    elif kind == "apikey":
        auth = ApiKeyAuth(auth_data["name"], auth_data["value"], auth_data["location"])
    return RequestSpec(
        method=data["method"],
        url=data["url"],
        base_url=data.get("base_url", ""),
        root_path=data.get("root_path", ""),
        path_params=dict(data.get("path_params", {})),
        query=tuple((k, v) for k, v in data.get("query", ())),
        headers=tuple((k, v) for k, v in data.get("headers", ())),
        cookies=dict(data.get("cookies", {})),
        body_kind=cast(BodyKind, data.get("body_kind", "none")),
        body=body,
        content_type=data.get("content_type"),
        timeout=float(data.get("timeout", 30.0)),
        follow_redirects=bool(data.get("follow_redirects", False)),
        auth=auth,
        verify=bool(data.get("verify", True)),
    )
