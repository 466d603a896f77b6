"""Automatic restarts with backoff, the crash loop, and cancelling a pending restart."""

from __future__ import annotations

import threading
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import ServerEvent, StateChanged, Supervisor
from asgideck.runtime.servers import _registry as registry
from support.servers import make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

# exit code 1: a crash at start that restarting may fix (3, a startup failure, never restarts)
CRASH_AT_START = "import os\nos._exit(1)\n"


class FakeTime:
    """A clock that only moves when the restart waiter 'waits'."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def waiter(self, cancel: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return cancel.is_set()


def test_crashing_at_start_backs_off_then_reports_a_crash_loop(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", CRASH_AT_START, "dies")
    fake = FakeTime()
    events: list[ServerEvent] = []
    sup = Supervisor(
        make_spec(root, "dies:app"),
        auto_restart=True,
        clock=fake.clock,
        restart_waiter=fake.waiter,
        on_event=events.append,
    )
    sup.start()
    status = sup.wait_for("crash-loop", timeout=30)
    assert status.state == "crash-loop"
    assert fake.waits == [1.0, 2.0, 4.0, 8.0]
    assert status.restarts == 4
    assert "crash loop: 5 crashes within 60 s" in status.message
    assert status.exit_code == 1
    assert registry.entries() == []
    assert sup.flush_events()
    crashed = [e.status for e in events if isinstance(e, StateChanged)]
    assert [s.next_restart_in for s in crashed if s.state == "crashed"] == [1.0, 2.0, 4.0, 8.0]
    assert any("restarting in 4 s (restart #3)" in ln.text for ln in sup.buffer.snapshot())
    sup.stop()
    assert sup.state == "stopped"


def test_crash_while_running_restarts_and_serves_again(tmp_path: Path) -> None:
    spec = make_spec(write_app(tmp_path / "proj"))
    fake = FakeTime()
    sup = Supervisor(spec, auto_restart=True, clock=fake.clock, restart_waiter=fake.waiter)
    sup.start()
    try:
        assert sup.wait_for("running", timeout=20).state == "running"
        first_pid = sup.status.pid
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{spec.port}/crash")
        assert wait_until(lambda: sup.status.restarts == 1 and sup.state == "running", 20)
        assert sup.status.pid != first_pid
        assert fake.waits == [1.0]
        assert httpx.get(f"http://127.0.0.1:{spec.port}/").status_code == 200
        assert [e.id for e in registry.alive_entries()] == [sup.id]
    finally:
        sup.stop()


def test_stop_cancels_a_pending_restart(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", CRASH_AT_START, "dies")
    sup = Supervisor(make_spec(root, "dies:app"), auto_restart=True)  # real 1 s backoff
    sup.start()
    status = sup.wait_for("crashed", timeout=20)
    assert status.next_restart_in == 1.0
    sup.stop()
    assert sup.state == "stopped"
    restart_threads = lambda: [  # noqa: E731
        t for t in threading.enumerate() if t.name == f"asgideck-{sup.id}-restart"
    ]
    assert wait_until(lambda: not restart_threads(), 5)
    assert sup.state == "stopped" and sup.status.restarts == 0
    assert registry.entries() == []


def test_manual_start_resets_the_crash_history(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", CRASH_AT_START, "dies")
    fake = FakeTime()
    sup = Supervisor(
        make_spec(root, "dies:app"), auto_restart=True, clock=fake.clock, restart_waiter=fake.waiter
    )
    sup.start()
    assert sup.wait_for("crash-loop", timeout=30).state == "crash-loop"
    fake.waits.clear()
    sup.start()  # the user tries again: a fresh backoff
    assert sup.wait_for("crash-loop", timeout=30).state == "crash-loop"
    assert fake.waits == [1.0, 2.0, 4.0, 8.0]
    sup.stop()
