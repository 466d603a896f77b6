"""The agent around an app, driven in a child interpreter through httpx's ASGI transport."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from agent_support import (
    BEARER,
    SECRET,
    TOKEN_ENV,
    all_text,
    assert_nested,
    drive,
    read_records,
    write_agent_app,
)

from asgideck.runtime.agent import BOOT_DIR, agent_environment
from support import APPS
from support.inspecting import inspect

LAYERED = APPS / "inspect_apps" / "layered"
PASSWORD_BODY = {"password": "hunter2-long", "x": 1}


@pytest.fixture(scope="module")
def agentapp_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    """One child run over the test app: every scenario's request, records in one folder."""
    tmp = tmp_path_factory.mktemp("agentapp")
    root = write_agent_app(tmp / "project")
    records = tmp / "records"
    auth = {"Authorization": f"Bearer {BEARER}"}
    calls = [
        ("GET", "/items/7?limit=5&api_key=" + SECRET, auth, ""),
        ("GET", "/boom", {}, ""),
        (
            "POST",
            "/echo",
            {"content-type": "application/json"},
            json.dumps({"password": "hunter2-long", "x": 1}),
        ),
        ("GET", "/who", {}, ""),
        ("GET", "/stream", {}, ""),
        ("GET", "/bad-sql", {}, ""),
        ("GET", "/nowhere", {}, ""),
        ("GET", "/upstream", {}, ""),
    ]
    result = drive(root, "agentapp:app", records, calls, body_limit=4096)
    return records, result


def by_path(records: Path) -> dict[str, object]:
    _, requests = read_records(records)
    return {r.path: r for r in requests}


def test_the_app_answers_as_without_the_agent(agentapp_run: tuple[Path, dict[str, object]]) -> None:
    _, result = agentapp_run
    answers = result["answers"]
    assert isinstance(answers, list)
    items, boom, echo, who, stream, bad_sql, nowhere, upstream = answers
    assert items == [200, json.dumps({"id": 7, "n": 3, "limit": 5}, separators=(",", ":"))]
    assert boom == [500, "Internal Server Error"]
    assert echo[0] == 200 and json.loads(echo[1]) == {"got": {"password": "hunter2-long", "x": 1}}
    assert who == [200, '{"user":"fake"}']  # dependency_overrides still apply
    assert stream == [200, "x" * 10000]
    assert bad_sql[0] == 500
    assert nowhere[0] == 404
    assert upstream == [200, '{"status":201}']
    assert result["openapi_before"] == result["openapi_after"]  # the document is unchanged


def test_a_request_records_route_layers_dependencies_endpoint_sql_logs(
    agentapp_run: tuple[Path, dict[str, object]],
) -> None:
    records, _ = agentapp_run
    workers, _ = read_records(records)
    [worker] = workers
    assert worker.app == "agentapp:app"
    assert worker.layers[3:] == (
        "Outer",
        "stamp (http middleware)",
        "ExceptionMiddleware",
        "AsyncExitStackMiddleware",
        "APIRouter",
    )
    record = by_path(records)["/items/7"]
    assert record.route == "/items/{item_id}" and record.status == 200 and record.method == "GET"
    assert [s.name for s in record.layers] == list(worker.layers)
    assert_nested(record)
    names = [d.name for d in record.dependencies]
    assert names.count("get_settings") == 1  # use_cache: the second Depends reuses the value
    assert {"get_db", "get_settings", "Paging"} <= set(names)
    assert "HTTPBearer" not in names  # security schemes are never wrapped
    assert record.endpoint is not None and record.endpoint.name == "read_item"
    assert record.endpoint.source is not None and record.endpoint.source.startswith("agentapp.py:")
    assert [s.statement for s in record.sql] == ["SELECT ?"] * 6
    assert all(s.params == 1 for s in record.sql)
    assert record.has_n_plus_one
    [line] = record.logs
    assert line.level == "WARNING" and line.logger == "agentapp"
    assert line.message.startswith("reading item 7 with ") and SECRET not in line.message


def test_an_exception_is_recorded_with_the_project_frame(
    agentapp_run: tuple[Path, dict[str, object]],
) -> None:
    records, _ = agentapp_run
    record = by_path(records)["/boom"]
    assert record.status == 500 and record.exception is not None
    assert record.exception.type == "ValueError"
    assert record.exception.message.startswith("kaboom ") and SECRET not in record.exception.message
    frame = record.exception.project_frame
    assert frame is not None and frame.relpath == "agentapp.py" and frame.function == "boom"
    assert not any(f.project for f in record.exception.frames if "site-packages" in f.file)
    assert "ValueError" in record.exception.text
    bad = by_path(records)["/bad-sql"]
    assert bad.sql and bad.sql[-1].error is not None and "no_such_table" in bad.sql[-1].statement


def test_secrets_never_reach_the_files(agentapp_run: tuple[Path, dict[str, object]]) -> None:
    records, _ = agentapp_run
    text = all_text(records)
    assert SECRET not in text and BEARER not in text and "hunter2-long" not in text
    assert TOKEN_ENV["MY_API_TOKEN"] not in text
    record = by_path(records)["/items/7"]
    assert ("authorization", "Bearer ****") in record.request_headers
    assert "api_key=****" in record.query
    echo = by_path(records)["/echo"]
    assert echo.request_body is not None and json.loads(echo.request_body)["x"] == 1
    assert json.loads(echo.request_body)["password"] == "****"


def test_bodies_stop_at_the_limit_and_streams_pass(
    agentapp_run: tuple[Path, dict[str, object]],
) -> None:
    records, _ = agentapp_run
    stream = by_path(records)["/stream"]
    assert stream.response_size == 10000
    assert stream.response_body == "x" * 4096 and stream.response_body_truncated
    nowhere = by_path(records)["/nowhere"]
    assert nowhere.status == 404 and nowhere.route is None


