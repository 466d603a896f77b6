"""A request and its answer as stored history data: secrets masked, and back to a spec.

Redaction works in two passes. First by *name*: credential headers
(Authorization, Cookie, Set-Cookie, X-API-Key-like), query and path parameters,
form and JSON fields named like secrets (:func:`asgideck.runtime.secrets.is_secret_key`),
the auth's secret and URL passwords. Then by *value*: every secret met in the
first pass is scrubbed wherever else it appears (an echoed header, an error
message, a response body), so a server that reflects a token cannot sneak it in.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, cast
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from asgideck.runtime.client._auth import ApiKeyAuth, Auth, BasicAuth, BearerAuth
from asgideck.runtime.client._spec import BodyKind, MultipartBody, RequestSpec
from asgideck.runtime.secrets import MASK, is_secret_key, mask_url_password, url_passwords

__all__ = ["Redactor", "form_encode", "spec_from_dict", "spec_to_dict"]

_ALWAYS_SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie", "set-cookie"}
_MIN_SCRUB = 4  # shorter "secrets" would mangle ordinary text; a name-based mask still hides them
_JSON_PAIR = re.compile(r'"(?P<key>(?:[^"\\]|\\.)*)"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)"')


class Redactor:
    """Masks the secrets of one request/response pair; collects values to scrub everywhere."""

    def __init__(self, secret_names: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        # Names that carry a secret here whatever they look like (an API key's parameter).
        self.names = {name.lower() for name in secret_names}

    def _is_secret(self, name: str) -> bool:
        return name.lower() in self.names or is_secret_key(name)

    def secret(self, value: str) -> str:
        """Remember ``value`` as a secret and return the mask."""
        if value and value != MASK:
            self.values.add(value)
            if "%" in value or "+" in value:
                self.values.add(unquote(value.replace("+", " ")))
        return MASK if value else value

    def header(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower in ("cookie",):
            return "; ".join(self._cookie_pair(item) for item in value.split(";"))
        if lower == "set-cookie":
            first, sep, attributes = value.partition(";")
            return self._cookie_pair(first) + sep + attributes
        if lower in _ALWAYS_SECRET_HEADERS:
            scheme, space, credential = value.strip().partition(" ")
            if space and scheme.isalpha():  # keep "Bearer"/"Basic": the GUI re-applies a token
                if scheme.lower() == "basic":
                    self._basic(credential)
                return f"{scheme} {self.secret(credential.strip())}"
            return self.secret(value)
        if self._is_secret(name):
            return self.secret(value)
        return value

    def _basic(self, credential: str) -> None:
        try:
            decoded = base64.b64decode(credential.strip(), validate=True).decode("utf-8")
        except ValueError:
            return
        _user, _colon, password = decoded.partition(":")
        self.secret(password)

    def _cookie_pair(self, item: str) -> str:
        name, eq, value = item.strip().partition("=")
        return f"{name}={self.secret(value)}" if eq else item.strip()

    def pairs(self, pairs: Iterable[Sequence[str]]) -> list[list[str]]:
        return [[k, self.secret(v) if self._is_secret(k) else v] for k, v in pairs]

    def url(self, url: str) -> str:
        for password in url_passwords(url):  # the rule the UI and the server log mask by
            self.secret(password)
        try:
            parts = urlsplit(url)
        except ValueError:  # a URL that could not be sent ("Invalid IPv6 URL"): kept masked
            return mask_url_password(url)
        if parts.query:
            pairs = self.pairs(parse_qsl(parts.query, keep_blank_values=True))
            url = url.replace(parts.query, form_encode(pairs), 1)
        return mask_url_password(url)

    def json_value(self, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: (
                    self._mask_any(v)
                    if is_secret_key(str(k)) and not isinstance(v, dict | list)
                    else self.json_value(v)
                )
                for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json_value(item) for item in value]
        return value

    def _mask_any(self, value: Any) -> Any:
        if value is None or value == "":
            return value
        return self.secret(str(value) if not isinstance(value, str) else value)

    def text_body(self, text: str, content_type: str) -> str:
        """A body's text with secret fields masked (JSON, form, or JSON-looking pairs)."""
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime == "application/x-www-form-urlencoded":
            return form_encode(self.pairs(parse_qsl(text, keep_blank_values=True)))
        try:
            parsed = json.loads(text)
        except ValueError:
            return self.mask_json_pairs(text)
        return json.dumps(self.json_value(parsed), ensure_ascii=False)

    def _json_pair_sub(self, match: re.Match[str]) -> str:
        if not is_secret_key(match["key"]):
            return match.group(0)
        return f'"{match["key"]}": "{self.secret(match["value"])}"'

    def mask_json_pairs(self, text: str) -> str:
        """Mask ``"secret_name": "value"`` pairs in text that is not (whole) JSON."""
        return _JSON_PAIR.sub(self._json_pair_sub, text)

    def scrub(self, text: str) -> str:
        """Replace every remembered secret value inside ``text`` (longest first)."""
        for value in sorted(self.values, key=len, reverse=True):
            if len(value) >= _MIN_SCRUB:
                text = text.replace(value, MASK)
        return mask_url_password(text)

    def scrub_bytes(self, data: bytes) -> bytes:
        for value in sorted(self.values, key=len, reverse=True):
            if len(value) >= _MIN_SCRUB:
                data = data.replace(value.encode("utf-8"), MASK.encode())
        return data

    def deep_scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.deep_scrub(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.deep_scrub(item) for item in value]
        return value


def form_encode(pairs: Iterable[Sequence[str]]) -> str:
    return urlencode([(k, v) for k, v in pairs], safe="*")


def _auth_dict(auth: Auth | None, redactor: Redactor) -> dict[str, str] | None:
    if isinstance(auth, BearerAuth):
        return {"kind": "bearer", "token": redactor.secret(auth.token)}
    if isinstance(auth, BasicAuth):
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
        k: redactor.secret(str(v)) if is_secret_key(k) else str(v)
        for k, v in spec.path_params.items()
    }
    return {
        "method": spec.method,
        "url": redactor.url(spec.url),
        "base_url": redactor.url(spec.base_url),
        "root_path": spec.root_path,
        "path_params": path_params,
        "query": redactor.pairs(spec.query),
        "headers": [[k, redactor.header(k, v)] for k, v in spec.headers],
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
