"""Send a spec and stream the answer into a :class:`ResponseRecord`, cancellable at any stage.

Three limits, each said plainly when hit:

- ``spec.timeout``: per operation (connecting, each read), httpx's own;
- the sender's ``deadline``: the whole exchange, connect to last body byte. The
  caller's thread waits at most that long, then shuts the socket down, so a read
  blocked on a server that sends its headers one byte a second ends too; the
  worker also checks it per chunk. It raises :class:`DeadlineExceeded`. With
  :meth:`Sender.submit` nobody waits: one deadline thread per sender ends it;
- the sender's ``max_body``: what is kept of one body. Reading stops there, the
  connection is dropped and the record says ``cut``.

Bodies past ``body_cap`` (in memory) go to a scratch file in asgideck's own temp
folder (``userstate.temp_dir()``, named ``<pid>-body-*.bin``), removed on every
exit path: cancel, deadline, error, Ctrl-C in the waiting thread, :meth:`Sender.close`.
A crash leaves it for ``userstate.sweep_temp()`` at the next start. Every failure is
a :class:`RequestFailed` with a sentence a person can act on, never a traceback.
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import os
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from asgideck.runtime.client._auth import NoCookies
from asgideck.runtime.client._errors import (
    DeadlineExceeded,
    InvalidRequest,
    RequestCancelled,
    RequestFailed,
    explain,
    reason_phrase,
)
from asgideck.runtime.client._keepalive import current, kept_alive_transport
from asgideck.runtime.client._response import ResponseRecord, size_text
from asgideck.runtime.client._spec import (
    MultipartBody,
    Prepared,
    RequestSpec,
    encode_multipart_fields,
    file_content_type,
    prepare,
)
from asgideck.runtime.userstate import temp_dir

__all__ = ["DEFAULT_BODY_CAP", "DEFAULT_DEADLINE_S", "DEFAULT_MAX_BODY", "Sender"]

#: What of a body is held in memory; the rest of it goes to a scratch file.
DEFAULT_BODY_CAP = 10 * 2**20
#: What of a body is kept at all (memory and scratch file together).
DEFAULT_MAX_BODY = 2**30
#: How long one whole exchange may take.
DEFAULT_DEADLINE_S = 30.0


class _Body:
    """Collects a body: in memory up to ``cap``, everything in a scratch file beyond it,
    nothing beyond ``limit``. Thread-safe against :meth:`discard` from the waiting thread."""

    def __init__(
        self, cap: int, limit: int, make_file: Callable[[], tuple[Path, IO[bytes]]]
    ) -> None:
        self.cap = cap
        self.limit = limit
        self.head = bytearray()
        self.size = 0
        self.cut = False
        self.file: IO[bytes] | None = None
        self.path: Path | None = None
        self._make_file = make_file
        self._lock = threading.Lock()
        self._discarded = False

    def write(self, chunk: bytes) -> bool:
        """Keep ``chunk``; False once the limit is reached (the rest is not wanted)."""
        with self._lock:
            if self._discarded:
                raise RequestCancelled("request cancelled")
            room = self.limit - self.size
            if len(chunk) > room:
                chunk, self.cut = chunk[:room], True
            self.size += len(chunk)
            if self.file is None:
                room = self.cap - len(self.head)
                if len(chunk) <= room:
                    self.head += chunk
                    return not self.cut
                self.path, self.file = self._make_file()
                self._store(self.head)
                self.head += chunk[:room]
            self._store(chunk)
            return not self.cut

    def _store(self, data: bytes | bytearray) -> None:
        assert self.file is not None
        try:
            self.file.write(data)
        except OSError as exc:  # e.g. the disk is full
            raise RequestFailed(f"cannot store the response body in {self.path}: {exc}") from None

    def close(self) -> None:
        with self._lock:
            if self.file is not None:
                self.file.close()

    def discard(self) -> None:
        """Close and delete the scratch file; later writes raise :class:`RequestCancelled`."""
        with self._lock:
            self._discarded = True
            if self.file is not None:
                self.file.close()
            if self.path is not None:
                self.path.unlink(missing_ok=True)


class _Flight:
    """One request in flight: the caller waits on ``wake``; the worker fills the result.

    Exactly one side settles it: the worker delivers (:meth:`deliver`) or the caller
    gives up (:meth:`abandon`: cancel, deadline, Ctrl-C); the loser cleans up its part.
    """

    def __init__(self, method: str, url: str, deadline_s: float | None) -> None:
        self.method = method
        self.url = url
        self.deadline_s = deadline_s
        self.deadline_at = None if deadline_s is None else time.monotonic() + deadline_s
        self.wake = threading.Event()
        self.cancelled = threading.Event()
        self.result: ResponseRecord | None = None
        self.error: RequestFailed | None = None
        self.stream: Any = None  # httpcore network stream, to shut down on cancel
        self.connected = False  # this attempt opened its own connection (else: a kept one)
        self._stream_lock = threading.Lock()  # abort() vs release(): never a pooled socket
        self.body: _Body | None = None
        self.status: int | None = None  # once the headers are in
        self.head = ""
        self.started = time.perf_counter()
        #: :meth:`Sender.submit`'s callback; ``None`` for a blocking :meth:`Sender.send`
        self.on_done: Callable[[ResponseRecord | None, RequestFailed | None], None] | None = None
        self._lock = threading.Lock()
        self._settled = False

    def trace(self, name: str, info: Mapping[str, Any]) -> None:
        if name in ("connection.connect_tcp.complete", "connection.start_tls.complete"):
            self.connected = True
            self.stream = info.get("return_value")
            if self.cancelled.is_set():  # cancelled while connecting: hang up right away
                self.abort()

    def claim(self, stream: Any) -> None:
        """The stream this request writes to (a kept connection gives no connect trace)."""
        self.stream = stream
        if self.cancelled.is_set():  # cancelled before its first byte went out
            self.abort()

    def abort(self) -> None:
        with self._stream_lock:  # not while release() hands the connection back to the pool
            stream, self.stream = self.stream, None
            sock = stream.get_extra_info("socket") if stream is not None else None
            if isinstance(sock, socket.socket):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def release(self) -> None:
        """The stream is no longer this request's (back in the pool, or closed): a late
        abort (deadline, cancel, Ctrl-C) must not shut down the next request's socket."""
        with self._stream_lock:
            self.stream = None

    def deliver(self, result: ResponseRecord | None, error: RequestFailed | None) -> bool:
        """The worker's answer; False when the caller has already given up on it."""
        with self._lock:
            if self._settled:
                return False
            self._settled = True
            self.result, self.error = result, error
        self.wake.set()
        return True

    @property
    def settled(self) -> bool:
        return self._settled

    def abandon(self) -> bool:
        """The caller gives up: hang up and drop what was read. False if the answer came first."""
        with self._lock:
            if self._settled:
                return False
            self._settled = True
        self.cancelled.set()
        self.abort()
        body = self.body
        if body is not None:
            body.discard()
        return True

    def past_deadline(self) -> bool:
        return self.deadline_at is not None and time.monotonic() >= self.deadline_at

    def remaining(self) -> float | None:
        return None if self.deadline_at is None else max(0.0, self.deadline_at - time.monotonic())

    def deadline_error(self) -> DeadlineExceeded:
        body = self.body
        received = body.size if body is not None else 0
        if self.status is None:
            got = "no response headers yet"
        else:
            got = f"got {self.status} {self.head} and {size_text(received)} of body".replace(
                "  ", " "
            )
        return DeadlineExceeded(
            f"{self.method} {_shown(self.url)}: no complete answer within "
            f"{self.deadline_s:g} s (deadline); {got}",
            status=self.status,
            received=received,
        )


