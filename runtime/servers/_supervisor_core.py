"""The state one supervised server shares across its threads, and how it is published.

``SupervisorCore`` holds the locks, the status and its versioned changes, the
current run and its release, and delivers events in order on the event thread
(``asgideck-<id>-events``). ``SupervisorMonitor`` and ``Supervisor`` build on it.
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
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import _launch as launch
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.servers._events import (
    AlreadyRunning,
    Notice,
    ServerEvent,
    ServerState,
    StateChanged,
    Stats,
    Status,
)
from asgideck.runtime.servers._launch import ServerSpec
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._spawn import Run

__all__ = ["SupervisorCore"]


def _event_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


class SupervisorCore:
    """Status, locks, the current run and event delivery of one supervised server."""

    def __init__(
        self,
        spec: ServerSpec,
        *,
        on_event: Callable[[ServerEvent], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
        buffer: LogBuffer | None = None,
        name: str = "",
        auto_restart: bool = False,
        ready_timeout: float = 60.0,
        marker_grace: float = 10.0,
        log_to_file: bool = True,
        restart_waiter: Callable[[threading.Event, float], bool] = _event_wait,
        features: launch.Features | None = None,
    ) -> None:
        self.id = registry.new_id()
        self.name = name
        self.buffer = buffer if buffer is not None else LogBuffer()
        self.events: Event[ServerEvent] = Event()
        if on_event is not None:
            self.events.connect(on_event)
        self.clock = clock
        self.auto_restart = auto_restart
        self.ready_timeout = ready_timeout
        self.marker_grace = marker_grace
        self.log_to_file = log_to_file
        self.policy = RestartPolicy(clock)
        self._spec = spec
        self._features = features
        self._restart_waiter = restart_waiter
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._op_lock = threading.RLock()
        self._status = Status()
        self._run: Run | None = None
        self._stats: Stats | None = None
        self._restart_cancel = threading.Event()
        self._queue: queue.SimpleQueue[ServerEvent | threading.Event | None] = queue.SimpleQueue()
        self._dispatcher: threading.Thread | None = None

    # -- public surface

    @property
    def spec(self) -> ServerSpec:
        return self._spec

    @spec.setter
    def spec(self, spec: ServerSpec) -> None:
        with self._lock:
            if self._run is not None:
                raise AlreadyRunning("change the spec while the server is stopped (or use restart)")
            self._spec = spec

    @property
    def status(self) -> Status:
        with self._lock:
            return self._status

    @property
    def state(self) -> ServerState:
        return self.status.state

    @property
    def alive(self) -> bool:
        """A process tree exists (also in "crashed" while ``--reload`` waits for a fix)."""
        return self._run is not None

    def stats(self) -> Stats | None:
        """The latest once-a-second sample (None before the first one)."""
        return self._stats

    @property
    def pids(self) -> list[int]:
        """Every pid of the current tree seen so far (refreshed now)."""
        run = self._run
        if run is None:
            return []
        run.tree.refresh()
        return run.tree.pids

    def wait_for(self, *states: ServerState, timeout: float = 30.0) -> Status:
        """Block until the state is one of ``states`` or ``timeout`` passes; returns the status."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while self._status.state not in states:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._changed.wait(remaining)
            return self._status

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Block until every event queued so far has been delivered (False on timeout)."""
        done = threading.Event()
        self._queue.put(done)
        self._ensure_dispatcher()
        return done.wait(timeout)

    # -- threads and the current run

    def _label(self) -> str:
        return self.name or f"{self._spec.kind} :{self._spec.port}"

    def _thread(self, what: str, target: Callable[..., None], *args: object) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=args, name=f"asgideck-{self.id}-{what}", daemon=True
        )
        thread.start()
        return thread

    def _take_op_lock(self, run: Run) -> bool:
        """For the run's own threads: wait for the operation lock unless a stop takes over."""
        while not self._op_lock.acquire(timeout=0.05):
            if run.stopping or run.finished:
                return False
        return True

    def _finish(self, run: Run, unregister: bool) -> None:
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
        if unregister and run.entry is not None:
            try:
                registry.unregister(run.entry.id)
            except OSError as exc:
                self._notice(f"could not update the state file: {exc}", "warning")
        with self._lock:
            if self._run is run:
                self._run = None

    # -- state and events

    def _set(self, state: ServerState, **changes: Any) -> None:
        """Change the status (caller holds ``_lock``) and queue a StateChanged event."""
        previous = self._status
        status = replace(previous, state=state, version=previous.version + 1, **changes)
        self._status = status
        self._changed.notify_all()
        self._emit(StateChanged(status, previous.state))

    def _event_line(self, text: str, level: str = "info") -> int:
        prefix = {"info": "", "warning": "WARNING: ", "error": "ERROR: "}.get(level, "")
        return self.buffer.append("event", f"asgideck: {prefix}{text}")

    def _notice(self, text: str, level: Literal["info", "warning", "error"] = "info") -> None:
        self._emit(Notice(text, level))

    def _emit(self, event: ServerEvent) -> None:
        self._queue.put(event)
        self._ensure_dispatcher()

    def _ensure_dispatcher(self) -> None:
        with self._lock:
            if self._dispatcher is None or not self._dispatcher.is_alive():
                self._dispatcher = self._thread("events", self._dispatch)

    def _dispatch(self) -> None:
        while True:
            try:
                event = self._queue.get(timeout=5.0)
            except queue.Empty:
                with self._lock:
                    if self._queue.empty():
                        self._dispatcher = None
                        return
                continue
            if event is None:
                with self._lock:
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
