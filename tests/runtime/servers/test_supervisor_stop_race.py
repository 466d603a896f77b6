"""A stop() racing the watcher's crash handling must not be followed by an automatic restart."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from asgideck.runtime.servers import Supervisor
from asgideck.runtime.servers import _registry as registry
from support.servers import make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

# exit code 1: a crash at start that restarting may fix (3, a startup failure, never restarts)
CRASH_AT_START = "import os\nos._exit(1)\n"


class CancelRequested(threading.Event):
    """The supervisor's restart-cancel event; tells the test when ``stop()`` has set it."""

    def __init__(self) -> None:
        super().__init__()
        self.requested = threading.Event()

    def set(self) -> None:
        super().set()
        self.requested.set()


class RacingClock:
    """A fake clock whose first reading on the watcher thread starts a racing ``stop()``.

    The watcher reads the clock first thing in ``_after_exit``, while it holds the
    operation lock; this makes ``stop()`` ask to cancel restarts right then, and
    lets the watcher go on only once it has (``stop()`` then waits for the lock).
    """

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []
        self.sup: Supervisor | None = None
        self.stopper: threading.Thread | None = None
        self.stop_requested = False

    def clock(self) -> float:
        sup = self.sup
        if (
            sup is not None
            and self.stopper is None
            and threading.current_thread().name == f"asgideck-{sup.id}-watch"
        ):
            cancel = CancelRequested()
            sup._restart_cancel = cancel
            stopper = threading.Thread(target=sup.stop, kwargs={"grace": 2.0})
            stopper.start()
            self.stopper = stopper  # only once started: the test joins it when it appears
            self.stop_requested = cancel.requested.wait(10)
        return self.now

    def waiter(self, cancel: threading.Event, seconds: float) -> bool:
        self.waits.append(seconds)
        self.now += seconds
        return cancel.is_set()


def test_stop_during_crash_handling_cancels_the_auto_restart(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", CRASH_AT_START, "dies")
    fake = RacingClock()
    sup = Supervisor(
        make_spec(root, "dies:app"),
        auto_restart=True,
        clock=fake.clock,
        restart_waiter=fake.waiter,
        log_to_file=False,
    )
    fake.sup = sup
    try:
        sup.start()
        assert wait_until(lambda: fake.stopper is not None, 20), "the crash was never handled"
        assert fake.stopper is not None
        fake.stopper.join(30)
        assert not fake.stopper.is_alive()
        assert fake.stop_requested
        restart_threads = lambda: [  # noqa: E731
            t for t in threading.enumerate() if t.name == f"asgideck-{sup.id}-restart"
        ]
        assert wait_until(lambda: not restart_threads(), 10)
        assert fake.waits == []  # no restart was even scheduled
        status = sup.status
        assert status.state == "stopped", status
        assert status.restarts == 0
        assert not sup.alive
        assert registry.entries() == []
    finally:
        sup.close(2.0)