#: How long a worker thread waits for the next request before it ends.
WORKER_IDLE_S = 30.0


class _Workers:
    """Daemon threads kept between requests, so a send hands its exchange to a waiting
    thread instead of starting one (starting waits for the new thread to run: a whole
    scheduling round trip on a busy machine). A worker stuck on an abandoned exchange
    (a hung server, until its timeout) is simply not idle: the next send gets another."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: list[queue.SimpleQueue[Callable[[], None] | None]] = []
        self._closed = False

    def run(self, job: Callable[[], None]) -> None:
        """Hand ``job`` to an idle worker or a new one (RuntimeError when none can start)."""
        with self._lock:
            if self._closed:
                raise RequestFailed("this sender is closed")
            inbox = self._idle.pop() if self._idle else None
        if inbox is not None:
            inbox.put(job)
            return
        inbox = queue.SimpleQueue()
        inbox.put(job)  # not in the thread's args: the Thread object would hold it for good
        threading.Thread(
            target=self._loop, args=(inbox,), name="asgideck-send", daemon=True
        ).start()

    def _loop(self, inbox: queue.SimpleQueue[Callable[[], None] | None]) -> None:
        me = threading.current_thread()
        job = inbox.get()
        while job is not None:
            me.name = "asgideck-send"
            # Sender._fly raises only if a caller's on_done does: that flight is settled
            # already, and the worker must live on (else it never serves again).
            with contextlib.suppress(Exception):
                job()
            job = None  # while idle, hold nothing of the last exchange (its answer's body)
            me.name = "asgideck-send-idle"  # says at a glance that no exchange is running
            job = self._next(inbox)

    def _next(
        self, inbox: queue.SimpleQueue[Callable[[], None] | None]
    ) -> Callable[[], None] | None:
        """The next job for this worker, or None when it should end (idle too long, closed)."""
        with self._lock:
            if self._closed:
                return None
            self._idle.append(inbox)
        try:
            return inbox.get(timeout=WORKER_IDLE_S)
        except queue.Empty:
            with self._lock:
                if inbox in self._idle:
                    self._idle.remove(inbox)
                    return None
            return inbox.get()  # taken by run() just now: its job is on the way

    def close(self) -> None:
        """Idle workers end now; busy ones when their exchange does."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
        for inbox in idle:
            inbox.put(None)


