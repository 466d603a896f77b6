"""Watching a spawned server: readiness, a slow startup, an app that dies under
``--reload``, stats.

The monitor thread (``asgideck-<id>-monitor``) waits for readiness (the port
accepts a connection and its listener is in the run's own tree, plus the
startup-complete line where the server prints one before it can serve), samples
stats once a second, and in ``--reload`` mode notices when the app process dies
while the reloader lives on. A startup still
not ready after ``stall_after`` seconds gets its stack and the services it may
wait on reported (``Diagnosis``, on a thread of its own so readiness is still
seen meanwhile); one not ready after ``ready_timeout`` is stopped with that report.
"""

from __future__ import annotations

import time

import psutil

from asgideck.runtime.logs import error_excerpt
from asgideck.runtime.servers._diagnose import Diagnosis
from asgideck.runtime.servers._events import Stats, StatsUpdated
from asgideck.runtime.servers._launch import connect_host, url
from asgideck.runtime.servers._ports import listener_pids, port_accepts
from asgideck.runtime.servers._spawn import Run
from asgideck.runtime.servers._supervisor_state import SupervisorState

__all__ = ["Monitor"]


#: More lines than this since the last look: the server is printing, not stalled.
FLOODING_LINES = 1000
#: Looks (a second apart) a flood may postpone the stall report by: a stuck startup that
#: prints a traceback per retry floods forever, and still gets its stack reported.
MAX_POSTPONES = 5


class Monitor:
    """Watches each run of one supervisor; ``watch`` is the run's monitor thread."""

    def __init__(
        self,
        state: SupervisorState,
        diagnosis: Diagnosis,
        *,
        ready_timeout: float,
        marker_grace: float,
        stall_after: float,
    ):
        self.state = state
        self.diagnosis = diagnosis
        self.ready_timeout = ready_timeout
        self.marker_grace = marker_grace
        self.stall_after = stall_after

    def watch(self, run: Run) -> None:
        spec = run.spec
        host = connect_host(spec)
        single = not spec.reload and (spec.workers or 1) == 1
        # The port accepting is enough where it opens only once the app has started:
        # uvicorn in one process, Hypercorn in one, Granian and Daphne (measured).
        direct = (spec.kind in ("uvicorn", "hypercorn") and single) or spec.kind in (
            "granian",
            "daphne",
        )
        # real time for deadlines and cadence; ``state.clock`` is for backoff and uptime
        deadline = time.monotonic() + self.ready_timeout
        stall_at = time.monotonic() + self.stall_after
        printed_at_stall = self.state.buffer.last_seq  # newest line when last looked
        postponed = 0
        port_since: float | None = None
        marks_at_wait = errors_at_wait = 0
        missing = 0
        next_stats = time.monotonic() + 1.0
        last_requests, last_time = 0, time.monotonic()
        while not run.done.is_set():
            now = time.monotonic()
            if run.phase == "starting":
                if port_accepts(host, spec.port, 0.2) and self._listener_is_ours(run):
                    port_since = port_since if port_since is not None else now
                    if direct or run.ready_marks or now - port_since >= self.marker_grace:
                        self._mark_running(run, direct or run.ready_marks > 0)
                        continue
                if now >= deadline and run.phase == "starting":
                    self._not_ready(run)
                    return
                if now >= stall_at and run.phase == "starting":
                    printed = self.state.buffer.last_seq
                    if printed - printed_at_stall > FLOODING_LINES and postponed < MAX_POSTPONES:
                        # A flood of output: not stuck. The dump's signal would interrupt a
                        # large buffered write, and CPython 3.11 drops the rest of it. (A
                        # line now and then, like a retry loop's, still gets its stack.)
                        printed_at_stall, stall_at = printed, now + 1.0
                        postponed += 1
                    else:
                        stall_at = deadline + 1.0  # once
                        self.state.thread("stall", self._stalled, run)
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

    def _listener_is_ours(self, run: Run) -> bool:
        """The process listening on the port is in this run's tree (not another server that
        took the port between asgideck's check and this server's bind). When the OS does
        not say who listens, the port accepting has to do."""
        pids = listener_pids(run.spec.port)
        visible = {pid for pid in pids if pid is not None}
        if not visible:
            return True
        run.tree.refresh()
        return bool(visible.intersection(run.tree.pids))

    def _mark_running(self, run: Run, marker_seen: bool) -> None:
        with self.state.lock:
            if run.stopping or run.done.is_set() or self.state.run is not run:
                return
            run.phase = "running"
            run.ready_at = self.state.clock()
            run.diagnosis = None  # a slow start that came up: what it waited on is history
            self.state.set(
                "running",
                message=f"running on {url(run.spec)}",
                error=None,
                reload_waiting=False,
                diagnosis=None,
            )
        if not marker_seen:
            self.state.notice(
                "no startup-complete line seen, but the port accepts connections", "info"
            )
        self.state.event_line(f"running on {url(run.spec)}")

    def _stalled(self, run: Run) -> None:
        if run.phase == "starting" and not run.stopping and not run.done.is_set():
            self.diagnosis.report(run, final=False)

    def _not_ready(self, run: Run) -> None:
        """Give up: report what the startup waits on (with its stack), then stop the tree.

        The exit code of a tree asgideck ended is not the app's: the status says
        "not ready" and carries no exit code.
        """
        head = self.diagnosis.report(run, final=True)
        if not self.state.take_op_lock(run):
            return
        try:
            if run.finished or run.stopping:
                return
            run.stopping = True
            run.tree.end(2.0)
            self.state.finish(run, unregister_entry=True)
            with self.state.lock:
                self.state.set(
                    "crashed",
                    error=run.diagnosis or head,
                    exit_code=None,
                    message="not ready",
                    pid=None,
                    diagnosis=run.diagnosis,
                    cause="not-ready",
                )
        finally:
            self.state.op_lock.release()

    def _app_child_alive(self, run: Run) -> bool:
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

    def _app_died(self, run: Run) -> None:
        """--reload: the app process died; the reloader waits for a file change."""
        with self.state.lock:
            if run.stopping or run.done.is_set() or self.state.run is not run:
                return
            run.phase = "waiting"
        error = error_excerpt(
            [ln.text for ln in self.state.buffer.tail(400, run.first_seq) if ln.stream != "event"]
        )
        self.state.event_line(
            "the app process exited; the reloader waits for a file change "
            "(it keeps the port: requests wait until a file is saved or the server restarts)",
            "error",
        )
        with self.state.lock:
            if run.stopping:
                return
            self.state.set(
                "crashed",
                error=error,
                reload_waiting=True,
                message="app exited; waiting for a file change (requests wait; Restart to go on)",
            )

    def _sample(self, run: Run, last_requests: int, last_time: float) -> tuple[int, float]:
        run.tree.refresh()
        sample = run.tree.sample()
        now = time.monotonic()
        with run.lock:
            total, counts = run.requests, dict(run.counts)
        rate = (total - last_requests) / max(1e-6, now - last_time)
        base = run.ready_at if run.ready_at is not None else run.started
        stats = Stats(
            uptime=max(0.0, self.state.clock() - base),
            cpu_percent=sample.cpu_percent,
            rss=sample.rss,
            processes=sample.processes,
            workers=sample.workers,
            requests_total=total,
            requests_per_s=rate,
            status_counts=counts,
        )
        self.state.stats = stats
        if run.log is not None:
            run.log.flush()
        self.state.emit(StatsUpdated(stats))
        return total, now
