"""One supervised server process: start, ready, stop the whole tree, crash/backoff, stats.

Threads per run (all daemons, named ``asgideck-<id>-...``):

- two readers drain stdout/stderr with ``os.read(fd, 65536)`` into the
  ``LogBuffer`` (and the run's capped log file, and the ``tap`` when one is given:
  ``asgideck run`` writes every chunk to its terminal there, so a burst larger than
  the ring buffer loses nothing);
- a watcher blocks in ``Popen.wait()``, so a crash is seen the moment it happens;
- a monitor (``_monitor.Monitor``, which the supervisor creates and holds) waits
  for readiness (the port accepts a connection, plus the startup-complete line
  where the server prints one before it can serve), samples stats once a second,
  and in ``--reload`` mode notices when the app process dies while the reloader
  lives on.

What these threads share (status, locks, the current run, event delivery) is one
``_supervisor_state.SupervisorState`` that the supervisor and its monitor both hold.

Events (``StateChanged``, ``ReloadDetected``, ``StatsUpdated``, ``Notice``)
are delivered **in order on one event thread per supervisor**
(``asgideck-<id>-events``), never on the caller's thread; a handler may call
``start``/``stop``. The GUI moves them to the Qt main thread (``Scope.wrap``).

How a run ended is in ``Status.cause`` (``_events.StopCause``): stopped here, stopped by
another asgideck (``_stop_requests``), ended by a signal from outside, port taken...

``start`` returns once the process is spawned (readiness arrives as an
event; ``wait_for`` blocks for it). ``stop`` blocks until the tree is gone
(grace + a few seconds at most): call it off the GUI thread.
"""

from __future__ import annotations

import shlex
import signal
import threading
import time
from collections.abc import Callable
from typing import NoReturn

from asgideck.runtime.events import Event
from asgideck.runtime.logs import (
    COALESCE_S,
    LogBuffer,
    RunLog,
    Stream,
    count_status_classes,
    error_excerpt,
    pump,
)
from asgideck.runtime.servers._argv import argv
from asgideck.runtime.servers._diagnose import Diagnosis
from asgideck.runtime.servers._errors import AlreadyRunning, ConfigError, LaunchFailed, PortInUse
from asgideck.runtime.servers._events import (
    ReloadDetected,
    ServerEvent,
    ServerState,
    Stats,
    Status,
    StopCause,
)
from asgideck.runtime.servers._features import Features
from asgideck.runtime.servers._launch import ServerSpec, child_env, connect_host, url
from asgideck.runtime.servers._monitor import Monitor
from asgideck.runtime.servers._output import (
    APP_ERROR_MARKERS,
    READY_MARKERS,
    RELOAD_MARKERS,
    WORKER_MARKERS,
    lines_with,
    secret_masker,
)
from asgideck.runtime.servers._ports import (
    bind_problem,
    is_port_free,
    next_free_port,
    port_holder,
)
from asgideck.runtime.servers._process_tree import EndResult, ProcessTree, create_time_of
from asgideck.runtime.servers._registry import Entry, entry_holding, register
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._services import describe_down
from asgideck.runtime.servers._spawn import Run, spawn_server
from asgideck.runtime.servers._stall import with_stack_site
from asgideck.runtime.servers._stop_requests import stop_requested
from asgideck.runtime.servers._supervisor_state import SupervisorState
from asgideck.runtime.userstate import StateError

__all__ = ["Supervisor"]

_CLEAN_EXIT = {0, -signal.SIGTERM, -signal.SIGINT}
#: Signals someone sends (a segfault's SIGSEGV is the app's own crash).
_SENT_SIGNALS = {signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL, signal.SIGQUIT}
#: What a server prints when another process took its port between asgideck's check and
#: its bind (uvicorn/Hypercorn/Granian: EADDRINUSE's text; gunicorn: "Connection in use").
_PORT_TAKEN_MARKERS = ("address already in use", "connection in use", "address in use")
#: uvicorn's exit code for any startup failure (import error, bad app, lifespan failure),
#: and gunicorn's when a worker failed to boot: restarting cannot help, a fix can.
STARTUP_FAILED = 3


def _event_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


def _signal_name(code: int) -> str:
    """ "signal 15, SIGTERM" for a negative exit code (a death by signal)."""
    number = -code
    try:
        return f"signal {number}, {signal.Signals(number).name}"
    except ValueError:
        return f"signal {number}"