def test_outgoing_http_calls_are_listed_redacted(
    agentapp_run: tuple[Path, dict[str, object]],
) -> None:
    records, _ = agentapp_run
    [call] = by_path(records)["/upstream"].http_calls
    assert (call.method, call.status) == ("GET", 201)
    assert call.url == "http://upstream.test/v1/things?token=****"


def test_layers_are_the_middleware_tabs_including_wrappers_and_odd_attributes(
    tmp_path: Path,
) -> None:
    """The probe's own test apps: a layer keeping its app under ``downstream``, and an
    ASGI wrapper around the FastAPI app."""
    info = inspect(LAYERED)
    expected = [layer.name for layer in info.middleware]
    records = tmp_path / "records"
    calls = [("GET", "/ping", {}, ""), ("GET", "/sub/ping", {}, ""), ("GET", "/raw/x", {}, "")]
    result = drive(LAYERED, "main:app", records, calls)
    assert [a[0] for a in result["answers"]] == [200, 200, 200]
    [worker], [record, sub, raw] = read_records(records)
    assert list(worker.layers) == expected
    assert [s.name for s in record.layers] == expected
    assert_nested(record)
    assert (sub.route, raw.route) == ("/sub/ping", "/raw/{path}")
    assert sub.endpoint is not None and sub.endpoint.name == "sub_ping"

    wrapped = inspect(LAYERED, app="wrapped:app")
    records = tmp_path / "wrapped"
    result = drive(LAYERED, "wrapped:app", records, [("GET", "/ping", {}, "")])
    assert result["answers"][0] == [200, '"pong"']
    [worker], [record] = read_records(records)
    assert list(worker.layers) == [layer.name for layer in wrapped.middleware]
    assert [s.name for s in record.layers] == list(worker.layers)
    assert record.route == "/ping"
    assert_nested(record)


FORKING = """
import asyncio, os, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import httpx
import _asgideck_agent as agent

async def get(path):
    transport = httpx.ASGITransport(app=agent.app)
    async with httpx.AsyncClient(transport=transport, base_url="http://agent.test") as client:
        return (await client.get(path)).status_code

assert asyncio.run(get("/who")) == 200  # the parent's writer thread is running now
child = os.fork()
if child == 0:
    codes = [asyncio.run(get("/who")), asyncio.run(get("/items/1"))]
    sys.exit(0 if codes == [200, 200] else 1)
_, status = os.waitpid(child, 0)
assert asyncio.run(get("/who")) == 200
print(child, status)
"""


def test_a_forked_worker_writes_its_own_file(tmp_path: Path) -> None:
    """gunicorn --preload forks workers from a master that imported the app already."""
    root = write_agent_app(tmp_path / "project")
    records = tmp_path / "records"
    env = {
        **os.environ,
        **agent_environment("agentapp:app", factory=False, records=records, root=root),
        "AGENT_TEST_SECRET": SECRET,
    }
    proc = subprocess.run(
        [sys.executable, "-c", FORKING, str(BOOT_DIR), str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    child, status = (int(x) for x in proc.stdout.split())
    assert status == 0
    workers, requests = read_records(records)
    parent = next(r.pid for r in requests if r.pid != child)
    assert sorted(w.pid for w in workers) == sorted([parent, child])
    mine = [r.path for r in requests if r.pid == child]
    assert mine == ["/who", "/items/1"]
    assert [r.path for r in requests if r.pid != child] == ["/who", "/who"]
    assert len({r.id for r in requests}) == 4


CLIENT = """
import json, os, shutil, sys, time
sys.path[:0] = [sys.argv[1], sys.argv[2]]
from starlette.testclient import TestClient
import _asgideck_agent as agent

recorder = agent.app.recorder
out = {}
with TestClient(agent.app) as client:  # lifespan too: it passes through
    with client.websocket_connect("/ws") as ws:
        ws.send_text("hello")
        out["echo"] = ws.receive_text()
    out["who"] = client.get("/who").status_code
    deadline = time.monotonic() + 10
    while not recorder.file.opened or recorder.queue:  # the writer has caught up
        assert time.monotonic() < deadline
        time.sleep(0.01)
    shutil.copytree(sys.argv[3], sys.argv[4])
    shutil.rmtree(sys.argv[3])  # the records folder disappears under the agent
    out["after"] = [client.get("/who").status_code for _ in range(3)]
recorder.flush()
out["dropped"] = recorder.dropped
out["exists"] = os.path.exists(sys.argv[3])
print(json.dumps(out))
"""


def test_websockets_are_recorded_and_a_lost_folder_only_drops(tmp_path: Path) -> None:
    root = write_agent_app(tmp_path / "project")
    records = tmp_path / "records"
    env = {
        **os.environ,
        **agent_environment("agentapp:app", factory=False, records=records, root=root),
        "AGENT_TEST_SECRET": SECRET,
        **TOKEN_ENV,
    }
    copy = tmp_path / "copy"
    argv = [sys.executable, "-c", CLIENT, str(BOOT_DIR), str(root), str(records), str(copy)]
    proc = subprocess.run(argv, cwd=root, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["echo"] == "hello" and out["who"] == 200 and out["after"] == [200, 200, 200]
    assert out["dropped"] == 3 and not out["exists"]
    _, (ws, who) = read_records(copy)
    assert (ws.type, ws.path, ws.route, ws.status) == ("websocket", "/ws", "/ws", 101)
    assert [s.name for s in ws.layers][-1] == "APIRouter"
    assert (who.path, who.status) == ("/who", 200)
