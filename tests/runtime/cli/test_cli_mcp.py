"""`asgideck mcp PATH` spoken to over stdio with the SDK's own client (ClientSession +
stdio_client): tools/list, then a call of each tool against a copy of sample_app, with a
real uvicorn started, restarted and stopped through the protocol."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import httpx
import psutil
import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client

from asgideck.runtime.assist import TOOLS
from asgideck.runtime.inspect import inspect_project
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import LaunchConfig, free_port, port_accepts, save_configs
from support import REPO
from support.files import copy_sample_app
from support.servers import assert_tree_gone

pytestmark = pytest.mark.integration

WAIT = 60.0  # bounds every wait below (a start, a recorded request showing up)


class Session:
    """A client session that keeps every answer's text, to check none shows a secret."""

    def __init__(self, client: ClientSession) -> None:
        self.client = client
        self.texts: list[str] = []

    async def call(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        result = await self.client.call_tool(tool, arguments)
        text = "".join(block.text for block in result.content if block.type == "text")
        self.texts.append(text)
        assert not result.is_error, f"{tool} failed: {text}"
        data: dict[str, Any] = json.loads(text)
        assert result.structured_content == data
        return data

    async def fail(self, tool: str, /, **arguments: Any) -> str:
        result = await self.client.call_tool(tool, arguments)
        text = "".join(block.text for block in result.content if block.type == "text")
        self.texts.append(text)
        assert result.is_error, f"{tool} did not fail: {text}"
        return text

    async def until(
        self, call: Callable[[], Awaitable[dict[str, Any]]], done: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        """Call again until ``done`` holds for the answer (bounded by WAIT)."""
        deadline = time.monotonic() + WAIT
        while True:
            answer = await call()
            if done(answer) or time.monotonic() > deadline:
                return answer
            await anyio.sleep(0.1)


@asynccontextmanager
async def mcp_session(project: Path, stderr: Path) -> AsyncIterator[Session]:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "asgideck", "mcp", str(project)],
        env=dict(os.environ),  # ASGIDECK_HOME: this test's private state
        cwd=str(REPO),
    )
    with stderr.open("w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write) as client,
        ):
            await client.initialize()
            yield Session(client)


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, int]:
    """sample_app copied, with one launch config: uvicorn on a free loopback port."""
    root = copy_sample_app(tmp_path / "proj").resolve()
    port = free_port()
    save_configs(root, [LaunchConfig("dev", "development", port=port)])
    return root, port


def _tree(pid: int) -> list[int]:
    root = psutil.Process(pid)
    return [root.pid, *(p.pid for p in root.children(recursive=True))]


def test_a_bad_folder_is_one_line_before_any_protocol(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "asgideck", "mcp", str(tmp_path / "missing")],
        cwd=REPO,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=WAIT,
    )
    assert proc.returncode == 64 and proc.stdout == ""
    assert proc.stderr == f"asgideck: project folder does not exist: {tmp_path / 'missing'}\n"


def test_other_subcommands_do_not_load_the_sdk() -> None:
    code = "import sys, asgideck.runtime.cli; print(sorted(m for m in sys.modules if m == 'mcp'))"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=WAIT
    )
    assert proc.stdout == "[]\n", proc.stderr


