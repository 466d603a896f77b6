"""One supervised server process: start, ready, stop the whole tree, crash/backoff, stats.

Threads per run (all daemons, named ``asgideck-<id>-...``):

- two readers drain stdout/stderr with ``os.read(fd, 65536)`` into the
  ``LogBuffer`` (and the run's capped log file);
- a watcher blocks in ``Popen.wait()``, so a crash is seen the moment it happens;
- a monitor waits for readiness (the port accepts a connection, plus the
  startup-complete line where the server prints one before it can serve),
  samples stats once a second, and in ``--reload`` mode notices when the app
  process dies while the reloader lives on.

Events (``StateChanged``, ``ReloadDetected``, ``StatsUpdated``, ``Notice``)
are delivered **in order on one event thread per supervisor**
(``asgideck-<id>-events``), never on the caller's thread; a handler may call
``start``/``stop``. The GUI bridge moves them to the Qt main thread.

``start`` returns once the process is spawned (readiness arrives as an
event; ``wait_for`` blocks for it). ``stop`` blocks until the tree is gone
(grace + a few seconds at most): call it off the GUI thread.
"""

from __future__ import annotations

import contextlib
import queue
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal, NoReturn
from urllib.parse import urlsplit

import psutil

from runtime import launch, registry
from runtime.events import Event
from runtime.launch import ServerSpec
from runtime.logs import LogBuffer, RunLog, Stream, count_status_classes, pump
from runtime.logs import error_excerpt as _excerpt
from runtime.ports import Holder, is_port_free, next_free_port, port_accepts, port_holder
from runtime.secrets import MASK, is_secret_key

__all__ = [
    "AlreadyRunning",
    "LaunchFailed",
    "Notice",
    "PortInUse",
    "ReloadDetected",
    "RestartPolicy",
    "ServerEvent",
    "ServerState",
    "StateChanged",
    "Stats",
    "StatsUpdated",
    "Status",
    "Supervisor",
]

ServerState = Literal["stopped", "starting", "running", "stopping", "crashed", "crash-loop"]

READY_MARKERS = (
    "Application startup complete.",
    "ASGI 'lifespan' protocol appears unsupported.",
    "ASGI server listening on",  # gunicorn's native asgi worker
)
RELOAD_MARKERS = ("Reloading...", "detected changes in", "Detected changes in")
APP_ERROR_MARKERS = (
    "Traceback (most recent call last)",
    "Error loading ASGI app",
    "startup failed",
)
WORKER_MARKERS = ("Worker (pid:", "WORKER TIMEOUT", "Child process [")
_CLEAN_EXIT = {0, -signal.SIGTERM, -signal.SIGINT}


# --------------------------------------------------------------------------- errors


class AlreadyRunning(RuntimeError):
    pass


class LaunchFailed(RuntimeError):
    """The process could not be spawned (missing interpreter or project folder)."""


class PortInUse(RuntimeError):
    """The port is taken; names the holder and suggests the next free port."""

    def __init__(
        self,
        host: str,
        port: int,
        holder: Holder | None,
        suggestion: int | None,
        entry: registry.Entry | None = None,
    ) -> None:
        self.host, self.port, self.holder = host, port, holder
        self.suggestion, self.entry = suggestion, entry
        who = holder.describe() if holder is not None else "another process"
        text = f"Port {port} on {host} is in use by {who}."
        if entry is not None:
            text += f" It is a server asgideck started earlier ({entry.describe()}): stop it first."
        if suggestion is not None:
            text += f" Port {suggestion} is free."
        super().__init__(text)


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class Status:
    """A snapshot of the server. ``version`` grows with every change."""

    state: ServerState = "stopped"
    pid: int | None = None
    url: str | None = None
    exit_code: int | None = None
    error: str | None = None
    message: str = ""
    started_at: float | None = None  # wall clock
    restarts: int = 0
    reload_waiting: bool = False  # --reload: the app died, the reloader waits for a change
    next_restart_in: float | None = None
    version: int = 0


