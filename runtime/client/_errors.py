"""Why a request failed, in a sentence a person can act on (never a traceback).

Exceptions::

    RequestFailed          connection refused, timeout, TLS, invalid URL or body
    ├── InvalidRequest     the spec itself is wrong (nothing was sent)
    ├── RequestCancelled   cancel() was called while the request was in flight
    ├── DeadlineExceeded   no complete answer within the overall deadline
    └── AuthFailed         the OAuth2 token endpoint said no
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterator
from http import HTTPStatus
from urllib.parse import urlsplit

import httpx

from asgideck.runtime.errors import AsgideckError

__all__ = [
    "AuthFailed",
    "DeadlineExceeded",
    "InvalidRequest",
    "RequestCancelled",
    "RequestFailed",
    "explain",
    "reason_phrase",
]


class RequestFailed(AsgideckError):
    """The request could not be sent or answered; ``str()`` is the message to show."""


class InvalidRequest(RequestFailed):
    """The spec is wrong (missing path parameter, bad JSON, unreadable file): nothing was sent."""


class RequestCancelled(RequestFailed):
    """:meth:`Sender.cancel` stopped the request."""


class DeadlineExceeded(RequestFailed):
    """The whole exchange took longer than the sender's deadline; what arrived was dropped.

    ``status`` is the answer's status when its headers had arrived (else ``None``),
    ``received`` how many body bytes had: a server that answered may have acted already.
    """

    def __init__(self, message: str, *, status: int | None = None, received: int = 0) -> None:
        super().__init__(message)
        self.status = status
        self.received = received


class AuthFailed(RequestFailed):
    """The token endpoint refused the login or answered something that is not a token."""


def _origin(url: str) -> str:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def explain(exc: Exception, url: str, timeout: float) -> RequestFailed:
    """Turn an httpx/OS error into a :class:`RequestFailed` with a message to show."""
    where = _origin(url)
    text = str(exc) or type(exc).__name__
    if isinstance(exc, httpx.ConnectTimeout):
        return RequestFailed(f"timed out connecting to {where} after {timeout:g} s")
    if isinstance(exc, httpx.ReadTimeout):
        return RequestFailed(f"no answer from {where} within {timeout:g} s (read timeout)")
    if isinstance(exc, httpx.TimeoutException):
        return RequestFailed(f"timed out talking to {where} after {timeout:g} s")
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return RequestFailed(f"invalid URL {url!r}: {text}")
    if isinstance(exc, httpx.TooManyRedirects):
        return RequestFailed(f"too many redirects from {url}")
    if isinstance(exc, httpx.DecodingError):
        return RequestFailed(f"the body from {where} could not be decoded: {text}")
    for cause in _chain(exc):
        if isinstance(cause, ssl.SSLCertVerificationError):
            reason = cause.verify_message or cause.reason or "certificate verify failed"
            return RequestFailed(
                f"TLS error talking to {where}: {reason} "
                "(turn off certificate verification for a self-signed certificate)"
            )
        if isinstance(cause, ssl.SSLError):
            return RequestFailed(f"TLS error talking to {where}: {cause.reason or cause}")
        if isinstance(cause, ConnectionRefusedError) or "Connection refused" in str(cause):
            return RequestFailed(f"connection refused: is the server at {where} running?")
        if isinstance(cause, socket.gaierror):
            return RequestFailed(f"cannot resolve host {urlsplit(url).hostname!r}: {cause}")
    if isinstance(exc, httpx.RemoteProtocolError):
        return RequestFailed(f"{where} closed the connection without a complete answer: {text}")
    if isinstance(exc, httpx.ConnectError):
        return RequestFailed(f"cannot connect to {where}: {text}")
    return RequestFailed(f"request to {url} failed: {text}")


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
