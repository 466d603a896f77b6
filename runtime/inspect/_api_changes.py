"""What a reload changed in a dev server's API: wait for the reloaded app, fetch, diff.

A ``ReloadDetected`` arrives when the reloader prints its "Reloading..." line, before
the old app is gone, so the first document read after it may still be the old one.
:func:`changes_after_reload` polls (on the caller's thread: run it on a worker) until
the server serves a document that differs from the previous one, or until the log
says the new process is up (then an equal document means nothing changed), or it
gives up: the new app failed to start, the caller cancelled, or ``timeout`` passed.

With a change, one ``asgideck: API changed on reload: …`` line goes into the
server's log buffer (the Logs tab shows it; breaking changes are named in it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from asgideck.runtime.inspect._live_openapi import DEFAULT_OPENAPI_URL, fetch_openapi
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.openapi import ApiChanges, Document, OpenAPIError, diff_documents
from asgideck.runtime.servers import ReloadDetected, ServerEvent, StateChanged

__all__ = [
    "API_CHANGED_PREFIX",
    "ReloadApiWatch",
    "ReloadChanges",
    "api_changes_after_reload",
    "api_changes_line",
    "changes_after_reload",
]

API_CHANGED_PREFIX = "asgideck: API changed on reload: "
#: the reloader's line (uvicorn "... detected changes in 'x'. Reloading...")
_RELOAD_MARKERS = ("Reloading...", "detected changes in", "Detected changes in")
#: the reloaded process serves: uvicorn prints this after importing the app (the old
#: process is gone by then: the reloader joins it before starting the new one)
_UP_MARKERS = ("Started server process", "Application startup complete.", "Booting worker")
_FAILED_MARKERS = ("Traceback (most recent call last)", "Error loading ASGI app")
#: how far back the reload line is looked for when the watch starts
_LOOK_BACK = 2000
#: one fetch's read timeout: a connection queued while no process accepts waits this long
_FETCH_TIMEOUT = 3.0


@dataclass(frozen=True)
class ReloadChanges:
    """The outcome of one watch: the diff and the new document, or why there is none."""

    changes: ApiChanges | None  # None: no new document was read (``note`` says why)
    document: Document | None  # the reloaded app's document: the next reload's "previous"
    note: str = ""

    @property
    def line(self) -> str | None:
        """The log line, or None when nothing changed (or nothing was read)."""
        if self.changes is None or self.changes.empty:
            return None
        return api_changes_line(self.changes)


def api_changes_line(changes: ApiChanges) -> str:
    """``asgideck: API changed on reload: 1 added, 1 changed; 1 breaking: …``"""
    return API_CHANGED_PREFIX + changes.summary()


class _LogWatch:
    """The server's log after the reload line: has the new process come up, or failed?"""

    def __init__(self, buffer: LogBuffer | None) -> None:
        self.buffer = buffer
        self.seq = 0
        self.up = False
        self.failed = ""
        if buffer is not None:
            lines = buffer.tail(_LOOK_BACK)
            reloads = [ln.seq for ln in lines if any(m in ln.text for m in _RELOAD_MARKERS)]
            self.seq = reloads[-1] if reloads else buffer.last_seq
            self.look()

    def look(self) -> None:
        if self.buffer is None or self.failed:
            return
        self.seq, texts = self.buffer.texts_since(self.seq)
        for text in texts:
            if any(m in text for m in _RELOAD_MARKERS):
                self.up = False  # reloaded again: wait for that one
            elif any(m in text for m in _UP_MARKERS):
                self.up = True
            elif not self.up and any(m in text for m in _FAILED_MARKERS):
                self.failed = text.strip()