class Supervisor:
    """Runs one ``ServerSpec``: see the module docstring for threads and events.

    It holds the state its threads share (``SupervisorState``: status, locks,
    event delivery) and the ``Monitor`` that watches each run; this class starts,
    stops and watches runs, and restarts after a crash when asked to.
    """

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
        features: Features | None = None,
        stall_after: float = 4.0,
        tap: Callable[[Stream, str], None] | None = None,
        die_with_parent: bool = False,
    ) -> None:
        self._state = SupervisorState(
            spec, name=name, buffer=buffer, clock=clock, on_event=on_event, tap=tap
        )
        self._diagnosis = Diagnosis(self._state)
        self._monitor = Monitor(
            self._state,
            self._diagnosis,
            ready_timeout=ready_timeout,
            marker_grace=marker_grace,
            stall_after=stall_after,
        )
        self.auto_restart = auto_restart
        self.log_to_file = log_to_file
        self.policy = RestartPolicy(clock)
        self._features = features
        self._restart_waiter = restart_waiter
        self._restart_cancel = threading.Event()
        #: Linux: the server dies with this process even when it is SIGKILLed
        #: (``asgideck run``; the window's servers outlive a crashed window on purpose)
        self.die_with_parent = die_with_parent
        #: ``stop`` calls under way (guarded by the state's lock): a crash seen meanwhile
        #: is not restarted.
        self._stops_pending = 0

    # -- public surface

    @property
    def id(self) -> str:
        return self._state.id

    @property
    def name(self) -> str:
        return self._state.name

    @property
    def buffer(self) -> LogBuffer:
        return self._state.buffer

    @property
    def events(self) -> Event[ServerEvent]:
        return self._state.events

    @property
    def clock(self) -> Callable[[], float]:
        return self._state.clock

    @property
    def ready_timeout(self) -> float:
        return self._monitor.ready_timeout

    @property
    def marker_grace(self) -> float:
        return self._monitor.marker_grace

    @property
    def spec(self) -> ServerSpec:
        return self._state.spec

    @spec.setter
    def spec(self, spec: ServerSpec) -> None:
        with self._state.lock:
            if self._state.run is not None:
                raise AlreadyRunning("change the spec while the server is stopped (or use restart)")
            self._state.spec = spec

    @property
    def status(self) -> Status:
        with self._state.lock:
            return self._state.status

    @property
    def state(self) -> ServerState:
        return self.status.state

    @property
    def alive(self) -> bool:
        """A process tree exists (also in "crashed" while ``--reload`` waits for a fix)."""
        return self._state.run is not None

    def stats(self) -> Stats | None:
        """The latest once-a-second sample (None before the first one)."""
        return self._state.stats

    @property
    def pids(self) -> list[int]:
        """Every pid of the current tree seen so far (refreshed now)."""
        run = self._state.run
        if run is None:
            return []
        run.tree.refresh()
        return run.tree.pids

    def wait_for(self, *states: ServerState, timeout: float = 30.0) -> Status:
        """Block until the state is one of ``states`` or ``timeout`` passes; returns the status."""
        return self._state.wait_for(states, timeout)

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Block until every event queued so far has been delivered (False on timeout)."""
        return self._state.flush_events(timeout)

    def start(self) -> None:
        """Check the port, spawn the server; readiness is reported through events.

        Raises ``PortInUse``, ``AlreadyRunning`` or ``LaunchFailed``.
        """
        state = self._state
        with state.op_lock:
            with state.lock:
                if state.run is not None:
                    raise AlreadyRunning(f"{state.label()} is already {state.status.state}")
            self._restart_cancel.set()
            self.policy.reset()
            self._spawn(restarts=0)

    def stop(self, grace: float = 5.0) -> EndResult:
        """SIGTERM the group, wait ``grace`` s, SIGKILL; verify the tree is gone, the port free.

        A crash handled while this call waits for the operation lock schedules no restart
        (``_stops_pending``), and any restart already scheduled is cancelled.
        """
        state = self._state
        with state.lock:
            self._stops_pending += 1
        try:
            self._restart_cancel.set()
            with state.op_lock:
                # the watcher may have scheduled a restart (a new event) while we waited
                self._restart_cancel.set()
                return self._stop_locked(grace)
        finally:
            with state.lock:
                self._stops_pending -= 1

    def _stop_locked(self, grace: float) -> EndResult:
        """``stop`` with the operation lock held."""
        state = self._state
        with state.lock:
            run = state.run
            if run is None:
                if state.status.state != "stopped":
                    state.set("stopped", message="stopped", error=None, next_restart_in=None)
                return EndResult()
            run.stopping = True
            state.set("stopping", message=f"stopping (grace {grace:g} s)")
        state.event_line(f"stopping: SIGTERM to process group {run.tree.pgid or run.proc.pid}")

        def killed(pids: list[int]) -> None:
            state.event_line(f"still running after {grace:g} s: SIGKILL to {pids}", "warning")

        spec = run.spec
        result = run.tree.end(grace, port=(connect_host(spec), spec.port), on_kill=killed)
        code = run.proc.poll()
        state.finish(run, unregister_entry=not result.survivors)
        error = None
        if result.survivors:
            error = f"processes survived SIGKILL: {', '.join(map(str, result.survivors))}"
        elif not result.port_free:
            holder = port_holder(spec.port, spec.host)
            who = holder.describe() if holder else "another process"
            error = f"port {spec.port} is still in use by {who}"
        # the exit code of a tree asgideck ended is asgideck's doing, not the app's
        how = f"did not stop in {grace:g} s, killed" if result.killed else "stopped"
        state.event_line(how + (f"; {error}" if error else ""), "warning" if error else "info")
        with state.lock:
            state.set("stopped", exit_code=code, error=error, message=how, pid=None, cause="stop")
        return result

    def restart(self, grace: float = 5.0, spec: ServerSpec | None = None) -> None:
        with self._state.op_lock:
            self.stop(grace)
            if spec is not None:
                self.spec = spec
            self.start()

    def close(self, grace: float = 5.0) -> None:
        """Stop the server (if any) and let the event thread finish."""
        self.stop(grace)
        self._state.end_events()

    # -- spawning

    def _spawn(self, restarts: int) -> None:
        state = self._state
        spec = state.spec
        if not spec.root.is_dir():
            self._fail_launch(f"project folder not found: {spec.root}")
        if not spec.python.exists():
            self._fail_launch(f"interpreter not found: {spec.python}")
        problem = bind_problem(spec.host)
        if problem is not None:  # else a bad host reads as "port in use" (the bind fails)
            self._fail_launch(f"host: {problem}")
        if not is_port_free(spec.port, spec.host):
            raise self._port_in_use(spec)
        try:
            args = argv(spec, self._features)
        except ConfigError as exc:
            self._fail_launch(str(exc))
        env = with_stack_site(child_env(spec))
        with state.lock:
            state.set(
                "starting",
                pid=None,
                url=url(spec),
                exit_code=None,
                error=None,
                message="starting",
                started_at=time.time(),
                restarts=restarts,
                reload_waiting=False,
                next_restart_in=None,
                diagnosis=None,
                cause="",
            )
        first_seq = state.buffer.total + 1
        services, services_done = self._diagnosis.start_service_check(spec)
        state.event_line(f"starting: {shlex.join(args)}  (in {spec.root})")
        try:
            proc = spawn_server(args, spec, env, die_with_parent=self.die_with_parent)
        except StateError as exc:
            self._fail_launch(f"not started, asgideck could not record it: {exc}")
        except OSError as exc:
            self._fail_launch(f"could not start {args[0]}: {exc}")
        ctime = create_time_of(proc.pid)
        tree = ProcessTree.started(proc, ctime)
        run = Run(spec, proc, tree)
        run.first_seq = first_seq
        run.services, run.services_done = services, services_done
        run.started = state.clock()
        with state.lock:  # from here on stop() can end it, whatever happens next
            state.run = run
            state.set("starting", pid=proc.pid, message=f"starting (pid {proc.pid})")
        entry = Entry(
            id=state.id,
            pid=proc.pid,
            create_time=ctime or time.time(),
            argv=tuple(args),
            port=spec.port,
            host=spec.host,
            root=str(spec.root),
            kind=spec.kind,
            started_at=time.time(),
            pgid=tree.pgid,
            name=state.name,
        )
        try:
            register(entry)
            run.entry = entry
        except OSError as exc:
            state.notice(f"could not record the server in the state file: {exc}", "warning")
        if self.log_to_file:
            try:
                run.log = RunLog.create(f"{state.name or spec.kind}-{spec.port}")
            except OSError as exc:
                state.notice(f"no log file for this run: {exc}", "warning")
            else:
                if run.log.error is not None:
                    state.notice(f"no log file for this run: {run.log.error}", "warning")
        assert proc.stdout is not None and proc.stderr is not None
        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            reader = state.thread(f"{stream}", self._read, run, pipe.fileno(), stream)
            run.readers.append(reader)
        run.helpers = [
            state.thread("watch", self._watch, run),
            state.thread("monitor", self._monitor.watch, run),
        ]

    def _fail_launch(self, message: str) -> NoReturn:
        """The start cannot even spawn: say so in the log and raise ``LaunchFailed``."""
        with self._state.lock:
            self._state.set("crashed", error=message, message="could not start", pid=None)
        self._state.event_line(message, "error")
        raise LaunchFailed(message)

    def _port_in_use(self, spec: ServerSpec) -> PortInUse:
        holder = port_holder(spec.port, spec.host)
        entry = None
        if holder is not None and holder.pid is not None:
            entry = entry_holding(holder.pid)
        try:
            suggestion: int | None = next_free_port(spec.port + 1, spec.host)
        except OSError:
            suggestion = None
        error = PortInUse(spec.host, spec.port, holder, suggestion, entry)
        self._state.event_line(str(error), "error")
        return error

    # -- reading

    def _read(self, run: Run, fd: int, stream: Stream) -> None:
        pump(
            fd,
            stream,
            self._state.buffer,
            lambda text: self._inspect(run, stream, text),
            transform=secret_masker(run.spec.env),
            # stdout carries the access log (one line per request): drain it in batches;
            # stderr (startup, errors, tracebacks) is read the moment it is written.
            coalesce_s=COALESCE_S if stream == "stdout" else 0.0,
        )

    def _inspect(self, run: Run, stream: Stream, text: str) -> None:
        """Per chunk (already in the buffer): the tap, run log file, request counts, markers."""
        tap = self._state.tap
        if tap is not None:
            tap(stream, text)
        if run.log is not None:
            run.log.write(text)
        if "HTTP/" in text:
            with run.lock:
                found = count_status_classes(text, run.counts)
                run.requests += found
            if found and found == text.count("\n") + 1:
                return  # a chunk of access lines only: no marker can be in it
        ready = any(m in text for m in READY_MARKERS)
        failed = any(m in text for m in APP_ERROR_MARKERS)
        if ready or failed:
            with run.lock:
                run.ready_marks += ready
                run.error_marks += failed
            run.kick.set()
        elif "running on http" in text or "Listening at:" in text:
            run.kick.set()  # about to accept: look at the port now rather than at the next tick
        if any(m in text for m in RELOAD_MARKERS):
            for line in lines_with(text, RELOAD_MARKERS):
                self._state.emit(ReloadDetected(line))
        if not run.stopping and any(m in text for m in WORKER_MARKERS):
            for line in lines_with(text, WORKER_MARKERS):
                if "Booting worker" not in line and "Started" not in line:
                    self._state.notice(line, "warning")

    # -- watching

    def _watch(self, run: Run) -> None:
        state = self._state
        code = run.proc.wait()
        # another asgideck's `stop` leaves its note while it works: look before it is gone
        elsewhere = run.entry is not None and stop_requested(run.entry.id)
        run.done.set()
        with state.lock:
            if run.stopping or run.finished:
                return
        for reader in run.readers:
            reader.join(0.5)
        if not state.take_op_lock(run):
            return
        try:
            with state.lock:
                if run.stopping or run.finished or state.run is not run:
                    return
            self._after_exit(run, code, elsewhere)
        finally:
            state.op_lock.release()

    def _after_exit(self, run: Run, code: int, elsewhere: bool = False) -> None:
        """The root exited on its own: clean up leftovers, classify, maybe restart.

        ``elsewhere``: another asgideck was stopping it (``_stop_requests``).
        """
        state = self._state
        ran_for = state.clock() - (run.ready_at if run.ready_at is not None else run.started)
        clean = elsewhere or (
            run.phase == "running"
            and (code in _CLEAN_EXIT and (code != 0 or not self._errors_logged(run)))
        )
        error = None if clean else self._error_text(run, code)
        result = run.tree.end(0.5)  # workers that outlived their parent
        if result.survivors:
            state.notice(f"processes survived: {result.survivors}", "error")
        state.finish(run, unregister_entry=not result.survivors)
        delay = None
        new_state: ServerState = "stopped" if clean else "crashed"
        cause, message = self._why_it_ended(run, code, clean, elsewhere)
        taken: PortInUse | None = None
        if cause == "port":
            taken = self._port_in_use(run.spec)
            error = str(taken)
        # before readiness: uvicorn's startup failure; once it served, an app's own exit(3)
        startup_failed = (code == STARTUP_FAILED and run.phase == "starting") or taken is not None
        if code == STARTUP_FAILED and run.phase == "starting":
            message = f"failed at startup (exit code {code}); not restarted: fix it, start again"
        with state.lock:
            stopping = self._stops_pending > 0  # the user asked for a stop: no restart
        if not clean and self.auto_restart and not stopping and not startup_failed:
            delay = self.policy.record_crash(ran_for)
            if delay is None:
                new_state = "crash-loop"
                message = (
                    f"crash loop: {self.policy.max_crashes} crashes within "
                    f"{self.policy.window:g} s; not restarting until you start it again"
                )
        if taken is None:  # else _port_in_use has said it
            state.event_line(message, "info" if clean else "error")
        restarts = state.status.restarts + 1
        if delay is not None:
            state.event_line(f"restarting in {delay:g} s (restart #{restarts})")
        diagnosis = run.diagnosis
        if not clean and run.services_done.is_set():
            down = describe_down(run.services)
            if down:
                note = f"not accepting connections when it started: {down}"
                state.event_line(note, "warning")
                diagnosis = "\n".join(filter(None, [note, diagnosis]))
        with state.lock:
            state.set(
                new_state,
                exit_code=code,
                error=error,
                message=message,
                pid=None,
                reload_waiting=False,
                next_restart_in=delay,
                diagnosis=diagnosis,
                cause=cause,
            )
        if delay is not None:
            cancel = threading.Event()
            self._restart_cancel = cancel
            state.thread("restart", self._restart_later, cancel, delay, restarts)

    def _why_it_ended(
        self, run: Run, code: int, clean: bool, elsewhere: bool
    ) -> tuple[StopCause, str]:
        """(cause, the line that says it) for a root that exited without our ``stop``."""
        name = _signal_name(code)
        if elsewhere:
            how = "" if code != -signal.SIGKILL else " (it did not stop in time: killed)"
            return "elsewhere", f"stopped from elsewhere (asgideck stop){how}"
        if -code in _SENT_SIGNALS:
            return "outside", f"the server exited ({name}) — stopped from outside asgideck"
        if run.phase == "starting" and code != 0 and self._port_taken(run):
            return "port", f"port {run.spec.port} was taken by another process"
        if clean:
            return "exited", f"exited on its own (exit code {code})"
        return "", f"crashed with exit code {code}" + (f" ({name})" if code < 0 else "")

    def _port_taken(self, run: Run) -> bool:
        """The server failed to bind because another process took the port meanwhile."""
        tail = self._state.buffer.tail(100, run.first_seq)
        said = any(
            m in line.text.lower()
            for line in tail
            if line.stream != "event"
            for m in _PORT_TAKEN_MARKERS
        )
        return said and not is_port_free(run.spec.port, run.spec.host)

    def _errors_logged(self, run: Run) -> bool:
        """An ERROR line near the end (e.g. uvicorn: "Child process failed ... stopping")."""
        tail = self._state.buffer.tail(50, run.first_seq)
        return any(ln.stream != "event" and ln.level in ("ERROR", "CRITICAL") for ln in tail)

    def _error_text(self, run: Run, code: int) -> str:
        tail = self._state.buffer.tail(400, run.first_seq)
        excerpt = error_excerpt([ln.text for ln in tail if ln.stream != "event"])
        head = f"exit code {code}"
        if code is not None and code < 0:
            head += f" ({_signal_name(code)})"
        return f"{head}\n{excerpt}" if excerpt else head

    def _restart_later(self, cancel: threading.Event, delay: float, restarts: int) -> None:
        if self._restart_waiter(cancel, delay) or cancel.is_set():
            return
        state = self._state
        with state.op_lock:
            if cancel.is_set() or state.run is not None or self._stops_pending:
                return
            try:
                self._spawn(restarts=restarts)
            except PortInUse as exc:
                with state.lock:
                    state.set("crashed", error=str(exc), message="restart failed")
            except LaunchFailed:
                pass
