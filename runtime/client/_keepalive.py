"""Kept-alive connections that a cancel can still hang up, whichever request uses them.

The sender used to open a connection per request, so the connect trace handed each
request its own socket to shut down on cancel. A kept connection is connected once:
the requests after the first never see a connect. So every stream is wrapped, and
the first write of a request tells the request (the worker thread's current
:class:`Claimant`) which stream it is on. A cancel then shuts that socket down at any
stage, as before; the pool drops the broken connection and the next request
connects anew. A connection the server closed while idle (a restart) is noticed by
httpcore before reuse and replaced; one that fails mid-request is reported as before.
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

import httpx

__all__ = ["Claimant", "current", "kept_alive_transport"]

#: Idle connections kept per sender (per target: the pool keys them by origin).
KEEPALIVE_CONNECTIONS = 4
#: How long an idle connection is kept: under the servers' own idle limits (uvicorn 5 s,
#: gunicorn's default keepalive 2 s, passed to its uvicorn workers), so the client lets go
#: first and a request rarely meets a connection the server is closing. GET/HEAD/OPTIONS/
#: PUT/DELETE that do are sent once more (the sender's ``_may_resend``).
KEEPALIVE_S = 1.5


class Claimant(Protocol):
    """A request in flight that wants to know its stream (to hang up on cancel)."""

    def claim(self, stream: Any) -> None: ...


class _Current(threading.local):
    claimant: Claimant | None = None


#: The request the calling worker thread is sending right now (set by the sender).
current = _Current()


class _Stream:
    """An httpcore network stream that tells the current request it carries it."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        data: bytes = self._inner.read(max_bytes, timeout)
        return data

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        claimant = current.claimant
        if claimant is not None:
            claimant.claim(self)
        self._inner.write(buffer, timeout)

    def close(self) -> None:
        self._inner.close()

    def start_tls(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class _Backend:
    """httpcore's network backend, handing out :class:`_Stream` s."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def connect_tcp(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._inner.connect_tcp(*args, **kwargs))

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> _Stream:
        return _Stream(self._inner.connect_unix_socket(*args, **kwargs))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def kept_alive_transport(verify: bool) -> httpx.HTTPTransport:
    """A transport keeping idle connections whose streams report to :data:`current`.

    Should this httpx/httpcore lay its pool out differently, the transport keeps no
    connection instead (one per request, as before): cancel must always reach a socket.
    """
    pool_limits = httpx.Limits(
        max_keepalive_connections=KEEPALIVE_CONNECTIONS, keepalive_expiry=KEEPALIVE_S
    )
    transport = httpx.HTTPTransport(verify=verify, trust_env=False, limits=pool_limits)
    pool = getattr(transport, "_pool", None)
    backend = getattr(pool, "_network_backend", None)
    if backend is None or not hasattr(backend, "connect_tcp"):
        transport.close()
        no_keepalive = httpx.Limits(max_keepalive_connections=0)
        return httpx.HTTPTransport(verify=verify, trust_env=False, limits=no_keepalive)
    pool._network_backend = _Backend(backend)  # type: ignore[union-attr]
    return transport
