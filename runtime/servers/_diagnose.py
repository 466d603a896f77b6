"""Why a server does not come up: the services its profile points at, and what its
startup is waiting on.

``Diagnosis`` is held by the supervisor (the pre-start check) and its monitor (the
report when the startup is slow, and again when it gives up). Everything it finds
goes into the server's log as ``asgideck:`` lines, into ``Status.diagnosis`` and,
for a slow startup, a ``Notice``.
"""

from __future__ import annotations

import threading
import time

from asgideck.runtime.servers._launch import ServerSpec, connect_host
from asgideck.runtime.servers._services import (
    ServiceCheck,
    check_services,
    describe_down,
    service_targets,
)
from asgideck.runtime.servers._spawn import Run
from asgideck.runtime.servers._stall import (
    connect_frames,
    dump_with_py_spy,
    signal_for_dump,
    stack_excerpt,
    waiting_pids,
)
from asgideck.runtime.servers._supervisor_state import SupervisorState

__all__ = ["Diagnosis"]

#: How long the start waits for the service check before going on without it.
PRECHECK_WAIT = 0.3
#: How long a self-dump (faulthandler) may take to reach the log.
DUMP_WAIT = 2.0


class Diagnosis:
    def __init__(self, state: SupervisorState, *, service_timeout: float = 1.0) -> None:
        self.state = state
        self.service_timeout = service_timeout

    # -- before the start

    def start_service_check(self, spec: ServerSpec) -> tuple[list[ServiceCheck], threading.Event]:
        """Check the profile's services on a thread; waits ``PRECHECK_WAIT`` at most, so
        a refused local port (instant) is reported before the ``starting:`` line and a
        slow remote one later. Returns the list the thread fills and its done event."""
        own = {(connect_host(spec), spec.port), ("localhost", spec.port)}
        targets = [t for t in service_targets(spec.env) if (t.host, t.port) not in own]
        results: list[ServiceCheck] = []
        done = threading.Event()
        if not targets:
            done.set()
            return results, done

        def work() -> None:
            checks = check_services(targets, self.service_timeout)
            results.extend(checks)
            for check in checks:
                if not check.up:
                    self.state.event_line(check.describe(), "warning")
            down = describe_down(checks)
            if down:
                self.state.notice(f"not accepting connections: {down}", "warning")
            done.set()

        self.state.thread("services", work)
        done.wait(PRECHECK_WAIT)
        return results, done

    # -- while starting

    def report(self, run: Run, *, final: bool) -> str:
        """Capture the waiting startup's stack and name what it waits on; returns the
        one-line summary (the stack excerpt goes into ``run.diagnosis``)."""
        state = self.state
        run.tree.refresh()
        pids = waiting_pids(run.tree.pids) or [run.proc.pid]
        lines, how = self._stack(run, pids)
        excerpt = stack_excerpt(lines)
        down = describe_down(run.services) if run.services_done.is_set() else ""
        connecting = connect_frames(lines)
        elapsed = state.clock() - run.started
        head = f"not ready within {elapsed:.0f} s" if final else f"not ready after {elapsed:.0f} s"
        if down:
            head += f"; waiting on {down}, which is not accepting connections"
        elif connecting:
            head += f"; it is connecting: {connecting[0]}"
        if final:
            head += "; stopped"
        if not excerpt:
            how = "no stack: " + how
        diagnosis = "\n".join([head, f"stack ({how}):" if excerpt else how, *excerpt])
        run.diagnosis = diagnosis
        state.event_line(head, "error" if final else "warning")
        if how.startswith("py-spy"):
            for line in excerpt:  # faulthandler's dump is in the log already
                state.event_line(line)
        if not final:
            with state.lock:
                if state.run is run and run.phase == "starting" and not run.stopping:
                    state.set("starting", message=head, diagnosis=diagnosis)
            state.notice(diagnosis, "warning")
        return head

    def _stack(self, run: Run, pids: list[int]) -> tuple[list[str], str]:
        for pid in pids:
            text = dump_with_py_spy(pid)
            if text is not None:
                return text.splitlines(), f"py-spy dump --pid {pid}"
        buffer = self.state.buffer
        since = buffer.total
        sent = signal_for_dump(pids)
        if not sent:
            return [], "the process does not answer the stack signal and py-spy is not installed"
        deadline = time.monotonic() + DUMP_WAIT
        seen = 0
        quiet_since = time.monotonic()
        while time.monotonic() < deadline and not run.done.is_set():
            lines = [ln.text for ln in buffer.since(since) if ln.stream == "stderr"]
            if len(lines) != seen:
                seen, quiet_since = len(lines), time.monotonic()
            elif (
                any("most recent call first" in ln for ln in lines)
                and time.monotonic() - quiet_since >= 0.2
            ):
                break
            run.done.wait(0.05)
        lines = [ln.text for ln in buffer.since(since) if ln.stream == "stderr"]
        who = ", ".join(map(str, sent))
        return lines, f"faulthandler, pid {who}"
