"""What one supervised server's threads share, and how its changes are published.

``SupervisorState`` holds the locks, the status and its versioned changes, the
current run and its release, and delivers events in order on the event thread
(``asgideck-<id>-events``). The ``Supervisor`` and the ``Monitor`` it creates both
hold the same state object.
"""

from __future__ import annotations

import contextlib
import queue
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Literal

from asgideck.runtime.events import Event
from asgideck.runtime.logs import LogBuffer, Stream
from asgideck.runtime.servers._events import (
    Notice,
    ServerEvent,
    ServerState,
    StateChanged,
    Stats,
    Status,
)
from asgideck.runtime.servers._launch import ServerSpec
from asgideck.runtime.servers._registry import new_id, unregister
from asgideck.runtime.servers._spawn import Run

__all__ = ["SupervisorState"]


class SupervisorState:
    """Status, locks, the current run and event delivery of one supervised server.

    ``lock`` guards the status and the current run (``changed`` is its condition);
    ``op_lock`` serialises whole operations (start, stop, a crash being handled).
    """

    def __init__(
        self,
        spec: ServerSpec,
        *,
        name: str,
        buffer: LogBuffer | None,
        clock: Callable[[], float],
        on_event: Callable[[ServerEvent], None] | None,
        tap: Callable[[Stream, str], None] | None = None,
    ) -> None:
        self.id = new_id()
        self.name = name
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.events: Event[ServerEvent] = Event()
        if on_event is not None:
            self.events.connect(on_event)
        self.clock = clock
        #: sees every chunk of output as it arrives (``asgideck run``'s terminal), on the
        #: thread that produced it: a reader thread, or whichever thread wrote an event line
        self.tap = tap
        self.spec = spec
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.op_lock = threading.RLock()
        self.status = Status()
        self.run: Run | None = None
        self.stats: Stats | None = None
        self._queue: queue.SimpleQueue[ServerEvent | threading.Event | None] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None

    def label(self) -> str:
        return self.name or f"{self.spec.kind} :{self.spec.port}"

    def wait_for(self, states: tuple[ServerState, ...], timeout: float) -> Status:
        """Block until the state is one of ``states`` or ``timeout`` passes; returns the status."""
        deadline = time.monotonic() + timeout
        with self.changed:
            while self.status.state not in states:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.changed.wait(remaining)
            return self.status

    # -- threads and the current run

    def thread(self, what: str, target: Callable[..., None], *args: object) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=args, name=f"asgideck-{self.id}-{what}", daemon=True
        )
        thread.start()
        return thread

    def take_op_lock(self, run: Run) -> bool:
        """For the run's own threads: wait for the operation lock unless a stop takes over."""
        while not self.op_lock.acquire(timeout=0.05):
            if run.stopping or run.finished:
                return False
        return True

    def finish(self, run: Run, unregister_entry: bool) -> None:
        """Release the run: monitor, readers, pipes, log file, state-file entry."""
        run.done.set()
        run.kick.set()
        run.finished = True
        for reader in run.readers:
            reader.join(2.0)
        me = threading.current_thread()
        for helper in run.helpers:
            if helper is not me:
                helper.join(2.0)
        if all(not r.is_alive() for r in run.readers):
            for pipe in (run.proc.stdout, run.proc.stderr):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        if run.log is not None:
            run.log.close()
        if unregister_entry and run.entry is not None:
            try:
                unregister(run.entry.id)
            except OSError as exc:
                self.notice(f"could not update the state file: {exc}", "warning")
        with self.lock:
            if self.run is run:
                self.run = None

    # -- state and events

    def set(self, state: ServerState, **changes: Any) -> None:
        """Change the status (caller holds ``lock``) and queue a StateChanged event."""
        previous = self.status
        status = replace(previous, state=state, version=previous.version + 1, **changes)
        self.status = status
        self.changed.notify_all()
        self.emit(StateChanged(status, previous.state))

    def event_line(self, text: str, level: str = "info") -> int:
        """An ``asgideck: ...`` line in the server's log; returns its seq."""
        prefix = {"info": "", "warning": "WARNING: ", "error": "ERROR: "}.get(level, "")
        line = f"asgideck: {prefix}{text}"
        seq = self.buffer.append("event", line)
        if self.tap is not None:
            self.tap("event", line)
        return seq

    def notice(self, text: str, level: Literal["info", "warning", "error"] = "info") -> None:
        self.emit(Notice(text, level))

    def emit(self, event: ServerEvent) -> None:
        self._queue.put(event)
        self._ensure_dispatcher()

    def flush_events(self, timeout: float) -> bool:
        """Block until every event queued so far has been delivered (False on timeout)."""
        done = threading.Event()
        self._queue.put(done)
        self._ensure_dispatcher()
        return done.wait(timeout)

    def end_events(self) -> None:
        """Let the event thread deliver what is queued and finish."""
        with self.lock:
            dispatcher = self._dispatcher
        if dispatcher is not None:
            self._queue.put(None)
            dispatcher.join(2.0)

    def _ensure_dispatcher(self) -> None:
        with self.lock:
            if self._dispatcher is None or not self._dispatcher.is_alive():
                self._dispatcher = self.thread("events", self._dispatch)

    def _dispatch(self) -> None:
        while True:
            try:
                event = self._queue.get(timeout=5.0)
            except queue.Empty:
                with self.lock:
                    if self._queue.empty():
                        self._dispatcher = None
                        return
                continue
            if event is None:
                with self.lock:
                    if self._queue.empty():
                        self._dispatcher = None
                        return
                continue
            if isinstance(event, threading.Event):
                event.set()
                continue
            try:
                self.events.emit(event)
            except Exception as exc:  # a broken handler must not kill the event thread
                print(f"asgideck: event handler failed: {exc!r}", file=sys.stderr)
