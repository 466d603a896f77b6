"""--reload: reloads are events; a dead app leaves the reloader waiting; a fix recovers."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import ReloadDetected, ServerEvent, Supervisor
from support.servers import TINY_APP, assert_tree_gone, make_spec, wait_until, write_app

pytestmark = pytest.mark.integration


def touch_source(path: Path, source: str) -> None:
    """Rewrite a module so uvicorn's StatReload (mtime based) sees a newer file."""
    path.write_text(source)
    future = max(time.time(), path.stat().st_mtime) + 2
    os.utime(path, (future, future))


def edit_until(path: Path, source: str, seen: Callable[[], bool], timeout: float = 10) -> bool:
    """StatReload only notices changes after its first scan, which we cannot observe: edit
    again (newer mtime each time) until the change is seen."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        touch_source(path, source)
        if wait_until(seen, 0.75):
            return True
    return False


def test_file_change_is_a_reload_event_and_the_server_keeps_serving(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj")
    spec = make_spec(root, reload=True)
    events: list[ServerEvent] = []
    sup = Supervisor(spec, on_event=events.append)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        reloaded = lambda: any(isinstance(e, ReloadDetected) for e in events)  # noqa: E731
        assert edit_until(root / "tiny.py", TINY_APP + "\n# edited\n", reloaded)
        reload = next(e for e in events if isinstance(e, ReloadDetected))
        assert "tiny.py" in reload.text and "Reloading" in reload.text
        assert wait_until(
            lambda: httpx.get(f"http://127.0.0.1:{spec.port}/", timeout=2).status_code == 200, 10
        )
        assert sup.state == "running"
        pids = sup.pids
    finally:
        sup.stop()
    assert_tree_gone(pids, spec.port)


def test_app_death_under_reload_waits_for_a_fix(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj")
    spec = make_spec(root, reload=True)
    sup = Supervisor(spec)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        with pytest.raises(httpx.HTTPError):
            httpx.get(f"http://127.0.0.1:{spec.port}/crash")
        status = sup.wait_for("crashed", timeout=10)  # a bound for a hang, not a speed claim
        assert status.state == "crashed"
        assert status.reload_waiting and status.pid is not None  # the reloader lives on

        # a broken edit: still waiting, with the real error shown
        broken = lambda: "SyntaxError" in (sup.status.error or "")  # noqa: E731
        assert edit_until(root / "tiny.py", "x = (\n", broken), sup.status
        assert sup.state == "crashed"

        fixed = lambda: sup.state == "running"  # noqa: E731
        assert edit_until(root / "tiny.py", TINY_APP, fixed), sup.status
        assert not sup.status.reload_waiting and sup.status.error is None
        assert httpx.get(f"http://127.0.0.1:{spec.port}/").status_code == 200
        pids = sup.pids
    finally:
        sup.stop()
    assert_tree_gone(pids, spec.port)


def test_broken_app_at_start_under_reload(tmp_path: Path) -> None:
    root = write_app(tmp_path / "proj", "x = (\n")
    spec = make_spec(root, reload=True)
    sup = Supervisor(spec)
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=10)
        assert status.state == "crashed"  # said at once, not after waiting out the start
        assert status.reload_waiting
        assert "SyntaxError: '(' was never closed" in (status.error or "")
        pids = sup.pids
    finally:
        sup.stop()
    assert_tree_gone(pids, spec.port)
