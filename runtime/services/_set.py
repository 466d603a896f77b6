"""The services of one project's profile, as the window and the CLI use them: what the
profile needs, what runs, start (idempotent), stop, their logs.

Every method may block (protocol checks, a start waits for readiness): call them off
the GUI thread. ``changed`` is emitted on the thread that made the change.
"""

from __future__ import annotations

import contextlib
import queue
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from asgideck.runtime.events import Event
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.services._datadir import LOG_NAME, data_dir
from asgideck.runtime.services._engines import engine_for
from asgideck.runtime.services._errors import NotReady, ServiceError
from asgideck.runtime.services._follow import LogFollower
from asgideck.runtime.services._lifecycle import (
    CHECK_TIMEOUT,
    Started,
    check_service,
    elsewhere_holder,
    find_entry,
    not_runnable,
    start_service,
    stop_service,
    undo_start,
)
from asgideck.runtime.services._needs import service_needs
from asgideck.runtime.services._types import Engine, ServiceNeed, ServiceState

__all__ = ["ServiceSet"]


def _join_through_interrupts(threads: Sequence[threading.Thread]) -> None:
    """Wait for every start to end, even through a second Ctrl-C or SIGTERM (``Stopped``):
    leaving early would skip the settling, so a start that had succeeded would be
    neither kept (stopped at exit) nor undone: a service left running. The starts were
    told to stop waiting: this wait is short. The first interrupt is re-raised after."""
    for thread in threads:
        while True:
            try:
                thread.join()
                break
            except BaseException:  # the interrupt is already being handled
                continue


class _Gate:
    """Holds a side-by-side start's password reset until every need before it has
    started: one after the other, a need after one that failed was never started, so
    its data's password was never rewritten. Engines are wrapped only for the reset."""

    def __init__(self, halts: list[threading.Event]) -> None:
        self._halts = halts
        self._ended: dict[int, bool] = {}  # index -> started fine
        self._cond = threading.Condition()

    def ended(self, index: int, ok: bool) -> None:
        with self._cond:
            self._ended[index] = ok
            self._cond.notify_all()

    def halt(self, indexes: range) -> None:
        with self._cond:
            for index in indexes:
                self._halts[index].set()
            self._cond.notify_all()

    def engine(self, index: int, engine: Engine) -> Engine:
        reset = getattr(engine, "reset_password", None)
        if reset is None or index == 0:
            return engine
        return cast(Engine, _ResetAfter(engine, lambda: self._wait_before(index)))

    def _wait_before(self, index: int) -> bool:
        """True once the needs before ``index`` all started; False when one failed or
        this start was told to stop."""
        with self._cond:
            self._cond.wait_for(
                lambda: (
                    self._halts[index].is_set()
                    or any(self._ended.get(i) is False for i in range(index))
                    or all(i in self._ended for i in range(index))
                )
            )
            return not self._halts[index].is_set() and all(self._ended.get(i) for i in range(index))


class _ResetAfter:
    """``engine`` whose ``reset_password`` first waits for ``wait`` (False: not reset)."""

    def __init__(self, engine: Engine, wait: Callable[[], bool]) -> None:
        self._engine = engine
        self._wait = wait

    def __getattr__(self, name: str) -> Any:
        return getattr(self._engine, name)

    def reset_password(self, need: ServiceNeed, data_dir: Path) -> None:
        if not self._wait():
            raise NotReady(
                f"{need.label}: start cancelled", service=need.name, variables=need.variables
            )
        self._engine.reset_password(need, data_dir)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class _Outcome:
    """How one of the side-by-side starts ended: ``done``, or ``error`` (raised)."""

    done: Started | None = None
    error: BaseException | None = None


