"""``spawn(..., die_with_parent=True)``: on Linux the child dies with the process that
started it, even when that process is SIGKILLed; without it (the window's servers) the
child lives on as an orphan, as designed."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys

import psutil
import pytest

from support import REPO
from support.servers import live, wait_until

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG"),
]

#: Spawns a sleeper the way servers are spawned (argv[2]: "main" or "thread"), prints
#: its pid, then waits to be killed.
PARENT = """
import sys, threading, time
from pathlib import Path
sys.path.insert(0, sys.argv[1])
from asgideck.runtime.servers import spawn

def start():
    child = spawn([sys.executable, "-c", "import time; time.sleep(60)"], cwd=Path("."), env={},
                  die_with_parent=sys.argv[3] == "1")
    print(child.pid, flush=True)

if sys.argv[2] == "main":
    start()
else:
    t = threading.Thread(target=start); t.start(); t.join()
time.sleep(60)
"""


def child_after_parent_killed(
    where: str, die_with_parent: bool, wait: float = 0.5
) -> psutil.Process | None:
    """Start the parent, SIGKILL it; the child if it still runs after ``wait`` s, else None."""
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(REPO), where, "1" if die_with_parent else "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    parent.send_signal(signal.SIGKILL)
    parent.wait(5)
    _gone, alive = psutil.wait_procs([child], timeout=wait)
    return alive[0] if alive else None


def test_the_child_dies_with_its_killed_parent() -> None:
    assert child_after_parent_killed("main", die_with_parent=True, wait=5) is None


@pytest.mark.parametrize(
    ("where", "die_with_parent"),
    [("main", False), ("thread", True)],  # the window's servers; a spawn off the main thread
)
def test_otherwise_the_child_outlives_its_parent(where: str, die_with_parent: bool) -> None:
    survivor = child_after_parent_killed(where, die_with_parent)
    try:
        assert survivor is not None and survivor.ppid() != os.getpid()
    finally:
        if survivor is not None:
            with contextlib.suppress(psutil.Error):
                survivor.kill()
            assert wait_until(lambda: live([survivor.pid]) == [], 5)


#: Spawns, from a worker thread that then waits for it (as the probe is run), a child that
#: ignores SIGTERM; prints its pid, then waits to be killed.
WAITING_PARENT = """
import subprocess, sys, threading, time
sys.path.insert(0, sys.argv[1])
from asgideck.runtime.servers._pdeathsig import die_with_parent_hook

def start():
    code = "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    child = subprocess.Popen([sys.executable, "-c", code],
                             preexec_fn=die_with_parent_hook(parent_waits=True))
    print(child.pid, flush=True)
    child.wait()

threading.Thread(target=start, daemon=True).start()
time.sleep(60)
"""


def test_a_child_its_thread_waits_for_dies_with_the_process_even_ignoring_sigterm() -> None:
    """The probe's case: armed off the main thread (safe: the thread outlives the child),
    with SIGKILL, so an app that traps SIGTERM cannot outlive ``inspect`` or the window."""
    parent = subprocess.Popen(
        [sys.executable, "-c", WAITING_PARENT, str(REPO)], stdout=subprocess.PIPE, text=True
    )
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    try:
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        _gone, alive = psutil.wait_procs([child], timeout=5)
        assert alive == [], "the child outlived its parent"
    finally:
        with contextlib.suppress(psutil.Error):
            child.kill()
        parent.stdout.close()