def changes_after_reload(
    previous: Document,
    fetch: Callable[[float], Document],
    *,
    buffer: LogBuffer | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> ReloadChanges:
    """Diff ``previous`` against what the reloaded app serves; blocks up to ``timeout``.

    ``fetch(read_timeout)`` reads the server's document (raising OpenAPIError while it
    cannot). ``buffer`` is the server's log: it tells when the new process is up, and
    gets the one-line report. Without it, only a document that differs ends the wait
    early (an unchanged API then takes ``timeout`` to be called unchanged).
    """
    watch = _LogWatch(buffer)
    deadline = time.monotonic() + timeout
    pause = threading.Event()  # never set: its wait is the polling interval
    same: Document | None = None
    problem = "the reloaded app did not answer"
    while not cancelled():
        watch.look()
        if watch.failed:
            return ReloadChanges(None, None, f"the reloaded app failed to start: {watch.failed}")
        up = watch.up  # before the fetch: a document read after this is the new app's
        left = deadline - time.monotonic()
        try:
            document = fetch(max(0.1, min(_FETCH_TIMEOUT, left)))
        except OpenAPIError as exc:
            problem = f"the reloaded app's OpenAPI document could not be read ({exc})"
        else:
            changes = diff_documents(previous.raw, document.raw)
            if not changes.empty or up:
                return _report(ReloadChanges(changes, document), buffer)
            same = document
        if time.monotonic() >= deadline:
            if same is not None:  # it answered, always with the same document
                return ReloadChanges(ApiChanges(), same, "no change seen before the time limit")
            return ReloadChanges(None, None, problem)
        pause.wait(interval)
    return ReloadChanges(None, None, "cancelled")


def _report(result: ReloadChanges, buffer: LogBuffer | None) -> ReloadChanges:
    line = result.line
    if line is not None and buffer is not None:
        buffer.append("event", line)
    return result


def api_changes_after_reload(
    previous: Document,
    base_url: str,
    *,
    openapi_url: str | None = None,
    root_path: str = "",
    buffer: LogBuffer | None = None,
    cancelled: Callable[[], bool] = lambda: False,
    timeout: float = 30.0,
    interval: float = 0.2,
) -> ReloadChanges:
    """:func:`changes_after_reload` for the server at ``base_url``, read the way
    :func:`fetch_openapi` reads it (``openapi_url`` None: FastAPI's default)."""
    url = openapi_url or DEFAULT_OPENAPI_URL

    def fetch(read_timeout: float) -> Document:
        return fetch_openapi(base_url, url, root_path, read_timeout)

    return changes_after_reload(
        previous, fetch, buffer=buffer, cancelled=cancelled, timeout=timeout, interval=interval
    )


class ReloadApiWatch:
    """A server's API across its reloads, for a caller without a window (``asgideck run
    --reload``): feed it the supervisor's events; after each reload that changed the
    API, ``say`` gets the log line (on a watch thread of its own).

    The document before the first reload is read once the server first runs (an app
    that serves none, or not FastAPI at all, leaves the watch silent). A newer reload
    cancels the watch of an older one; :meth:`close` ends them all.
    """

    def __init__(
        self,
        buffer: LogBuffer,
        say: Callable[[str], None],
        *,
        openapi_url: str | None = None,
        root_path: str = "",
        timeout: float = 30.0,
    ) -> None:
        self.buffer = buffer
        self.say = say
        self.openapi_url = openapi_url
        self.root_path = root_path
        self.timeout = timeout
        self._lock = threading.Lock()
        self._url: str | None = None
        self._document: Document | None = None
        self._generation = 0
        self._closed = False
        self._threads: list[threading.Thread] = []

    @property
    def baseline(self) -> Document | None:
        """The document the next reload is compared with (None: not read yet, or none)."""
        with self._lock:
            return self._document

    def on_event(self, event: ServerEvent) -> None:
        """Any supervisor event (on its event thread: the work happens elsewhere)."""
        if isinstance(event, StateChanged) and event.status.state == "running":
            with self._lock:
                first = self._url is None and self._document is None
                self._url = event.status.url
            if first and event.status.url:
                self._spawn(self._read_first, event.status.url)
        elif isinstance(event, ReloadDetected):
            with self._lock:
                self._generation += 1
                generation, url = self._generation, self._url
            if url:
                self._spawn(self._watch, url, generation)

    def _spawn(self, target: Callable[..., None], *args: object) -> None:
        thread = threading.Thread(target=target, args=args, name="asgideck-api-watch", daemon=True)
        with self._lock:
            if self._closed:
                return
            self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        thread.start()

    def _read_first(self, url: str) -> None:
        try:
            document = fetch_openapi(url, self.openapi_url or DEFAULT_OPENAPI_URL, self.root_path)
        except OpenAPIError:
            return  # no document: nothing to compare reloads with
        with self._lock:
            if self._document is None:
                self._document = document

    def _watch(self, url: str, generation: int) -> None:
        with self._lock:
            previous = self._document
        if previous is None:
            return

        def cancelled() -> bool:
            return self._closed or self._generation != generation

        result = api_changes_after_reload(
            previous,
            url,
            openapi_url=self.openapi_url,
            root_path=self.root_path,
            buffer=self.buffer,
            cancelled=cancelled,
            timeout=self.timeout,
        )
        with self._lock:
            if result.document is not None and self._generation == generation:
                self._document = result.document
        line = result.line
        if line is not None:
            self.say(line)

    def close(self, timeout: float = 5.0) -> None:
        """Cancel the watches and wait (up to ``timeout``) for their threads."""
        with self._lock:
            self._closed = True
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
