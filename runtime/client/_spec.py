"""What to send: a request spec, and :func:`prepare`, the one truth of what goes on the wire.

A :class:`RequestSpec` is built from a route, a pasted curl command or a
history entry; :func:`prepare` resolves it into the exact method, URL, headers
and body bytes, so the Sender, the curl export and the httpx snippet all send
the same thing.
"""

from __future__ import annotations

import json
import mimetypes
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import quote, urlencode, urlsplit

from asgideck.runtime.client._auth import (
    ApiKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    authorization_value,
    join_url,
)
from asgideck.runtime.client._errors import InvalidRequest

__all__ = [
    "BodyKind",
    "MultipartBody",
    "Prepared",
    "RequestSpec",
    "encode_multipart_fields",
    "file_content_type",
    "prepare",
]

BodyKind = Literal["none", "json", "form", "multipart", "raw"]


@dataclass(frozen=True)
class MultipartBody:
    """Text fields and files (``(field, path)``) of a multipart/form-data body."""

    fields: Sequence[tuple[str, str]] = ()
    files: Sequence[tuple[str, str | Path]] = ()


# --- the spec -------------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?::(?P<conv>[a-z]+))?\}")


@dataclass(frozen=True)
class RequestSpec:
    """Everything needed to send one request; plain data, safe to copy between threads.

    ``url`` is absolute, or a route path (``/items/{item_id}``) joined onto
    ``base_url`` + ``root_path``. ``body`` depends on ``body_kind``: JSON text or
    a JSON-able object, form pairs (or a mapping), a :class:`MultipartBody`, or
    raw ``bytes``/``str``.
    """

    method: str
    url: str
    base_url: str = ""
    root_path: str = ""
    path_params: Mapping[str, str] = field(default_factory=dict)
    query: Sequence[tuple[str, str]] = ()
    headers: Sequence[tuple[str, str]] = ()
    cookies: Mapping[str, str] = field(default_factory=dict)
    body_kind: BodyKind = "none"
    body: Any = None
    content_type: str | None = None
    timeout: float = 30.0
    follow_redirects: bool = False
    auth: Auth | None = None
    verify: bool = True

    def build_url(self) -> str:
        """The URL to request: base + root path + path (params percent-encoded) + query."""
        url = self.url.strip()
        if "://" not in url:
            if not self.base_url:
                raise InvalidRequest(
                    f"URL {url!r} is a path but no server address is known: "
                    "start the server or type a full http:// URL"
                )
            url = join_url(join_url(self.base_url, self.root_path), url)
        url = url.split("#", 1)[0]
        url = _PLACEHOLDER.sub(self._substitute, url)
        if self.query:
            url += ("&" if "?" in url else "?") + urlencode(list(self.query), quote_via=quote)
        return url

    def _substitute(self, match: re.Match[str]) -> str:
        name = match["name"]
        value = self.path_params.get(name)
        if value is None or str(value) == "":
            raise InvalidRequest(f"path parameter {name!r} has no value")
        return quote(str(value), safe="/" if match["conv"] == "path" else "")

    def missing_required(
        self, required_path: Iterable[str], required_query: Iterable[str]
    ) -> list[str]:
        """What must be filled in before sending, e.g. ``["path parameter 'item_id'"]``."""
        missing: list[str] = []
        path_names = list(dict.fromkeys([*required_path, *_placeholders(self.url)]))
        for name in path_names:
            if str(self.path_params.get(name, "")) == "":
                missing.append(f"path parameter {name!r}")
        present = {key for key, _value in self.query}
        for name in required_query:
            if name not in present:
                missing.append(f"query parameter {name!r}")
        return missing


def _placeholders(url: str) -> list[str]:
    return [match["name"] for match in _PLACEHOLDER.finditer(url)]


# --- prepare: one truth for what goes on the wire --------------------------------------------


@dataclass(frozen=True)
class Prepared:
    """The exact request: headers include auth, cookies and Content-Type (except multipart,
    whose boundary the sender chooses); ``content`` is the body bytes unless multipart."""

    method: str
    url: str
    headers: tuple[tuple[str, str], ...]
    content: bytes | None
    multipart: MultipartBody | None
    timeout: float
    follow_redirects: bool
    verify: bool


def _has_header(headers: Sequence[tuple[str, str]], name: str) -> bool:
    return any(key.lower() == name.lower() for key, _value in headers)