class _Deadlines:
    """One thread that ends :meth:`Sender.submit` flights at their deadline (nobody waits
    on those). Flights that ended in time are dropped lazily when they reach the front, so
    a send adds its deadline without waking this thread, unless it is the earliest one."""

    def __init__(self, expire: Callable[[_Flight], None]) -> None:
        self._expire = expire
        self._cond = threading.Condition()
        self._heap: list[tuple[float, int, _Flight]] = []
        self._order = itertools.count()
        self._thread: threading.Thread | None = None
        self._closed = False

    def watch(self, flight: _Flight) -> None:
        at = flight.deadline_at
        if at is None:
            return
        with self._cond:
            if self._closed:
                return
            heapq.heappush(self._heap, (at, next(self._order), flight))
            if self._thread is None:
                thread = threading.Thread(
                    target=self._loop, name="asgideck-send-deadline", daemon=True
                )
                thread.start()  # may raise (no thread to be had): then the next watch retries
                self._thread = thread
            elif self._heap[0][2] is flight:
                self._cond.notify()  # the earliest deadline now: the thread must wake sooner

    def _next_expired(self) -> _Flight | None:
        """Wait for the next flight past its deadline; None once closed."""
        with self._cond:
            while not self._closed:
                heap = self._heap
                while heap and heap[0][2].settled:
                    heapq.heappop(heap)
                if not heap:
                    self._cond.wait()
                    continue
                wait = heap[0][0] - time.monotonic()
                if wait <= 0:
                    return heapq.heappop(heap)[2]
                self._cond.wait(wait)
            return None

    def _loop(self) -> None:
        flight = self._next_expired()
        while flight is not None:
            # Only a caller's on_done can raise here, after the flight is settled: the
            # thread keeps watching (else no later deadline would ever fire).
            with contextlib.suppress(Exception):
                self._expire(flight)
            flight = None  # hold nothing of it while waiting
            flight = self._next_expired()

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._heap.clear()
            self._cond.notify()


