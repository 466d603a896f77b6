"""The bytes of an OpenAPI document from a file or URL, within the limits of ``_limits``.

One reader for every path that fetches a document (``inspect --openapi``, the window's
fetch after each (re)start, ``call --auth`` and the docs pages it searches), so an
endless stream, a drip-fed answer, ``/dev/zero`` or a FIFO with a silent writer all end
in one :class:`OpenAPILimitError` line naming the source and the limit that was hit.

httpx's timeouts are per network read: a server sending a byte a second never trips
them. The total deadline is enforced here by a watchdog that shuts the request's
sockets down when it expires (reached through httpcore's public ``trace`` extension),
so a read blocked inside header parsing returns too.
"""

from __future__ import annotations

import contextlib
import os
import select
import socket
import stat
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asgideck.runtime.openapi._limits import DEADLINE, MAX_BYTES, describe_size
from asgideck.runtime.openapi._model import OpenAPIError, OpenAPILimitError
from asgideck.runtime.secrets import Redactor

if TYPE_CHECKING:
    import httpx

__all__ = ["is_url", "read_file", "read_source", "read_url"]

_CHUNK = 1 << 20
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # POSIX; Windows has no FIFOs to wait on


def is_url(source: str) -> bool:
    return source.startswith(("http://", "https://"))


def read_source(
    source: str,
    *,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
) -> bytes:
    """The bytes of a file path or an http(s) URL (``timeout`` is per read, ``deadline``
    the whole fetch); failures become OpenAPIError naming the source."""
    if is_url(source):
        return read_url(source, timeout=timeout, max_bytes=max_bytes, deadline=deadline)
    return read_file(source, max_bytes=max_bytes, deadline=deadline)


def _too_large(name: str, max_bytes: int) -> OpenAPILimitError:
    return OpenAPILimitError(
        f"{name}: larger than {describe_size(max_bytes)} (the limit); not read"
    )


def _too_slow(name: str, deadline: float) -> OpenAPILimitError:
    return OpenAPILimitError(f"{name}: not complete within {deadline:g} s (the limit); gave up")


# -- files


def read_file(source: str, *, max_bytes: int = MAX_BYTES, deadline: float = DEADLINE) -> bytes:
    """At most ``max_bytes`` of a file. A regular file larger than that is refused by its
    size; a FIFO or device is read without blocking, within ``deadline`` seconds."""
    path = Path(source).expanduser()
    try:
        fd = os.open(path, os.O_RDONLY | _NONBLOCK)  # O_NONBLOCK: opening a FIFO never waits
    except FileNotFoundError:
        raise OpenAPIError(f"{source}: no such file") from None
    except IsADirectoryError:
        raise OpenAPIError(f"{source}: is a folder, not an OpenAPI document") from None
    except OSError as exc:
        raise OpenAPIError(f"{source}: cannot read: {exc.strerror or exc}") from None
    try:
        mode = os.fstat(fd)
        if stat.S_ISDIR(mode.st_mode):
            raise OpenAPIError(f"{source}: is a folder, not an OpenAPI document")
        regular = stat.S_ISREG(mode.st_mode)
        if regular and mode.st_size > max_bytes:
            raise _too_large(source, max_bytes)
        return _read_fd(fd, source, regular, max_bytes, deadline)
    except OSError as exc:
        raise OpenAPIError(f"{source}: cannot read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _read_fd(fd: int, name: str, regular: bool, max_bytes: int, deadline: float) -> bytes:
    end = time.monotonic() + deadline
    poller = None if regular or not hasattr(select, "poll") else select.poll()
    if poller is not None:
        poller.register(fd, select.POLLIN)
    chunks: list[bytes] = []
    total = 0
    while True:
        if poller is not None:
            left = end - time.monotonic()
            if left <= 0 or not poller.poll(max(1, int(left * 1000))):
                raise _too_slow(name, deadline)
        try:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
        except BlockingIOError:  # woken without data: poll again (the deadline still holds)
            continue
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if total > max_bytes:
            raise _too_large(name, max_bytes)
        chunks.append(chunk)


# -- URLs


class _Watchdog:
    """Shuts down every socket of one fetch when its deadline passes, waking a blocked read."""

    def __init__(self, seconds: float) -> None:
        self._lock = threading.Lock()
        self._sockets: list[socket.socket] = []
        self.expired = False
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        """httpcore's ``trace`` extension: remember each socket as it is connected."""
        if not name.endswith(("connect_tcp.complete", "start_tls.complete")):
            return
        stream = info.get("return_value")
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with self._lock:
                self._sockets.append(sock)
                if self.expired:
                    _shut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _shut(sock)

    def cancel(self) -> None:
        self._timer.cancel()


def _shut(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed (fileno -1) or never connected
        sock.shutdown(socket.SHUT_RDWR)


def read_url(
    url: str,
    *,
    client: httpx.Client | None = None,
    headers: Mapping[str, str] | None = None,
    timeout: float = 10.0,
    max_bytes: int = MAX_BYTES,
    deadline: float = DEADLINE,
) -> bytes:
    """The body of a 2xx answer to ``GET url``: at most ``max_bytes`` (decoded), all of it
    within ``deadline`` seconds; ``timeout`` bounds each read. ``client`` defaults to a
    fresh one that follows redirects and honours proxy settings from the environment."""
    import httpx  # only URL users pay for the import

    # Errors name the URL with its password, secret query parameters (?api_key=) and
    # key-shaped parts masked; the same values are scrubbed from httpx's own messages.
    redactor = Redactor()
    shown = redactor.url(url)
    own = client is None
    if client is None:
        client = httpx.Client(follow_redirects=True)
    # Connection: close gives each request its own socket, so the watchdog can reach it.
    sent = {**(headers or {}), "Connection": "close"}
    dog = _Watchdog(deadline)
    end = time.monotonic() + deadline
    try:
        with client.stream(
            "GET",
            url,
            headers=sent,
            timeout=min(timeout, deadline),
            extensions={"trace": dog.trace},
        ) as response:
            if response.status_code >= 300:
                raise OpenAPIError(f"{shown}: HTTP {response.status_code} {response.reason_phrase}")
            declared = response.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > max_bytes:
                raise _too_large(shown, max_bytes)
            chunks: list[bytes] = []
            total = 0
            for chunk in response.iter_bytes():
                total += len(chunk)
                if total > max_bytes:
                    raise _too_large(shown, max_bytes)
                if dog.expired or time.monotonic() > end:
                    raise _too_slow(shown, deadline)
                chunks.append(chunk)
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        if dog.expired:
            raise _too_slow(shown, deadline) from None
        why = redactor.scrub(str(exc))
        raise OpenAPIError(f"{shown}: could not fetch: {type(exc).__name__}: {why}") from None
    finally:
        dog.cancel()
        if own:
            client.close()
    if dog.expired:  # the watchdog cut a body that ends with the connection
        raise _too_slow(shown, deadline)
    return b"".join(chunks)
