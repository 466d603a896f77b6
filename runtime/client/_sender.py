"""Send a spec and stream the answer into a :class:`ResponseRecord`, cancellable at any stage.

Bodies past a cap go to a temp file, so a 100 MB response costs the cap in
memory, not 100 MB. Every failure is a :class:`RequestFailed` with a sentence a
person can act on, never a traceback.
"""

from __future__ import annotations

import contextlib
import secrets
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

import httpx

from asgideck.runtime.client._auth import NoCookies
from asgideck.runtime.client._errors import (
    InvalidRequest,
    RequestCancelled,
    RequestFailed,
    explain,
    reason_phrase,
)
from asgideck.runtime.client._response import ResponseRecord
from asgideck.runtime.client._spec import (
    MultipartBody,
    Prepared,
    RequestSpec,
    encode_multipart_fields,
    file_content_type,
    prepare,
)

__all__ = ["DEFAULT_BODY_CAP", "Sender"]

DEFAULT_BODY_CAP = 10 * 2**20


class _Flight:
    """One request in flight: the caller waits on ``wake``; the worker fills the result."""

    def __init__(self) -> None:
        self.wake = threading.Event()
        self.cancelled = threading.Event()
        self.result: ResponseRecord | None = None
        self.error: RequestFailed | None = None
        self.stream: Any = None  # httpcore network stream, to shut down on cancel

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.stream = info.get("return_value")
            if self.cancelled.is_set():  # cancelled while connecting: hang up right away
                self.abort()

    def abort(self) -> None:
        stream, self.stream = self.stream, None
        sock = stream.get_extra_info("socket") if stream is not None else None
        if isinstance(sock, socket.socket):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class _Body:
    """Collects a body: in memory up to ``cap``, everything in a temp file beyond it."""

    def __init__(self, cap: int, make_file: Callable[[], tuple[Path, IO[bytes]]]) -> None:
        self.cap = cap
        self.head = bytearray()
        self.size = 0
        self.file: IO[bytes] | None = None
        self.path: Path | None = None
        self._make_file = make_file

    def write(self, chunk: bytes) -> None:
        self.size += len(chunk)
        if self.file is None:
            room = self.cap - len(self.head)
            if len(chunk) <= room:
                self.head += chunk
                return
            self.path, self.file = self._make_file()
            self.file.write(self.head)
            self.head += chunk[:room]
        self.file.write(chunk)

    def close(self, *, discard: bool = False) -> None:
        if self.file is not None:
            self.file.close()
        if discard and self.path is not None:
            self.path.unlink(missing_ok=True)


