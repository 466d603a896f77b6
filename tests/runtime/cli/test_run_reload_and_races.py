"""``asgideck run`` under ``--reload`` with a broken save, and two runs racing for one port
(issue 10, defects 6 and 11): real ``python -m asgideck run`` children, bounded waits.

They live here rather than in ``tests/faults/test_run.py`` only because they take longer
(uvicorn restarts; a deliberately slow startup).
"""

from __future__ import annotations

import signal
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.cli._shared import EXIT_CANNOT_START
from asgideck.runtime.servers import free_port
from support.running import RunChild, run_args, run_children, write_run_project

pytestmark = pytest.mark.integration
DEADLINE_S = 20.0


@pytest.fixture
def run_project(tmp_path: Path) -> Path:
    return write_run_project(tmp_path / "proj")


def test_reload_keeps_running_through_a_syntax_error(run_project: Path) -> None:
    """uvicorn --reload: a SyntaxError saved is shown; run waits for the next change, as
    uvicorn does; the fix is picked up and served."""
    port = free_port()
    source = (run_project / "app.py").read_text()
    with run_children() as children:
        child = RunChild(run_args(run_project, port, "--reload"))
        children.append(child)
        child.wait_running(DEADLINE_S)
        # StatReload takes the files' times at its first scan, a moment after startup:
        # save again until it has seen the save (as an editor's user would)
        broken = _saves(run_project / "app.py", source + "\ndef broken(:\n")
        assert _wait(lambda: next(broken) or child.err.wait_for("SyntaxError", 0.5), DEADLINE_S)
        assert child.err.wait_for("the reloader waits for a file change", DEADLINE_S)
        assert child.proc.poll() is None, child.err.text()
        fixed = _saves(run_project / "app.py", source)

        def served_again() -> bool:
            next(fixed)
            return child.err.wait_for_count("asgideck: running on", 2, 0.5)

        assert _wait(served_again, DEADLINE_S), child.err.text()
        assert _wait(lambda: _answers(f"http://127.0.0.1:{port}/"), DEADLINE_S)
        child.tree = child.tree + [
            p for p in child.server().children(recursive=True) if p not in child.tree
        ]
        child.proc.send_signal(signal.SIGINT)
        assert child.finish(DEADLINE_S) == 0, child.err.text()
        assert "crashed" not in child.err.text()
        assert child.tree_gone() == []


def test_the_loser_of_a_race_for_a_port_never_says_running(run_project: Path) -> None:
    """Two runs on one port: the first (whose app binds only once the test lets it, so the
    port is still free when the second checks) loses the bind. It must not take the
    winner's listener for its own, and says who holds the port, exiting as for a busy
    port."""
    port = free_port()
    with run_children() as children:
        loser = RunChild(run_args(run_project, port, app="app:held"))
        children.append(loser)
        assert loser.err.wait_for("Waiting for application startup", DEADLINE_S)
        winner = RunChild(run_args(run_project, port))
        children.append(winner)
        winner.wait_running(DEADLINE_S)
        (run_project / "go").touch()  # the first may now finish starting, and bind
        assert loser.finish(DEADLINE_S) == EXIT_CANNOT_START, loser.err.text()
        err = loser.err.text()
        assert "running on" not in err, err
        holder = winner.server().pid
        assert f"Port {port} on 127.0.0.1 is in use by pid {holder}" in err, err
        winner.proc.send_signal(signal.SIGINT)
        assert winner.finish(DEADLINE_S) == 0


def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=2).text == "ok"
    except httpx.HTTPError:
        return False  # between two reloads


def _saves(path: Path, text: str) -> Iterator[None]:
    """Each ``next`` saves ``text`` to ``path`` again, with a newer modification time."""
    n = 0
    while True:
        n += 1
        path.write_text(f"{text}\n# save {n}\n")
        yield None


def _wait(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()
