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
import shlex
import signal
import sys
import threading
import time
from typing import NoReturn

from asgideck.runtime.logs import COALESCE_S, RunLog, Stream, count_status_classes, pump
from asgideck.runtime.logs import error_excerpt as _excerpt
from asgideck.runtime.secrets import MIN_MASKED_LENGTH
from asgideck.runtime.servers import _launch as launch
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.servers._events import (
    AlreadyRunning,
    LaunchFailed,
    Notice,
    PortInUse,
    ReloadDetected,
    ServerEvent,
    ServerState,
    StateChanged,
    Stats,
    StatsUpdated,
    Status,
)
from asgideck.runtime.servers._launch import ServerSpec
from asgideck.runtime.servers._monitor import SupervisorMonitor
from asgideck.runtime.servers._output import (
    APP_ERROR_MARKERS,
    READY_MARKERS,
    RELOAD_MARKERS,
    WORKER_MARKERS,
    lines_with,
    secret_masker,
)
from asgideck.runtime.servers._ports import is_port_free, next_free_port, port_holder
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._spawn import Run, create_time, popen_group

__all__ = [
    "APP_ERROR_MARKERS",
    "MIN_MASKED_LENGTH",
    "READY_MARKERS",
    "RELOAD_MARKERS",
    "WORKER_MARKERS",
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

_CLEAN_EXIT = {0, -signal.SIGTERM, -signal.SIGINT}


class Supervisor(SupervisorMonitor):
    """Runs one ``ServerSpec``: see the module docstring for threads and events.

    Status, locks and event delivery come from ``SupervisorCore``, the monitor
    thread from ``SupervisorMonitor``; this class starts, stops and watches runs.
    """

    #: ``stop`` calls under way (guarded by ``_lock``): a crash seen meanwhile is not restarted.
    _stops_pending: int = 0

    # -- public surface

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
        """SIGTERM the group, wait ``grace`` s, SIGKILL; verify the tree is gone, the port free.

        A crash handled while this call waits for the operation lock schedules no restart
        (``_stops_pending``), and any restart already scheduled is cancelled.
        """
        with self._lock:
            self._stops_pending += 1
        try:
            self._restart_cancel.set()
            with self._op_lock:
                # the watcher may have scheduled a restart (a new event) while we waited
                self._restart_cancel.set()
                return self._stop_locked(grace)
        finally:
            with self._lock:
                self._stops_pending -= 1

    def _stop_locked(self, grace: float) -> registry.EndResult:
        """``stop`` with the operation lock held."""
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
        result = run.tree.end(grace, port=(launch.connect_host(spec), spec.port), on_kill=killed)
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

    def close(self, grace: float = 5.0) -> None:
        """Stop the server (if any) and let the event thread finish."""
        self.stop(grace)
        with self._lock:
            dispatcher = self._dispatcher
        if dispatcher is not None:
            self._queue.put(None)
            dispatcher.join(2.0)

    # -- spawning

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
            proc = popen_group(args, spec, env)
        except OSError as exc:
            self._fail_launch(f"could not start {args[0]}: {exc}")
        ctime = create_time(proc.pid)
        pgid = proc.pid if sys.platform != "win32" else None
        run = Run(spec, proc, registry.ProcessTree(proc.pid, ctime, pgid=pgid, popen=proc))
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

    def _read(self, run: Run, fd: int, stream: Stream) -> None:
        pump(
            fd,
            stream,
            self.buffer,
            lambda text: self._inspect(run, text),
            transform=secret_masker(run.spec.env),
            # stdout carries the access log (one line per request): drain it in batches;
            # stderr (startup, errors, tracebacks) is read the moment it is written.
            coalesce_s=COALESCE_S if stream == "stdout" else 0.0,
        )

    def _inspect(self, run: Run, text: str) -> None:
        """Per chunk (already in the buffer): run log file, request counts, marker lines."""
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
                self._emit(ReloadDetected(line))
        if not run.stopping and any(m in text for m in WORKER_MARKERS):
            for line in lines_with(text, WORKER_MARKERS):
                if "Booting worker" not in line and "Started" not in line:
                    self._notice(line, "warning")

    # -- watching

    def _watch(self, run: Run) -> None:
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

    def _after_exit(self, run: Run, code: int) -> None:
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
        with self._lock:
            stopping = self._stops_pending > 0  # the user asked for a stop: no restart
        if not clean and self.auto_restart and not stopping:
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

    def _errors_logged(self, run: Run) -> bool:
        """An ERROR line near the end (e.g. uvicorn: "Child process failed ... stopping")."""
        tail = self.buffer.tail(50, run.first_seq)
        return any(ln.stream != "event" and ln.level in ("ERROR", "CRITICAL") for ln in tail)

    def _error_text(self, run: Run, code: int) -> str:
        lines = [ln.text for ln in self.buffer.tail(400, run.first_seq) if ln.stream != "event"]
        excerpt = _excerpt(lines)
        head = f"exit code {code}"
        if code is not None and code < 0:
            with contextlib.suppress(ValueError):
                head += f" ({signal.Signals(-code).name})"
        return f"{head}\n{excerpt}" if excerpt else head

    def _restart_later(self, cancel: threading.Event, delay: float, restarts: int) -> None:
        if self._restart_waiter(cancel, delay) or cancel.is_set():
            return
        with self._op_lock:
            if cancel.is_set() or self._run is not None or self._stops_pending:
                return
            try:
                self._spawn(restarts=restarts)
            except PortInUse as exc:
                with self._lock:
                    self._set("crashed", error=str(exc), message="restart failed")
            except LaunchFailed:
                pass