def _apply_auth(
    spec: RequestSpec,
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]:
    headers = list(spec.headers)
    query = list(spec.query)
    cookies = dict(spec.cookies)
    auth = spec.auth
    if isinstance(auth, BearerAuth | BasicAuth):
        if not _has_header(headers, "Authorization"):
            headers.append(("Authorization", authorization_value(auth)))
    elif isinstance(auth, ApiKeyAuth):
        if auth.location == "header":
            headers.append((auth.name, auth.value))
        elif auth.location == "query":
            query.append((auth.name, auth.value))
        else:
            cookies[auth.name] = auth.value
    return headers, query, cookies


def _encode_body(spec: RequestSpec) -> tuple[bytes | None, str | None]:
    """Body bytes and their default Content-Type for every kind but multipart."""
    kind, body = spec.body_kind, spec.body
    if kind == "none" or body is None:
        return None, None
    if kind == "json":
        if isinstance(body, str | bytes):
            text = body.decode("utf-8") if isinstance(body, bytes) else body
            try:
                json.loads(text)
            except ValueError as exc:
                raise InvalidRequest(f"the JSON body is not valid JSON: {exc}") from None
            return text.encode("utf-8"), "application/json"
        try:
            return json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json"
        except (TypeError, ValueError) as exc:
            raise InvalidRequest(f"the JSON body cannot be encoded: {exc}") from None
    if kind == "form":
        pairs = list(body.items()) if isinstance(body, Mapping) else list(body)
        return urlencode(pairs).encode("ascii"), "application/x-www-form-urlencoded"
    if kind == "raw":
        if isinstance(body, bytes):
            return body, "application/octet-stream"
        return str(body).encode("utf-8"), "text/plain; charset=utf-8"
    raise InvalidRequest(f"unknown body kind {kind!r}")


_TOKEN = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")


def _check_header(name: str, value: str) -> None:
    if not _TOKEN.match(name):
        raise InvalidRequest(
            f"header name {name!r} is not valid (letters, digits and -_.!#$%&'*+^`|~)"
        )
    if any(ch in value for ch in "\r\n\x00"):
        raise InvalidRequest(f"the value of header {name!r} contains a line break or NUL")


def prepare(spec: RequestSpec) -> Prepared:
    """Resolve ``spec`` into the exact request (raises :class:`InvalidRequest`)."""
    method = spec.method.strip().upper()
    if not method or not method.isalpha():
        raise InvalidRequest(f"invalid HTTP method {spec.method!r}")
    headers, query, cookies = _apply_auth(spec)
    for name, value in headers:
        _check_header(name, value)
    url = RequestSpec(
        method, spec.url, spec.base_url, spec.root_path, spec.path_params, tuple(query)
    ).build_url()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port out of range or not a number raises here)
    except ValueError as exc:  # e.g. "Invalid IPv6 URL" for http://[::1
        raise InvalidRequest(f"invalid URL {url!r}: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise InvalidRequest(f"invalid URL {url!r}: only http:// and https:// can be sent")
    if cookies:
        jar = "; ".join(f"{name}={value}" for name, value in cookies.items())
        existing = [value for key, value in headers if key.lower() == "cookie"]
        headers = [(key, value) for key, value in headers if key.lower() != "cookie"]
        headers.append(("Cookie", "; ".join([*existing, jar])))
    multipart: MultipartBody | None = None
    content: bytes | None = None
    if spec.body_kind == "multipart" and spec.body is not None:
        if not isinstance(spec.body, MultipartBody):
            raise InvalidRequest("a multipart body needs fields and files (MultipartBody)")
        multipart = spec.body
        headers = [(key, value) for key, value in headers if key.lower() != "content-type"]
    else:
        content, default_type = _encode_body(spec)
        content_type = spec.content_type or default_type
        if content is not None and content_type and not _has_header(headers, "Content-Type"):
            headers.append(("Content-Type", content_type))
    return Prepared(
        method=method,
        url=url,
        headers=tuple(headers),
        content=content,
        multipart=multipart,
        timeout=spec.timeout,
        follow_redirects=spec.follow_redirects,
        verify=spec.verify,
    )


def file_content_type(path: str | Path) -> str:
    """The Content-Type sent for a multipart file (shared with the curl export)."""
    return mimetypes.guess_type(str(path))[0] or "application/octet-stream"


def encode_multipart_fields(fields: Sequence[tuple[str, str]], boundary: str) -> bytes:
    """A multipart/form-data body of text fields only (httpx would urlencode them)."""
    parts = []
    for name, value in fields:
        quoted = name.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{quoted}"\r\n\r\n'.encode()
            + value.encode("utf-8")
            + b"\r\n"
        )
    return b"".join(parts) + f"--{boundary}--\r\n".encode()
