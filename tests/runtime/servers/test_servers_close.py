"""Closing asgideck stops every running server in parallel: one grace period, not one each."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest

from asgideck.runtime.errors import NotFound, ServerError
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import LaunchConfig, ServerManager, free_port
from support.servers import assert_tree_gone

pytestmark = pytest.mark.integration

# Ignores SIGTERM in effect: its lifespan shutdown never finishes, so only SIGKILL
# (after the whole grace period) ends it.
STUBBORN_APP = """\
import asyncio


async def app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await asyncio.sleep(3600)
        return
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"ok"})
"""

GRACE = 3.0


def test_close_stops_running_servers_in_parallel(tmp_path: Path) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "stubborn.py").write_text(STUBBORN_APP)
    (root / ".env").write_text("APP_NAME=stubborn\n")
    project = open_project(root, python=sys.executable, app="stubborn:app", factory=False)
    manager = ServerManager(project, ["default"])
    manager.servers.clear()  # not the defaults (port 8000): two servers on free ports
    servers = [
        manager.add(LaunchConfig(name, "default", port=free_port(start=port)))
        for name, port in (("one", 21000), ("two", 22000))
    ]
    trees: list[tuple[list[int], int]] = []
    try:
        for server in servers:
            server.start()
        for server in servers:
            assert server.supervisor is not None
            status = server.supervisor.wait_for("running", "crashed", timeout=30)
            assert status.state == "running", status.error
            trees.append((server.supervisor.pids, server.config.port))
        spans: dict[str, list[float]] = {}
        for server in servers:
            original = server.close

            def timed(grace: float, _name: str = server.name, _close=original) -> None:  # type: ignore[no-untyped-def]
                began = time.monotonic()
                _close(grace)
                spans.setdefault(_name, [began, time.monotonic()])  # the first close only

            server.close = timed  # type: ignore[method-assign]
        manager.close(GRACE)
    finally:
        manager.close(0.5)  # whatever happened above, nothing outlives the test
    assert [s.state for s in servers] == ["stopped", "stopped"]
    for pids, port in trees:
        assert_tree_gone(pids, port)
    # Both stops were under way at once: each began before the other ended (an order, not
    # a duration, so a slow machine cannot make this flaky).
    (a_start, a_end), (b_start, b_end) = spans["one"], spans["two"]
    assert a_start < b_end and b_start < a_end, spans


def test_a_closed_project_starts_nothing(tmp_path: Path) -> None:
    """A Start still in flight when the window closes must not spawn after close."""
    root = tmp_path / "proj"
    root.mkdir()
    (root / "stubborn.py").write_text(STUBBORN_APP)
    (root / ".env").write_text("APP_NAME=stubborn\n")
    project = open_project(root, python=sys.executable, app="stubborn:app", factory=False)
    manager = ServerManager(project, ["default"])
    manager.servers.clear()
    server = manager.add(LaunchConfig("late", "default", port=free_port(start=23000)))
    manager.close()
    with pytest.raises(ServerError, match="late: not started, the project is closing"):
        server.start()
    assert server.supervisor is None and not server.running


def test_an_unknown_server_name_is_not_found(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("APP_NAME=x\n")
    (tmp_path / "main.py").write_text("app = None\n")
    manager = ServerManager(open_project(tmp_path, python=sys.executable, app="main:app"), [])
    with pytest.raises(NotFound, match="no server named 'nope'"):
        manager.server("nope")