#: Methods sent once more when a kept connection turns out closed before any answer.
_RESENDABLE = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
#: How a connection the server closed while idle shows when a request is sent on it.
_DISCONNECTED = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def _may_resend(prepared: Prepared, flight: _Flight) -> bool:
    """Whether a request that failed with :data:`_DISCONNECTED` is sent once more.

    Only when it went out on a kept connection (no connect of its own), no byte of an
    answer came, nothing stopped it, and its method is idempotent: the server closing an
    idle connection just as the request arrives (its keep-alive ran out first) processed
    nothing. POST/PATCH are never resent (``KEEPALIVE_S`` keeps that race rare instead).
    """
    return (
        not flight.connected
        and flight.status is None
        and prepared.method.upper() in _RESENDABLE
        and not flight.cancelled.is_set()
        and not flight.past_deadline()
    )


def _may_use_tls(prepared: Prepared) -> bool:
    """An http:// request that follows no redirect never opens TLS (no proxy: trust_env is
    off), so its client need not load the CA bundle (~35 ms, the first send's): verify=False
    there only skips that load; an https:// URL, or a redirect that may lead to one, keeps it.
    """
    return prepared.follow_redirects or not prepared.url.lower().startswith("http://")


def _shown(url: str) -> str:
    """``url`` without user:password, for messages."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class Sender:
    """Sends specs for one server session; :meth:`cancel` may be called from any thread.

    Each :meth:`send` runs on a worker thread (kept between sends) while the caller waits,
    so a cancel (or the deadline) returns at once even when the server never
    answers; the worker's socket is shut down and what it read is dropped. Large
    bodies go to scratch files that :meth:`close` deletes. ``deadline`` (seconds,
    ``None``: none) bounds each whole exchange; ``max_body`` (bytes) what is kept of a body.
    """

    def __init__(
        self,
        *,
        transport: httpx.BaseTransport | None = None,
        body_cap: int = DEFAULT_BODY_CAP,
        max_body: int = DEFAULT_MAX_BODY,
        deadline: float | None = DEFAULT_DEADLINE_S,
    ) -> None:
        self._transport = transport
        self.body_cap = body_cap
        self.max_body = max_body
        self.deadline = deadline
        self._clients: dict[bool, httpx.Client] = {}
        self._retired: list[httpx.Client] = []  # dropped, closed once nothing is in flight
        self._flights: set[_Flight] = set()
        self._files: set[Path] = set()
        self._workers = _Workers()
        self._deadlines = _Deadlines(self._expire)
        self._lock = threading.Lock()
        self._closed = False

    def _client(self, verify: bool) -> httpx.Client:
        with self._lock:
            if self._closed:
                raise RequestFailed("this sender is closed")
            client = self._clients.get(verify)
            if client is None:
                # Connections are kept alive per target (_keepalive.py): each request still
                # learns its socket (connect trace, or its first write on a kept one), so
                # cancel() can shut it down at any stage.
                client = httpx.Client(
                    transport=self._transport or kept_alive_transport(verify),
                    verify=verify,
                    trust_env=False,  # no HTTP_PROXY: tokens must not detour through a proxy
                    cookies=NoCookies(),
                )
                self._clients[verify] = client
            return client

    def drop_connections(self) -> None:
        """Close the kept connections (e.g. the target changed). Requests in flight finish
        on theirs; those close when the last request in flight ends."""
        with self._lock:
            self._retired += self._clients.values()
            self._clients = {}
        self._close_retired()

    def _close_retired(self) -> None:
        with self._lock:
            if self._flights:
                return
            retired, self._retired = self._retired, []
        for client in retired:
            client.close()

    def _new_body_file(self) -> tuple[Path, IO[bytes]]:
        """A scratch file ``<pid>-body-<random>.bin`` in asgideck's temp folder (owner-only)."""
        with self._lock:
            if self._closed:
                raise RequestCancelled("request cancelled: the sender was closed")
            try:
                path = temp_dir() / f"{os.getpid()}-body-{secrets.token_hex(8)}.bin"
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except OSError as exc:
                raise RequestFailed(f"cannot store the response body: {exc}") from None
            self._files.add(path)
        return path, os.fdopen(fd, "wb")

    def send(
        self, spec: RequestSpec, on_progress: Callable[[int], None] | None = None
    ) -> ResponseRecord:
        """Send ``spec`` and wait for the whole answer (raises :class:`RequestFailed`).

        ``on_progress(bytes_so_far)`` is called from the worker thread once the
        headers are in (with 0) and after every body chunk. Past the deadline this
        raises :class:`DeadlineExceeded`; a KeyboardInterrupt while waiting hangs up,
        deletes the scratch file and propagates.
        """
        prepared = prepare(spec)
        client = self._client(prepared.verify and _may_use_tls(prepared))
        flight = _Flight(prepared.method, prepared.url, self.deadline)
        with self._lock:
            self._flights.add(flight)
        started = time.perf_counter()
        self._launch(flight, lambda: self._fly(client, prepared, flight, on_progress))
        try:
            answered = flight.wake.wait(flight.remaining())
        except BaseException:  # Ctrl-C in this thread: hang up and leave no file behind
            flight.abandon()
            raise
        finally:
            with self._lock:
                self._flights.discard(flight)
            if self._retired:
                self._close_retired()
        if not answered and flight.abandon():
            raise flight.deadline_error()
        if flight.cancelled.is_set() and (
            flight.abandon() or isinstance(flight.error, RequestCancelled)
        ):
            elapsed = time.perf_counter() - started
            raise RequestCancelled(f"request cancelled after {elapsed:.1f} s")
        if flight.error is not None:
            raise flight.error
        assert flight.result is not None
        return flight.result

    def submit(
        self,
        spec: RequestSpec,
        on_done: Callable[[ResponseRecord | None, RequestFailed | None], None],
        on_progress: Callable[[int], None] | None = None,
    ) -> None:
        """Send ``spec`` without waiting: ``on_done(record, None)`` or ``on_done(None, error)``
        is called exactly once, on a sender thread (the worker, the deadline's, or the one
        calling :meth:`cancel` / :meth:`close`); it must not raise. The same answer, errors,
        deadline and cancel as :meth:`send`, with no thread waiting in between: the worker
        hands the answer straight to ``on_done``. Raises :class:`RequestFailed` at once when
        the spec is invalid or the sender closed (then ``on_done`` is never called).
        """
        prepared = prepare(spec)
        client = self._client(prepared.verify and _may_use_tls(prepared))
        flight = _Flight(prepared.method, prepared.url, self.deadline)
        flight.on_done = on_done
        with self._lock:
            self._flights.add(flight)
        self._launch(flight, lambda: self._fly(client, prepared, flight, on_progress))

    def _launch(self, flight: _Flight, job: Callable[[], None]) -> None:
        """Start ``flight`` on a worker (and, if submitted, its deadline); when no thread can
        be started, drop the flight and say so in one line (no traceback, nothing left over)."""
        try:
            if flight.on_done is not None:
                self._deadlines.watch(flight)
            self._workers.run(job)
        except (RuntimeError, RequestFailed) as exc:
            flight.abandon()
            with self._lock:
                self._flights.discard(flight)
            if self._retired:
                self._close_retired()
            if isinstance(exc, RequestFailed):
                raise
            raise RequestFailed(
                f"{flight.method} {_shown(flight.url)} was not sent: cannot start a thread "
                f"to send it ({exc})"
            ) from None

    def _expire(self, flight: _Flight) -> None:
        """A submitted flight reached its deadline (on the deadline thread)."""
        if flight.abandon():
            self._ended(flight, None, flight.deadline_error())

    def _ended(
        self, flight: _Flight, result: ResponseRecord | None, error: RequestFailed | None
    ) -> None:
        """A submitted flight is settled (by whoever settled it): tell its caller."""
        with self._lock:
            self._flights.discard(flight)
        if self._retired:
            self._close_retired()
        on_done, flight.on_done = flight.on_done, None
        flight.result = flight.body = None  # the deadline thread may hold it a while
        if on_done is not None:
            on_done(result, error)

    def _fly(
        self,
        client: httpx.Client,
        prepared: Prepared,
        flight: _Flight,
        on_progress: Callable[[int], None] | None,
    ) -> None:
        result: ResponseRecord | None = None
        error: RequestFailed | None = None
        current.claimant = flight  # a kept connection's first write names its stream
        try:
            try:
                result = self._exchange(client, prepared, flight, on_progress)
            except _DISCONNECTED:
                if not _may_resend(prepared, flight):
                    raise
                flight.release()  # that kept connection is gone; the next one is claimed anew
                result = self._exchange(client, prepared, flight, on_progress)
        except RequestFailed as exc:
            error = exc
        except (httpx.HTTPError, OSError) as exc:
            error = explain(exc, prepared.url, prepared.timeout)
        except Exception as exc:  # shown to the user, never a traceback
            error = RequestFailed(f"request to {prepared.url} failed: {exc!r}")
        finally:
            current.claimant = None
        if flight.past_deadline() and result is None and not isinstance(error, InvalidRequest):
            error = flight.deadline_error()  # e.g. a read timeout that ran past the deadline
        elif flight.cancelled.is_set() and result is None:
            error = RequestCancelled("request cancelled")  # not the hang-up it caused
        if flight.deliver(result, error):
            if flight.on_done is not None:
                self._ended(flight, result, error)
        elif result is not None:
            self._forget(result.body_file)  # the caller gave up: nobody will read it

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
        reason = response.reason_phrase or reason_phrase(response.status_code)
        flight.status, flight.head = response.status_code, reason
        body = _Body(self.body_cap, self.max_body, self._new_body_file)
        flight.body = body
        try:
            if flight.cancelled.is_set():  # abandoned while the headers came in
                raise RequestCancelled("request cancelled")
            if on_progress is not None:
                on_progress(0)
            for chunk in response.iter_bytes():
                if flight.cancelled.is_set():
                    raise RequestCancelled("request cancelled")
                if flight.past_deadline():
                    raise flight.deadline_error()
                kept = body.write(chunk)
                if on_progress is not None:
                    on_progress(body.size)
                if not kept:
                    break  # cut at max_body: the rest is not read
            body.close()
            flight.release()  # response.close() may hand the connection to another request
        except BaseException:
            body.discard()
            self._forget(body.path)
            raise
        finally:
            response.close()
            flight.release()
        elapsed = time.perf_counter() - started
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
            cut=body.cut,
        )

    def _forget(self, path: Path | None) -> None:
        if path is None:
            return
        with self._lock:
            self._files.discard(path)
        path.unlink(missing_ok=True)

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
            if flight.on_done is not None:  # submitted: nobody waits, so settle it here
                if flight.abandon():
                    elapsed = time.perf_counter() - flight.started
                    self._ended(
                        flight, None, RequestCancelled(f"request cancelled after {elapsed:.1f} s")
                    )
                continue
            flight.cancelled.set()
            flight.wake.set()

    def close(self) -> None:
        """Cancel what is in flight, close connections and delete the large-body files."""
        self.cancel()
        with self._lock:
            self._closed = True
            clients, self._clients = [*self._clients.values(), *self._retired], {}
            self._retired = []
            files, self._files = list(self._files), set()
        self._workers.close()
        self._deadlines.close()
        for client in clients:
            client.close()
        for path in files:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)

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