class ServiceSet:
    """The services ``root``'s ``profile`` needs (``env``: the profile's variables,
    read from disk when None). ``engines`` replaces the engine of a kind (tests).

    :attr:`started` lists the services this set started itself (not those it found
    running): ``asgideck run --with-services`` stops only these when it ends.
    """

    def __init__(
        self,
        root: Path,
        profile: str,
        *,
        env: Mapping[str, str] | None = None,
        engines: Mapping[str, Engine] | None = None,
    ) -> None:
        self.root = root.resolve()
        self.profile = profile
        self.needs: list[ServiceNeed] = service_needs(self.root, profile, env)
        self.changed: Event[ServiceState] = Event()
        self.started: list[str] = []
        self._engines: dict[str, Engine] = dict(engines or {})
        self._lock = threading.Lock()
        self._buffers: dict[str, LogBuffer] = {}
        self._followers: dict[str, LogFollower] = {}
        self._popens: list[subprocess.Popen[bytes]] = []
        self._closed = False

    # -- looking

    def need(self, name: str) -> ServiceNeed:
        """The need called ``name``; a ``ServiceError`` listing the names otherwise."""
        for need in self.needs:
            if need.name == name:
                return need
        known = ", ".join(n.name for n in self.needs) or "none"
        raise ServiceError(
            f"{name}: profile {self.profile} needs no service of that name (it needs: {known})",
            service=name,
        )

    def engine(self, need: ServiceNeed) -> Engine:
        with self._lock:
            engine = self._engines.get(need.kind)
            if engine is None:
                engine = self._engines[need.kind] = engine_for(need.kind)
            return engine

    def data_dir(self, name: str) -> Path:
        return data_dir(self.root, self.profile, self.need(name))

    def states(self, timeout: float = CHECK_TIMEOUT) -> list[ServiceState]:
        """Each need's state: its registry entry, then one protocol check (in parallel)."""
        self._reap()
        results: dict[int, ServiceState] = {}

        def one(index: int, need: ServiceNeed) -> None:
            fixed = not_runnable(need)
            if fixed is not None:
                results[index] = fixed
                return
            try:
                state = check_service(self.root, self.profile, need, self.engine(need), timeout)
            except ServiceError as exc:
                state = ServiceState(need, "failed", message=str(exc))
            results[index] = state

        threads = [
            threading.Thread(target=one, args=(i, n), name="asgideck-service-state", daemon=True)
            for i, n in enumerate(self.needs)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout + 5.0)
        return [
            results.get(i, ServiceState(n, "failed", message=f"{n.label}: no answer to the check"))
            for i, n in enumerate(self.needs)
        ]

    # -- starting and stopping

    def start(
        self,
        names: Sequence[str] = (),
        *,
        timeout: float = 60.0,
        reset_password: bool = False,
        cancel: threading.Event | None = None,
    ) -> list[ServiceState]:
        """Start ``names`` (every need when empty), each until it answers its protocol;
        those already ready are left alone, remote and unsupported ones are reported as
        such. Raises the first service's error (one line naming it and its variable);
        those before it keep running (see :attr:`started`).

        The services start side by side (a start is mostly waiting for a server), yet
        the outcome is that of one after the other: :attr:`changed` reports each
        service's states in the order of ``names``, on this thread, and a service after
        the one that failed is stopped again and never reported, as if never started."""
        needs = self._chosen(names)
        if len(needs) < 2:
            return [self._start_one(need, timeout, reset_password, cancel) for need in needs]
        return self._start_side_by_side(needs, timeout, reset_password, cancel)

    def _start_one(
        self,
        need: ServiceNeed,
        timeout: float,
        reset_password: bool,
        cancel: threading.Event | None,
    ) -> ServiceState:
        try:
            done = start_service(
                self.root,
                self.profile,
                need,
                self.engine(need),
                timeout=timeout,
                reset_password=reset_password,
                cancel=cancel,
                on_state=self.changed.emit,
            )
        except ServiceError as exc:
            self.changed.emit(ServiceState(need, "failed", message=str(exc)))
            raise
        self._keep(done)
        return done.state

    def _start_side_by_side(
        self,
        needs: list[ServiceNeed],
        timeout: float,
        reset_password: bool,
        cancel: threading.Event | None,
    ) -> list[ServiceState]:
        """One thread per need; this thread relays their states in order (see start)."""
        halts = [threading.Event() for _ in needs]  # set: that start stops waiting
        inbox: queue.SimpleQueue[tuple[int, ServiceState | _Outcome]] = queue.SimpleQueue()
        gate = _Gate(halts)
        # Still unlike one after the other: a need after one that fails has run its
        # engine's check_installed / prepare (initdb) / first_ready (role, database) by
        # the time it is stopped again. Only the password reset, which changes what the
        # user's data accepts, waits for the needs before it (see _Gate).

        def one(index: int, need: ServiceNeed) -> None:
            ok = False
            try:
                done = start_service(
                    self.root,
                    self.profile,
                    need,
                    gate.engine(index, self.engine(need)) if reset_password else self.engine(need),
                    timeout=timeout,
                    reset_password=reset_password,
                    cancel=halts[index],
                    on_state=lambda state: inbox.put((index, state)),
                )
                ok = True
            except BaseException as exc:  # handed to the calling thread, raised there
                inbox.put((index, _Outcome(error=exc)))
            else:
                inbox.put((index, _Outcome(done=done)))
            finally:
                gate.ended(index, ok)

        threads = [
            threading.Thread(target=one, args=(i, n), name="asgideck-service-start", daemon=True)
            for i, n in enumerate(needs)
        ]
        for thread in threads:
            thread.start()
        outcomes: dict[int, _Outcome] = {}
        held: list[list[ServiceState]] = [[] for _ in needs]
        shown = 0  # the needs before this one started: its states go out as they come
        cut = len(needs)  # the first need whose start failed
        try:
            while len(outcomes) < len(needs):
                try:
                    index, item = inbox.get(timeout=0.05)
                except queue.Empty:
                    if cancel is not None and cancel.is_set():
                        gate.halt(range(len(needs)))
                    continue
                if isinstance(item, _Outcome):
                    outcomes[index] = item
                    if item.error is not None and index < cut:
                        cut = index
                        gate.halt(range(cut + 1, len(needs)))  # undone anyway: stop waiting
                elif index <= cut:
                    held[index].append(item)
                while shown <= min(cut, len(needs) - 1):
                    for state in held[shown]:
                        self.changed.emit(state)
                    held[shown].clear()
                    outcome = outcomes.get(shown)
                    if outcome is None or outcome.error is not None:
                        break
                    shown += 1
        except BaseException:  # Ctrl-C: each start still waiting ends its own spawn
            gate.halt(range(len(needs)))
            _join_through_interrupts(threads)  # a start that succeeded is kept or undone
            while not inbox.empty():
                index, item = inbox.get()
                if isinstance(item, _Outcome):
                    outcomes.setdefault(index, item)
            ended = (i for i in range(len(needs)) if outcomes[i].done is None)
            self._settle(needs, outcomes, next(ended, len(needs)))
            raise
        states = self._settle(needs, outcomes, cut)
        if cut < len(needs):
            error = outcomes[cut].error
            assert error is not None
            if isinstance(error, ServiceError):
                self.changed.emit(ServiceState(needs[cut], "failed", message=str(error)))
            raise error
        return states

    def _settle(
        self, needs: list[ServiceNeed], outcomes: dict[int, _Outcome], cut: int
    ) -> list[ServiceState]:
        """Keep the starts before ``cut`` (the first that failed), undo those after it:
        what a start one after the other would have left running."""
        states: list[ServiceState] = []
        for index, need in enumerate(needs):
            outcome = outcomes.get(index)
            if outcome is None or outcome.done is None:
                continue
            if index < cut:
                self._keep(outcome.done)
                states.append(outcome.done.state)
            else:
                undo_start(outcome.done, self.engine(need))
        self._reap()
        return states

    def _keep(self, done: Started) -> None:
        if done.started_here:
            with self._lock:
                self.started.append(done.state.need.name)
                if done.popen is not None:
                    self._popens.append(done.popen)

    def stop(self, names: Sequence[str] = (), grace: float = 5.0) -> list[ServiceState]:
        """Stop ``names`` (every need when empty) wherever they were started; a service
        that is not running is reported stopped, one served by a server asgideck did not
        start stays ``ready`` ("left alone"). A tree that survives SIGKILL (or whose
        port stays taken) comes back ``failed`` with the pids in its message."""
        states = []
        for need in self._chosen(names):
            fixed = not_runnable(need)
            if fixed is not None:
                states.append(fixed)
                continue
            folder = data_dir(self.root, self.profile, need)
            entry = find_entry(self.root, self.profile, need)
            state = ServiceState(
                need,
                "stopped",
                message="stopped" if entry is not None else "not running",
                data_dir=folder,
                log_file=folder / LOG_NAME,
            )
            if entry is None:
                state = self._left_alone(need, folder) or state
            if entry is not None:
                result = stop_service(entry, grace)
                if result.survivors:
                    pids = ", ".join(map(str, result.survivors))
                    state = ServiceState(
                        need, "failed", message=f"{need.label}: processes survived: {pids}"
                    )
                elif not result.port_free:
                    state = ServiceState(
                        need, "failed", message=f"{need.label}: port {need.port} still taken"
                    )
            with self._lock:
                if need.name in self.started:
                    self.started.remove(need.name)
            self._reap()
            self.changed.emit(state)
            states.append(state)
        return states

    def reset_password(self, name: str, timeout: float = 60.0) -> ServiceState:
        """Set the role's password in the data folder to the profile's (an explicit
        user action): started if needed, then checked with the profile's credentials."""
        need = self.need(name)
        engine = self.engine(need)
        folder = data_dir(self.root, self.profile, need)
        if find_entry(self.root, self.profile, need) is not None:
            reset = getattr(engine, "reset_password", None)
            if reset is not None:
                reset(need, folder)
        return self.start([name], timeout=timeout, reset_password=True)[0]

    # -- logs

    def log_buffer(self, name: str) -> LogBuffer:
        """The service's log lines (its log file, followed while this set is open)."""
        need = self.need(name)
        with self._lock:
            buffer = self._buffers.get(name)
            if buffer is not None:
                return buffer
            buffer = self._buffers[name] = LogBuffer()
            if self._closed:
                return buffer
            folder = data_dir(self.root, self.profile, need)
            self._followers[name] = LogFollower(folder / LOG_NAME, buffer, name=need.name)
            return buffer

    def close(self) -> None:
        """Stop following logs; the services keep running (they outlive the set)."""
        with self._lock:
            self._closed = True
            followers = list(self._followers.values())
            self._followers.clear()
        for follower in followers:
            follower.close()
        self._reap()

    # -- helpers

    def _left_alone(self, need: ServiceNeed, folder: Path) -> ServiceState | None:
        """A need served by a server asgideck did not start: not stopped, and said so."""
        holder = elsewhere_holder(need, self.engine(need), folder)
        if holder is None:
            return None
        by = holder or f"another process on port {need.port}"
        return ServiceState(
            need,
            "ready",
            message=f"{need.label}: served by {by}, not started by asgideck: left alone",
        )

    def _chosen(self, names: Sequence[str]) -> list[ServiceNeed]:
        return [self.need(n) for n in names] if names else list(self.needs)

    def _reap(self) -> None:
        """Collect the exit status of services this set started that have ended."""
        with self._lock:
            popens = list(self._popens)
        for popen in popens:
            with contextlib.suppress(OSError):
                if popen.poll() is not None:
                    with self._lock:
                        self._popens.remove(popen)