@dataclass(frozen=True)
class Stats:
    uptime: float
    cpu_percent: float
    rss: int
    processes: int
    workers: int
    requests_total: int
    requests_per_s: float
    status_counts: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class StateChanged:
    status: Status
    previous: ServerState


@dataclass(frozen=True)
class ReloadDetected:
    text: str


@dataclass(frozen=True)
class StatsUpdated:
    stats: Stats


@dataclass(frozen=True)
class Notice:
    text: str
    level: Literal["info", "warning", "error"] = "info"


ServerEvent = StateChanged | ReloadDetected | StatsUpdated | Notice


# --------------------------------------------------------------------------- restart policy


class RestartPolicy:
    """Backoff 1, 2, 4 ... 30 s between automatic restarts; 5 crashes in 60 s is a crash loop.

    A run that stayed up ``stable_after`` seconds resets the backoff.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.monotonic,
        *,
        window: float = 60.0,
        max_crashes: int = 5,
        base: float = 1.0,
        cap: float = 30.0,
        stable_after: float = 60.0,
    ) -> None:
        self.clock = clock
        self.window, self.max_crashes = window, max_crashes
        self.base, self.cap, self.stable_after = base, cap, stable_after
        self._crashes: deque[float] = deque()
        self._consecutive = 0

    def reset(self) -> None:
        self._crashes.clear()
        self._consecutive = 0

    def record_crash(self, ran_for: float) -> float | None:
        """Delay before the next restart, or None: crash loop, stop trying."""
        now = self.clock()
        if ran_for >= self.stable_after:
            self._consecutive = 0
        self._consecutive += 1
        self._crashes.append(now)
        while self._crashes and self._crashes[0] <= now - self.window:
            self._crashes.popleft()
        if len(self._crashes) >= self.max_crashes:
            return None
        return float(min(self.cap, self.base * 2 ** (self._consecutive - 1)))


def _event_wait(event: threading.Event, seconds: float) -> bool:
    return event.wait(seconds)


# --------------------------------------------------------------------------- one run


class _Run:
    """Everything about one spawned process tree."""

    def __init__(self, spec: ServerSpec, proc: subprocess.Popen[bytes], tree: registry.ProcessTree):
        self.spec = spec
        self.proc = proc
        self.tree = tree
        self.entry: registry.Entry | None = None
        self.log: RunLog | None = None
        self.first_seq = 0
        self.started = 0.0
        self.ready_at: float | None = None
        self.phase: Literal["starting", "running", "waiting"] = "starting"
        self.stopping = False
        self.finished = False
        self.done = threading.Event()  # ends the monitor
        self.kick = threading.Event()  # a marker line arrived: look now
        self.ready_marks = 0
        self.error_marks = 0
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.requests = 0
        self.readers: list[threading.Thread] = []
        self.helpers: list[threading.Thread] = []  # watcher and monitor


# --------------------------------------------------------------------------- supervisor


class Supervisor:
    """Runs one ``ServerSpec``: see the module docstring for threads and events."""

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
        self._run: _Run | None = None
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

    def start(self) -> None:
        """Check the port, spawn the server; readiness is reported through events.

        Raises ``PortInUse``, ``AlreadyRunning`` or ``LaunchFailed``.
        """
        with self._op_lock:
            with self._lock:
                if self._run is not None:
                    raise AlreadyRunning(f"{self._label()} is already {self._status.state}")
            self._restart_cancel.set()
            self.policy.reset()
            self._spawn(restarts=0)

    def stop(self, grace: float = 5.0) -> registry.EndResult:
        """SIGTERM the group, wait ``grace`` s, SIGKILL; verify the tree is gone, the port free."""
        self._restart_cancel.set()
        with self._op_lock:
            with self._lock:
                run = self._run
                if run is None:
                    if self._status.state != "stopped":
                        self._set("stopped", message="stopped", error=None, next_restart_in=None)
                    return registry.EndResult()
                run.stopping = True
                self._set("stopping", message=f"stopping (grace {grace:g} s)")
            self._event_line(f"stopping: SIGTERM to process group {run.tree.pgid or run.proc.pid}")

            def killed(pids: list[int]) -> None:
                self._event_line(f"still running after {grace:g} s: SIGKILL to {pids}", "warning")

            spec = run.spec
            result = run.tree.end(
                grace, port=(launch.connect_host(spec), spec.port), on_kill=killed
            )
            code = run.proc.poll()
            self._finish(run, unregister=not result.survivors)
            error = None
            if result.survivors:
                error = f"processes survived SIGKILL: {', '.join(map(str, result.survivors))}"
            elif not result.port_free:
                holder = port_holder(spec.port, spec.host)
                who = holder.describe() if holder else "another process"
                error = f"port {spec.port} is still in use by {who}"
            how = "killed" if result.killed else "stopped"
            self._event_line(f"{how} (exit code {code})" + (f"; {error}" if error else ""))
            with self._lock:
                self._set("stopped", exit_code=code, error=error, message=how, pid=None)
            return result

    def restart(self, grace: float = 5.0, spec: ServerSpec | None = None) -> None:
        with self._op_lock:
            self.stop(grace)
            if spec is not None:
                self.spec = spec
            self.start()

    def flush_events(self, timeout: float = 5.0) -> bool:
        """Block until every event queued so far has been delivered (False on timeout)."""
        done = threading.Event()
        self._queue.put(done)
        self._ensure_dispatcher()
        return done.wait(timeout)

    def close(self, grace: float = 5.0) -> None:
        """Stop the server (if any) and let the event thread finish."""
        self.stop(grace)
        with self._lock:
            dispatcher = self._dispatcher
        if dispatcher is not None:
            self._queue.put(None)
            dispatcher.join(2.0)

    # -- spawning

    def _label(self) -> str:
        return self.name or f"{self._spec.kind} :{self._spec.port}"

    def _spawn(self, restarts: int) -> None:
        spec = self._spec
        if not spec.root.is_dir():
            self._fail_launch(f"project folder not found: {spec.root}")
        if not spec.python.exists():
            self._fail_launch(f"interpreter not found: {spec.python}")
        if not is_port_free(spec.port, spec.host):
            raise self._port_in_use(spec)
        args = launch.argv(spec, self._features)
        env = launch.child_env(spec)
        with self._lock:
            self._set(
                "starting",
                pid=None,
                url=launch.url(spec),
                exit_code=None,
                error=None,
                message="starting",
                started_at=time.time(),
                restarts=restarts,
                reload_waiting=False,
                next_restart_in=None,
            )
        first_seq = self._event_line(f"starting: {shlex.join(args)}  (in {spec.root})")
        try:
            proc = _popen(args, spec, env)
        except OSError as exc:
            self._fail_launch(f"could not start {args[0]}: {exc}")
        ctime = _ctime(proc.pid)
        pgid = proc.pid if sys.platform != "win32" else None
        run = _Run(spec, proc, registry.ProcessTree(proc.pid, ctime, pgid=pgid, popen=proc))
        run.first_seq = first_seq
        run.started = self.clock()
        with self._lock:  # from here on stop() can end it, whatever happens next
            self._run = run
            self._set("starting", pid=proc.pid, message=f"starting (pid {proc.pid})")
        entry = registry.Entry(
            id=self.id,
            pid=proc.pid,
            create_time=ctime or time.time(),
            argv=tuple(args),
            port=spec.port,
            host=spec.host,
            root=str(spec.root),
            kind=spec.kind,
            started_at=time.time(),
            pgid=pgid,
            name=self.name,
        )
        try:
            registry.register(entry)
            run.entry = entry
        except OSError as exc:
            self._notice(f"could not record the server in the state file: {exc}", "warning")
        if self.log_to_file:
            try:
                run.log = RunLog.create(f"{self.name or spec.kind}-{spec.port}")
            except OSError as exc:
                self._notice(f"no log file for this run: {exc}", "warning")
            else:
                if run.log.error is not None:
                    self._notice(f"no log file for this run: {run.log.error}", "warning")
        assert proc.stdout is not None and proc.stderr is not None
        for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            reader = self._thread(f"{stream}", self._read, run, pipe.fileno(), stream)
            run.readers.append(reader)
        run.helpers = [
            self._thread("watch", self._watch, run),
            self._thread("monitor", self._monitor, run),
        ]

    def _thread(self, what: str, target: Callable[..., None], *args: object) -> threading.Thread:
        thread = threading.Thread(
            target=target, args=args, name=f"asgideck-{self.id}-{what}", daemon=True
        )
        thread.start()
        return thread

    def _fail_launch(self, message: str) -> NoReturn:
        with self._lock:
            self._set("crashed", error=message, message="could not start", pid=None)
        self._event_line(message, "error")
        raise LaunchFailed(message)

    def _port_in_use(self, spec: ServerSpec) -> PortInUse:
        holder = port_holder(spec.port, spec.host)
        entry = None
        if holder is not None and holder.pid is not None:
            entry = registry.entry_holding(holder.pid)
        try:
            suggestion: int | None = next_free_port(spec.port + 1, spec.host)
        except OSError:
            suggestion = None
        error = PortInUse(spec.host, spec.port, holder, suggestion, entry)
        self._event_line(str(error), "error")
        return error

    # -- reading

    def _read(self, run: _Run, fd: int, stream: Stream) -> None:
        pump(
            fd,
            stream,
            self.buffer,
            lambda text: self._inspect(run, text),
            transform=_masker(run.spec.env),
        )

    def _inspect(self, run: _Run, text: str) -> None:
        """Per chunk (already in the buffer): run log file, request counts, marker lines."""
        if run.log is not None:
            run.log.write(text)
        if "HTTP/" in text:
            with run.lock:
                run.requests += count_status_classes(text, run.counts)
        ready = any(m in text for m in READY_MARKERS)
        failed = any(m in text for m in APP_ERROR_MARKERS)
        if ready or failed:
            with run.lock:
                run.ready_marks += ready
                run.error_marks += failed
            run.kick.set()
        if any(m in text for m in RELOAD_MARKERS):
            for line in _lines_with(text, RELOAD_MARKERS):
                self._emit(ReloadDetected(line))
        if not run.stopping and any(m in text for m in WORKER_MARKERS):
            for line in _lines_with(text, WORKER_MARKERS):
                if "Booting worker" not in line and "Started" not in line:
                    self._notice(line, "warning")

    # -- watching

    def _watch(self, run: _Run) -> None:
        code = run.proc.wait()
        run.done.set()
        with self._lock:
            if run.stopping or run.finished:
                return
        for reader in run.readers:
            reader.join(0.5)
        if not self._take_op_lock(run):
            return
        try:
            with self._lock:
                if run.stopping or run.finished or self._run is not run:
                    return
            self._after_exit(run, code)
        finally:
            self._op_lock.release()

    def _take_op_lock(self, run: _Run) -> bool:
        """For the run's own threads: wait for the operation lock unless a stop takes over."""
        while not self._op_lock.acquire(timeout=0.05):
            if run.stopping or run.finished:
                return False
        return True

    def _after_exit(self, run: _Run, code: int) -> None:
        """The root exited on its own: clean up leftovers, classify, maybe restart."""
        ran_for = self.clock() - (run.ready_at if run.ready_at is not None else run.started)
        clean = run.phase == "running" and (
            code in _CLEAN_EXIT and (code != 0 or not self._errors_logged(run))
        )
        error = None if clean else self._error_text(run, code)
        result = run.tree.end(0.5)  # workers that outlived their parent
        if result.survivors:
            self._notice(f"processes survived: {result.survivors}", "error")
        self._finish(run, unregister=not result.survivors)
        delay = None
        state: ServerState = "stopped" if clean else "crashed"
        message = f"{'exited' if clean else 'crashed'} with exit code {code}"
        if not clean and self.auto_restart:
            delay = self.policy.record_crash(ran_for)
            if delay is None:
                state = "crash-loop"
                message = (
                    f"crash loop: {self.policy.max_crashes} crashes within "
                    f"{self.policy.window:g} s; not restarting until you start it again"
                )
        self._event_line(message, "info" if clean else "error")
        restarts = self._status.restarts + 1
        if delay is not None:
            self._event_line(f"restarting in {delay:g} s (restart #{restarts})")
        with self._lock:
            self._set(
                state,
                exit_code=code,
                error=error,
                message=message,
                pid=None,
                reload_waiting=False,
                next_restart_in=delay,
            )
        if delay is not None:
            cancel = threading.Event()
            self._restart_cancel = cancel
            self._thread("restart", self._restart_later, cancel, delay, restarts)

    def _errors_logged(self, run: _Run) -> bool:
        """An ERROR line near the end (e.g. uvicorn: "Child process failed ... stopping")."""
        tail = self.buffer.tail(50, run.first_seq)
        return any(ln.stream != "event" and ln.level in ("ERROR", "CRITICAL") for ln in tail)

    def _error_text(self, run: _Run, code: int) -> str:
        lines = [ln.text for ln in self.buffer.tail(400, run.first_seq) if ln.stream != "event"]
        excerpt = _excerpt(lines)
        head = f"exit code {code}"
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                head += f" ({signal.Signals(-code).name})"
        return f"{head}\n{excerpt}" if excerpt else head

    def _finish(self, run: _Run, unregister: bool) -> None:
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

    def _restart_later(self, cancel: threading.Event, delay: float, restarts: int) -> None:
        if self._restart_waiter(cancel, delay) or cancel.is_set():
            return
        with self._op_lock:
            if cancel.is_set() or self._run is not None:
                return
            try:
                self._spawn(restarts=restarts)
            except PortInUse as exc:
                with self._lock:
                    self._set("crashed", error=str(exc), message="restart failed")
            except LaunchFailed:
                pass

    # -- monitoring

    def _monitor(self, run: _Run) -> None:
        spec = run.spec
        host = launch.connect_host(spec)
        direct = spec.kind == "uvicorn" and not spec.reload and (spec.workers or 1) == 1
        # real time for deadlines and cadence; ``self.clock`` is for backoff and uptime
        deadline = time.monotonic() + self.ready_timeout
        port_since: float | None = None
        marks_at_wait = errors_at_wait = 0
        missing = 0
        next_stats = time.monotonic() + 1.0
        last_requests, last_time = 0, time.monotonic()
        while not run.done.is_set():
            now = time.monotonic()
            if run.phase == "starting":
                if port_accepts(host, spec.port, 0.2):
                    port_since = port_since if port_since is not None else now
                    if direct or run.ready_marks or now - port_since >= self.marker_grace:
                        self._mark_running(run, direct or run.ready_marks > 0)
                        continue
                if now >= deadline and run.phase == "starting":
                    self._not_ready(run)
                    return
            if spec.reload:
                alive = self._app_child_alive(run)
                missing = 0 if alive else missing + 1
                if run.phase != "waiting" and missing >= 2 and (run.error_marks or run.ready_marks):
                    marks_at_wait, errors_at_wait = run.ready_marks, run.error_marks
                    self._app_died(run)
                elif run.phase == "waiting":
                    if run.ready_marks > marks_at_wait and alive:
                        self._mark_running(run, True)
                    elif run.error_marks > errors_at_wait and missing >= 2:
                        errors_at_wait = run.error_marks
                        self._app_died(run)
            if now >= next_stats:
                last_requests, last_time = self._sample(run, last_requests, last_time)
                next_stats = now + 1.0
            run.kick.wait(0.05 if run.phase == "starting" else 0.25)
            run.kick.clear()

    def _mark_running(self, run: _Run, marker_seen: bool) -> None:
        with self._lock:
            if run.stopping or run.done.is_set() or self._run is not run:
                return
            run.phase = "running"
            run.ready_at = self.clock()
            self._set(
                "running",
                message=f"running on {launch.url(run.spec)}",
                error=None,
                reload_waiting=False,
            )
        if not marker_seen:
            self._notice("no startup-complete line seen, but the port accepts connections", "info")
        self._event_line(f"running on {launch.url(run.spec)}")

    def _not_ready(self, run: _Run) -> None:
        text = (
            f"not ready within {self.ready_timeout:g} s (port {run.spec.port} never became ready)"
        )
        self._event_line(text + "; stopping it", "error")
        if not self._take_op_lock(run):
            return
        try:
            if run.finished or run.stopping:
                return
            run.stopping = True
            run.tree.end(2.0)
            code = run.proc.poll()
            self._finish(run, unregister=True)
            with self._lock:
                self._set("crashed", error=text, exit_code=code, message="not ready", pid=None)
        finally:
            self._op_lock.release()

    def _app_child_alive(self, run: _Run) -> bool:
        try:
            children = psutil.Process(run.proc.pid).children()
        except psutil.Error:
            return False
        for child in children:
            try:
                if child.status() == psutil.STATUS_ZOMBIE:
                    continue
                if any("resource_tracker" in part for part in child.cmdline()):
                    continue
            except psutil.Error:
                continue
            return True
        return False

    def _app_died(self, run: _Run) -> None:
        """--reload: the app process died; the reloader waits for a file change."""
        with self._lock:
            if run.stopping or run.done.is_set() or self._run is not run:
                return
            run.phase = "waiting"
        error = _excerpt(
            [ln.text for ln in self.buffer.tail(400, run.first_seq) if ln.stream != "event"]
        )
        self._event_line("the app process exited; the reloader waits for a file change", "error")
        with self._lock:
            if run.stopping:
                return
            self._set(
                "crashed",
                error=error,
                reload_waiting=True,
                message="app exited; waiting for a file change (reload)",
            )

    def _sample(self, run: _Run, last_requests: int, last_time: float) -> tuple[int, float]:
        run.tree.refresh()
        sample = run.tree.sample()
        now = time.monotonic()
        with run.lock:
            total, counts = run.requests, dict(run.counts)
        rate = (total - last_requests) / max(1e-6, now - last_time)
        base = run.ready_at if run.ready_at is not None else run.started
        stats = Stats(
            uptime=max(0.0, self.clock() - base),
            cpu_percent=sample.cpu_percent,
            rss=sample.rss,
            processes=sample.processes,
            workers=sample.workers,
            requests_total=total,
            requests_per_s=rate,
            status_counts=counts,
        )
        self._stats = stats
        if run.log is not None:
            run.log.flush()
        self._emit(StatsUpdated(stats))
        return total, now

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


#: Shorter secret values are not masked in logs (they would hide ordinary words).
MIN_MASKED_LENGTH = 6


def _masker(env: Mapping[str, str]) -> Callable[[str], str] | None:
    """Replace the profile's secret values (and URL passwords) wherever the server prints them."""
    values = {v for k, v in env.items() if is_secret_key(k)}
    for value in env.values():
        if "://" in value:
            with contextlib.suppress(ValueError):
                password = urlsplit(value).password
                if password:
                    values.add(password)
    secrets = sorted((v for v in values if len(v) >= MIN_MASKED_LENGTH), key=len, reverse=True)
    if not secrets:
        return None

    def mask(text: str) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    return mask


def _lines_with(text: str, markers: Iterable[str]) -> list[str]:
    return [line for line in text.split("\n") if any(m in line for m in markers)]


def _ctime(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _popen(args: list[str], spec: ServerSpec, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """POSIX: a new session (its own process group); Windows: a new process group."""
    common: dict[str, Any] = {
        "cwd": spec.root,
        "env": env,
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "bufsize": 0,
    }
    if sys.platform == "win32":
        return subprocess.Popen(args, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **common)
    return subprocess.Popen(args, start_new_session=True, **common)