class Sender:
    """Sends specs for one server session; :meth:`cancel` may be called from any thread.

    Each :meth:`send` runs on a short-lived worker thread while the caller waits,
    so a cancel returns at once even when the server never answers; the worker
    then shuts its socket down and drops what it read. Large bodies go to files
    in a private temp folder that :meth:`close` deletes.
    """

    def __init__(
        self, *, transport: httpx.BaseTransport | None = None, body_cap: int = DEFAULT_BODY_CAP
    ) -> None:
        self._transport = transport
        self.body_cap = body_cap
        self._clients: dict[bool, httpx.Client] = {}
        self._flights: set[_Flight] = set()
        self._lock = threading.Lock()
        self._body_dir: Path | None = None
        self._closed = False

    def _client(self, verify: bool) -> httpx.Client:
        with self._lock:
            if self._closed:
                raise RequestFailed("this sender is closed")
            client = self._clients.get(verify)
            if client is None:
                # No keep-alive: every request opens its own connection, so the connect trace
                # hands each flight its socket and cancel() can shut it down at any stage.
                client = httpx.Client(
                    transport=self._transport,
                    verify=verify,
                    trust_env=False,  # no HTTP_PROXY: tokens must not detour through a proxy
                    cookies=NoCookies(),
                    limits=httpx.Limits(max_keepalive_connections=0),
                )
                self._clients[verify] = client
            return client

    def _new_body_file(self) -> tuple[Path, IO[bytes]]:
        with self._lock:
            if self._body_dir is None:
                self._body_dir = Path(tempfile.mkdtemp(prefix="asgideck-bodies-"))
            directory = self._body_dir
        handle = tempfile.NamedTemporaryFile(  # noqa: SIM115 - closed by _Body.close
            dir=directory, prefix="body-", suffix=".bin", delete=False
        )
        return Path(handle.name), handle

    def send(
        self, spec: RequestSpec, on_progress: Callable[[int], None] | None = None
    ) -> ResponseRecord:
        """Send ``spec`` and wait for the whole answer (raises :class:`RequestFailed`).

        ``on_progress(bytes_so_far)`` is called from the worker thread once the
        headers are in (with 0) and after every body chunk.
        """
        prepared = prepare(spec)
        client = self._client(prepared.verify)
        flight = _Flight()
        with self._lock:
            self._flights.add(flight)
        worker = threading.Thread(
            target=self._fly,
            args=(client, prepared, flight, on_progress),
            name="asgideck-send",
            daemon=True,
        )
        started = time.perf_counter()
        worker.start()
        try:
            flight.wake.wait()
        finally:
            with self._lock:
                self._flights.discard(flight)
        if flight.cancelled.is_set() and flight.result is None and flight.error is None:
            flight.abort()
            elapsed = time.perf_counter() - started
            raise RequestCancelled(f"request cancelled after {elapsed:.1f} s")
        if flight.error is not None:
            raise flight.error
        assert flight.result is not None
        return flight.result

    def _fly(
        self,
        client: httpx.Client,
        prepared: Prepared,
        flight: _Flight,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        try:
            flight.result = self._exchange(client, prepared, flight, on_progress)
        except RequestFailed as exc:
            flight.error = exc
        except (httpx.HTTPError, OSError) as exc:
            if not flight.cancelled.is_set():
                flight.error = explain(exc, prepared.url, prepared.timeout)
        except Exception as exc:  # shown to the user, never a traceback
            flight.error = RequestFailed(f"request to {prepared.url} failed: {exc!r}")
        finally:
            flight.wake.set()

    def _exchange(
        self,
        client: httpx.Client,
        prepared: Prepared,
        flight: _Flight,
        on_progress: Callable[[int], None] | None,
    ) -> ResponseRecord:
        files: list[IO[bytes]] = []
        try:
            # Values go out as UTF-8 bytes, as curl sends what the shell gives it.
            headers = [
                (name.encode("ascii"), value.encode("utf-8")) for name, value in prepared.headers
            ]
            kwargs = _multipart_kwargs(prepared.multipart, files)
            headers += [(k.encode(), v.encode()) for k, v in kwargs.pop("headers", {}).items()]
            kwargs.setdefault("content", prepared.content)
            request = client.build_request(
                prepared.method,
                prepared.url,
                headers=headers,
                timeout=httpx.Timeout(prepared.timeout),
                extensions={"trace": flight.trace},
                **kwargs,
            )
            started = time.perf_counter()
            response = client.send(request, stream=True, follow_redirects=prepared.follow_redirects)
        finally:
            for handle in files:
                handle.close()
        ttfb = time.perf_counter() - started
        flight.stream = response.extensions.get("network_stream", flight.stream)
        body = _Body(self.body_cap, self._new_body_file)
        try:
            if on_progress is not None:
                on_progress(0)
            for chunk in response.iter_bytes():
                if flight.cancelled.is_set():
                    break
                body.write(chunk)
                if on_progress is not None:
                    on_progress(body.size)
        finally:
            response.close()
            body.close(discard=flight.cancelled.is_set())
        if flight.cancelled.is_set():
            raise RequestCancelled("request cancelled")
        elapsed = time.perf_counter() - started
        reason = response.reason_phrase or reason_phrase(response.status_code)
        return ResponseRecord(
            status=response.status_code,
            reason=reason,
            http_version=response.http_version,
            headers=tuple(
                (key.decode("latin-1"), value.decode("latin-1"))
                for key, value in response.headers.raw
            ),
            body=bytes(body.head),
            body_file=body.path,
            size=body.size,
            truncated=body.path is not None,
            content_type=response.headers.get("content-type", ""),
            elapsed_s=elapsed,
            ttfb_s=ttfb,
            url=str(response.url),
        )

    @property
    def in_flight(self) -> int:
        """How many :meth:`send` calls are waiting for an answer right now."""
        with self._lock:
            return len(self._flights)

    def cancel(self) -> None:
        """Stop every request in flight; their :meth:`send` raise :class:`RequestCancelled`."""
        with self._lock:
            flights = list(self._flights)
        for flight in flights:
            flight.cancelled.set()
            flight.wake.set()

    def close(self) -> None:
        """Cancel what is in flight, close connections and delete the large-body files."""
        self.cancel()
        with self._lock:
            self._closed = True
            clients, self._clients = list(self._clients.values()), {}
            body_dir, self._body_dir = self._body_dir, None
        for client in clients:
            client.close()
        if body_dir is not None:
            shutil.rmtree(body_dir, ignore_errors=True)

    def __enter__(self) -> Sender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _multipart_kwargs(body: MultipartBody | None, opened: list[IO[bytes]]) -> dict[str, Any]:
    if body is None:
        return {}
    if not body.files:
        # httpx encodes fields alone as a urlencoded form; the user asked for multipart.
        boundary = secrets.token_hex(16)
        return {
            "content": encode_multipart_fields(body.fields, boundary),
            "headers": {"Content-Type": f"multipart/form-data; boundary={boundary}"},
        }
    data: dict[str, list[str]] = {}
    for name, value in body.fields:
        data.setdefault(name, []).append(value)
    files: list[tuple[str, tuple[str, IO[bytes], str]]] = []
    for name, raw_path in body.files:
        path = Path(raw_path).expanduser()
        try:
            handle = path.open("rb")
        except OSError as exc:
            raise InvalidRequest(
                f"cannot read the file for multipart field {name!r}: {path}: {exc.strerror}"
            ) from None
        opened.append(handle)
        files.append((name, (path.name, handle, file_content_type(path))))
    return {"data": data, "files": files}