def test_every_tool_over_stdio(project: tuple[Path, int], tmp_path: Path) -> None:
    root, port = project
    info = inspect_project(open_project(root), "development")
    assert info.ok, info.errors
    secret = load_profile(root, "development").variables["SECRET_KEY"].value
    assert secret
    stderr = tmp_path / "mcp-stderr.txt"
    pids: list[int] = []

    async def scenario() -> None:
        async with mcp_session(root, stderr) as s:
            listed = await s.client.list_tools()
            assert {t.name for t in listed.tools} == {t.name for t in TOOLS}
            assert all(t.description and t.input_schema for t in listed.tools)

            routes = await s.call("list_routes")
            paths = {r["path"] for r in routes["routes"]}
            assert paths == {r.path for r in info.all_routes()}
            assert {"/api/v1/items", "/api/v1/items/{item_id}"} <= paths
            assert (await s.call("list_routes", path_contains="{item_id}"))["routes"]

            middleware = await s.call("list_middleware")
            names = [layer["name"] for layer in middleware["layers"]]
            assert names == [layer.name for layer in info.middleware]
            assert middleware["layers"][-1]["kind"] == "router"

            profiles = await s.call("list_profiles", name="development")
            assert "development" in {p["name"] for p in profiles["profiles"]}
            items = {v["key"]: v for v in profiles["variables"]["items"]}
            assert items["SECRET_KEY"]["secret"] and items["SECRET_KEY"]["value"] == "****"

            status = await s.call("server_status")
            [dev] = status["servers"]
            assert (dev["name"], dev["state"], dev["port"]) == ("dev", "stopped", port)

            started = await s.call("start_server", name="dev")
            assert started["state"] == "running", started
            assert started["url"] == f"http://127.0.0.1:{port}"
            assert port_accepts("127.0.0.1", port)
            pids.extend(_tree(started["pid"]))
            again = await s.call("start_server", name="dev")
            assert again["pid"] == started["pid"] and "already running" in again["note"]

            [dev] = (await s.call("server_status", name="dev"))["servers"]
            assert dev["state"] == "running" and dev["started_here"] is True

            logs = await s.call("recent_logs", server="dev", lines=200)
            assert any("Application startup complete" in x["text"] for x in logs["lines"])

            # a request the test sends, with the secret in a header: recorded, redacted
            headers = {"X-Api-Key": secret, "X-Test": "mcp"}
            response = httpx.get(f"{started['url']}/api/v1/items", headers=headers, timeout=30)
            assert response.status_code == 200, response.text

            recorded = await s.until(
                lambda: s.call("recorded_requests", server="dev", path_contains="/items"),
                lambda answer: bool(answer["requests"]),
            )
            [row] = recorded["requests"]
            assert (row["method"], row["route"], row["status"]) == ("GET", "/api/v1/items", 200)
            detail = (await s.call("request_detail", request_id=row["id"], server="dev"))["request"]
            assert detail["path"] == "/api/v1/items"
            assert [span["name"] for span in detail["layers"]] == names

            restarted = await s.call("restart_server", name="dev")
            assert restarted["state"] == "running" and restarted["pid"] != started["pid"]
            pids.extend(_tree(restarted["pid"]))

            stopped = await s.call("stop_server", name="dev")
            assert stopped["stopped"] is True and stopped["started_by"] == "this session"
            assert_tree_gone(pids, port)
            [dev] = (await s.call("server_status"))["servers"]
            assert dev["state"] == "stopped"

            # an error is the tool's error: asgideck's one line, no traceback
            error = await s.fail("start_server", name="nope")
            assert error == "no server named 'nope' in proj (servers: dev)"

        for text in s.texts:
            assert secret not in text

    anyio.run(scenario)
    assert secret not in stderr.read_text()


def test_the_session_end_stops_its_servers(project: tuple[Path, int], tmp_path: Path) -> None:
    root, port = project
    pids: list[int] = []

    async def scenario() -> None:
        async with mcp_session(root, tmp_path / "mcp-stderr.txt") as s:
            started = await s.call("start_server", name="dev")
            assert started["state"] == "running", started
            pids.extend(_tree(started["pid"]))
        # stdio_client closed the server's stdin and waited for it to exit

    anyio.run(scenario)
    assert_tree_gone(pids, port)
    assert "session ended: stopped dev" in (tmp_path / "mcp-stderr.txt").read_text()


def test_sigterm_to_the_session_stops_its_servers(
    project: tuple[Path, int], tmp_path: Path
) -> None:
    """An editor that ends the session with SIGTERM (no stdin EOF first) still gets its
    servers stopped."""
    root, port = project
    pids: list[int] = []
    stderr = tmp_path / "mcp-stderr.txt"

    async def scenario() -> None:
        async with mcp_session(root, stderr) as s:
            started = await s.call("start_server", name="dev")
            pids.extend(_tree(started["pid"]))
            [mcp] = [
                p for p in psutil.Process().children() if "mcp" in p.cmdline()[2:4]
            ]  # python -m asgideck mcp PATH
            mcp.terminate()
            mcp.wait(timeout=WAIT)  # its exit code goes to the client's child watcher

    anyio.run(scenario)
    assert_tree_gone(pids, port)
    text = stderr.read_text()
    assert "asgideck: stopped by SIGTERM" in text and "Traceback" not in text
