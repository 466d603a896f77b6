"""Credentials for the Try tab: the auth variants, the OAuth2 password flow, the session store.

Secrets never show in a ``repr`` and the :class:`TokenStore` never reaches disk.
"""

from __future__ import annotations

import threading
from base64 import b64encode
from collections.abc import Sequence
from dataclasses import dataclass, field
from http.cookiejar import CookieJar, DefaultCookiePolicy
from pathlib import Path
from typing import Any, Literal

import httpx

from asgideck.runtime.client._errors import AuthFailed, explain, reason_phrase

__all__ = [
    "ApiKeyAuth",
    "ApiKeyLocation",
    "Auth",
    "BasicAuth",
    "BearerAuth",
    "NoCookies",
    "TokenStore",
    "authorization_value",
    "join_url",
    "oauth2_password_token",
]

ApiKeyLocation = Literal["header", "query", "cookie"]


@dataclass(frozen=True)
class BearerAuth:
    """``Authorization: Bearer TOKEN`` (HTTP bearer, or the OAuth2 password flow's result)."""

    token: str = field(repr=False)


@dataclass(frozen=True)
class BasicAuth:
    """HTTP basic: ``Authorization: Basic base64(user:password)``."""

    user: str
    password: str = field(repr=False)


@dataclass(frozen=True)
class ApiKeyAuth:
    """An API key sent as a header, a query parameter or a cookie named ``name``."""

    name: str
    value: str = field(repr=False)
    location: ApiKeyLocation = "header"


Auth = BearerAuth | BasicAuth | ApiKeyAuth


def authorization_value(auth: BearerAuth | BasicAuth) -> str:
    """The ``Authorization`` header value for a bearer token or basic credentials."""
    if isinstance(auth, BearerAuth):
        return f"Bearer {auth.token}"
    raw = f"{auth.user}:{auth.password}".encode()
    return "Basic " + b64encode(raw).decode("ascii")


class NoCookies(CookieJar):
    """A jar that keeps nothing: the spec alone says which cookies are sent."""

    def __init__(self) -> None:
        super().__init__(policy=DefaultCookiePolicy(allowed_domains=[]))


def join_url(base: str, path: str) -> str:
    """``join_url("http://h:1/api/", "/items")`` -> ``http://h:1/api/items``; absolute wins."""
    if "://" in path:
        return path
    if not path:
        return base
    if not base:
        return path
    return base.rstrip("/") + "/" + path.lstrip("/")


def _detail(response: httpx.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.text[:200].strip()
    detail = payload.get("detail", payload) if isinstance(payload, dict) else payload
    if isinstance(detail, list):  # FastAPI validation errors
        parts = []
        for item in detail:
            if isinstance(item, dict):
                loc = ".".join(str(p) for p in item.get("loc", ()) if p != "body")
                parts.append(f"{loc}: {item.get('msg', item)}" if loc else str(item.get("msg")))
            else:
                parts.append(str(item))
        return "; ".join(parts)
    if isinstance(detail, dict) and "error" in detail:
        return str(detail.get("error_description") or detail["error"])
    return str(detail)


def _local_client(timeout: float) -> httpx.Client:
    return httpx.Client(timeout=timeout, cookies=NoCookies(), trust_env=False)


def oauth2_password_token(
    base_url: str,
    token_url: str,
    username: str,
    password: str,
    scopes: Sequence[str] = (),
    client: httpx.Client | None = None,
    *,
    timeout: float = 30.0,
) -> str:
    """Log in with the OAuth2 password flow and return the access token.

    POSTs the form (``grant_type=password``) to ``token_url`` (relative to
    ``base_url`` unless absolute). Raises :class:`AuthFailed` when the server
    refuses (401/400/422, with its ``detail``) or answers without a token, and
    :class:`RequestFailed` when it cannot be reached.
    """
    url = join_url(base_url, token_url)
    form = {"grant_type": "password", "username": username, "password": password}
    if scopes:
        form["scope"] = " ".join(scopes)
    own = client is None
    # trust_env=False: the password form goes straight to the server, never to HTTP_PROXY
    http = client if client is not None else _local_client(timeout)
    try:
        response = http.post(url, data=form, headers={"Accept": "application/json"})
    except (httpx.HTTPError, OSError) as exc:
        raise explain(exc, url, timeout) from None
    finally:
        if own:
            http.close()
    status = (
        f"{response.status_code} {response.reason_phrase or reason_phrase(response.status_code)}"
    )
    if response.status_code >= 400:
        raise AuthFailed(f"login at {url} failed: {status}: {_detail(response)}")
    try:
        payload = response.json()
    except ValueError:
        kind = response.headers.get("content-type") or "no content type"
        head = response.text[:80]
        raise AuthFailed(f"{url} answered {status} with {kind}, not JSON: {head!r}") from None
    token = payload.get("access_token") if isinstance(payload, dict) else None
    if not isinstance(token, str) or not token:
        keys = ", ".join(sorted(payload)) if isinstance(payload, dict) else type(payload).__name__
        raise AuthFailed(f"{url} answered {status} without an access_token (got: {keys})")
    return token


class TokenStore:
    """The credentials in use per server, for this session only: memory, never disk.

    Keyed by project and server *name* (see :meth:`key`), not by process, so a
    token obtained before a reload or restart is still there afterwards. It
    refuses to be pickled, so it cannot end up in saved state by accident.
    """

    def __init__(self) -> None:
        self._auth: dict[str, Auth] = {}
        self._lock = threading.Lock()

    @staticmethod
    def key(project: str | Path, server: str) -> str:
        return f"{Path(project).expanduser().resolve()}::{server}"

    def set(self, key: str, auth: Auth) -> None:
        with self._lock:
            self._auth[key] = auth

    def get(self, key: str) -> Auth | None:
        with self._lock:
            return self._auth.get(key)

    def forget(self, key: str) -> None:
        with self._lock:
            self._auth.pop(key, None)

    def clear(self) -> None:
        with self._lock:
            self._auth.clear()

    def __contains__(self, key: object) -> bool:
        with self._lock:
            return key in self._auth

    def __repr__(self) -> str:
        with self._lock:
            return f"TokenStore({len(self._auth)} servers)"

    def __reduce__(self) -> Any:
        raise TypeError("TokenStore holds secrets and is never serialised")
