"""The slow-startup report waits while a starting server is still printing, and still comes
for one that is silent.

The report asks the server for its stack with a signal. A signal that lands in a large
buffered ``sys.stdout.buffer.write`` makes CPython 3.11 drop the rest of that write, so
a server that floods its output while starting (an app logging its settings, a migration
printing every row) would lose lines to asgideck's own question. Output arriving means
the startup is not stuck: the monitor asks again a second later.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path

import pytest

from asgideck.runtime.servers import Notice, ServerEvent, Supervisor
from asgideck.runtime.servers import _diagnose as diagnose
from asgideck.runtime.servers import _monitor as monitor
from support.servers import TINY_APP, assert_tree_gone, make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

STALL_AFTER = 0.5
#: how long the stand-in floods before it lets uvicorn listen: several stall periods
FLOOD_S = 4 * STALL_AFTER
CHUNK = 10_000

#: imported by uvicorn before it listens: numbered lines, 10,000 per buffered write (each
#: larger than a pipe holds, so the write blocks while asgideck reads), one every
#: ``PACE_S`` (the volume stays small enough to check line by line)
PACE_S = 0.05
FLOOD_APP = f"""\
import sys
import time

_out = sys.stdout.buffer
_end = time.monotonic() + {FLOOD_S!r}
_sent = 0
while _sent == 0 or time.monotonic() < _end:
    _out.write(b"".join(b"%07d flood\\n" % i for i in range(_sent, _sent + {CHUNK})))
    _out.flush()
    _sent += {CHUNK}
    time.sleep({PACE_S!r})
_out.write(b"flood done %d\\n" % _sent)
_out.flush()

from tiny import app  # noqa: E402,F401
"""

#: imported by uvicorn, prints nothing and never returns: the server never listens
SILENT_APP = """\
import threading

threading.Event().wait()
"""

#: imported by uvicorn: floods forever (a retry loop printing a traceback each time) and
#: never returns, so the server never listens
ENDLESS_FLOOD_APP = f"""\
import sys
import time

_out = sys.stdout.buffer
_sent = 0
while True:
    _out.write(b"".join(b"%07d retry failed\\n" % i for i in range(_sent, _sent + 2000)))
    _out.flush()
    _sent += 2000
    time.sleep({PACE_S!r})
"""


class Seen:
    """What the supervisor's tap passed on (stdout chunks), and when the stack was asked."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stdout: list[str] = []
        self.flood_done = False
        self.asked_while_flooding = 0
        self.asked = 0
        self.notices: list[str] = []

    def tap(self, stream: str, text: str) -> None:
        if stream != "stdout":
            return
        with self.lock:
            self.stdout.append(text)
            self.flood_done = self.flood_done or "flood done " in text

    def on_event(self, event: ServerEvent) -> None:
        if isinstance(event, Notice):
            with self.lock:
                self.notices.append(event.text)

    def count_asks(
        self, real: Callable[[Iterable[int]], list[int]]
    ) -> Callable[[Iterable[int]], list[int]]:
        """``signal_for_dump`` that also counts the times it asks while the flood is on."""

        def signal_for_dump(pids: Iterable[int]) -> list[int]:
            with self.lock:
                self.asked += 1
                self.asked_while_flooding += not self.flood_done
            return real(pids)

        return signal_for_dump

    def reported(self) -> bool:
        with self.lock:
            return any(n.startswith("not ready after") for n in self.notices)


def test_a_flooding_startup_keeps_every_line_and_is_not_interrupted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_app(tmp_path / "proj")
    write_app(root, FLOOD_APP, module="flood")
    seen = Seen()
    monkeypatch.setattr(diagnose, "signal_for_dump", seen.count_asks(diagnose.signal_for_dump))
    sup = Supervisor(
        make_spec(root, "flood:app"),
        log_to_file=False,
        stall_after=STALL_AFTER,
        tap=seen.tap,
        on_event=seen.on_event,
    )
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=60)
        assert status.state == "running", status.error
        pids = sup.pids
    finally:
        sup.stop()
        sup.close(0)
    lines = "\n".join(seen.stdout).splitlines()
    done = next(i for i, line in enumerate(lines) if line.startswith("flood done "))
    sent = int(lines[done].split()[-1])
    flood = lines[:done]
    assert len(flood) == sent >= CHUNK
    wrong = [(i, line) for i, line in enumerate(flood) if line != f"{i:07d} flood"]
    assert wrong == [], wrong[:5]  # every numbered line exactly once, in order
    with seen.lock:  # no stack asked for (no signal sent) while it printed
        assert seen.asked_while_flooding == 0, seen.asked
    assert_tree_gone(pids, sup.spec.port)


def test_a_silent_startup_still_gets_its_stack_reported(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", TINY_APP)
    write_app(root, SILENT_APP, module="silent")
    seen = Seen()
    sup = Supervisor(
        make_spec(root, "silent:app"),
        log_to_file=False,
        stall_after=STALL_AFTER,
        on_event=seen.on_event,
    )
    sup.start()
    try:
        assert wait_until(seen.reported, 15), [ln.text for ln in sup.buffer.snapshot()][-20:]
        status = sup.status
        assert status.state == "starting" and status.diagnosis is not None
        assert "silent.py" in status.diagnosis  # the stack shows where it waits
        pids = sup.pids
    finally:
        sup.stop()
        sup.close(0)
    assert_tree_gone(pids, sup.spec.port)


def test_an_endless_flood_postpones_the_report_only_so_often(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A startup stuck in a loop that prints and prints still gets its stack, after
    ``MAX_POSTPONES`` looks instead of at the ready timeout (fewer looks here: the same
    code path, less flooding on a shared machine)."""
    monkeypatch.setattr(monitor, "MAX_POSTPONES", 2)
    root = write_app(tmp_path / "proj", TINY_APP)
    write_app(root, ENDLESS_FLOOD_APP, module="retrying")
    seen = Seen()
    monkeypatch.setattr(diagnose, "signal_for_dump", seen.count_asks(diagnose.signal_for_dump))
    sup = Supervisor(
        make_spec(root, "retrying:app"),
        log_to_file=False,
        stall_after=STALL_AFTER,
        ready_timeout=120,  # far off: the report must not wait for it
        on_event=seen.on_event,
    )
    sup.start()
    try:
        assert wait_until(seen.reported, 30), seen.notices
        status = sup.status
        assert status.state == "starting" and status.diagnosis is not None
        assert "retrying.py" in status.diagnosis  # the stack shows the loop
        with seen.lock:
            assert seen.asked == 1  # reported once
        pids = sup.pids
    finally:
        sup.stop()
        sup.close(0)
    assert_tree_gone(pids, sup.spec.port)
