"""The assistant's tools as plain functions over a Desk (no MCP, no server started):
profiles masked, status, recorded requests read from a records folder, run-log files
of servers started elsewhere, and the errors a model reads."""

from __future__ import annotations

import inspect
import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import asgideck.runtime.assist._logs as assist_logs
from asgideck.runtime.assist import (
    TOOLS,
    Desk,
    Scrubber,
    recent_logs,
    recorded_requests,
    request_detail,
    server_status,
    show_profiles,
    start_server,
    stop_server,
)
from asgideck.runtime.errors import InputError, NotFound, ServerError
from asgideck.runtime.logs import logs_dir
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.recording import begin_records, records_dir
from asgideck.runtime.servers import Entry, LaunchConfig, free_port, save_configs
from support.files import copy_sample_app, write_files


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    root = copy_sample_app(tmp_path / "proj").resolve()
    save_configs(root, [LaunchConfig("dev", "development", port=8765)])
    opened = Desk.open(root)
    yield opened
    opened.close()


def _secret(desk: Desk) -> str:
    value = load_profile(desk.root, "development").variables["SECRET_KEY"].value
    assert value
    return value


def _request(pid: int, n: int, **changes: object) -> dict[str, object]:
    record: dict[str, object] = {
        "type": "request",
        "kind": "http",
        "id": f"{pid}-{n}",
        "pid": pid,
        "start": time.time(),
        "duration_ms": 12.5,
        "method": "GET",
        "path": "/api/v1/items",
        "route": "/api/v1/items",
        "status": 200,
        "layers": [
            {"name": "ServerErrorMiddleware", "start_ms": 0.0, "end_ms": 12.0},
            {"name": "Router", "start_ms": 1.0, "end_ms": 11.0},
        ],
        "endpoint": {"name": "list_items", "start_ms": 2.0, "end_ms": 10.0},
        "sql": [{"statement": "SELECT * FROM items WHERE id = ?", "start_ms": 3, "duration_ms": 1}]
        * 5,
    }
    record.update(changes)
    return record


def _write_records(directory: Path, pid: int, records: list[dict[str, object]]) -> None:
    worker = {"type": "worker", "pid": pid, "started": time.time(), "app": "app.main:app"}
    lines = [json.dumps(worker), *(json.dumps(r) for r in records)]
    (directory / f"{pid}.jsonl").write_text("\n".join(lines) + "\n")


def test_every_tool_is_described_with_its_arguments() -> None:
    assert len({t.name for t in TOOLS}) == len(TOOLS)
    for tool in TOOLS:
        params = list(inspect.signature(tool.function).parameters)
        assert params[0] == "desk"
        assert set(tool.args) == set(params[1:]), tool.name
        assert len(tool.description) > 80, tool.name


def test_profiles_are_masked_and_name_their_servers(desk: Desk) -> None:
    answer = show_profiles(desk, "development")
    assert {p["name"] for p in answer["profiles"]} >= {"development", "production"}
    [development] = [p for p in answer["profiles"] if p["name"] == "development"]
    assert development["used_by_servers"] == ["dev"]
    items = {v["key"]: v for v in answer["variables"]["items"]}
    assert items["SECRET_KEY"] == {
        **items["SECRET_KEY"],
        "value": "****",
        "secret": True,
        "source": ".env.development:6",
    }
    assert _secret(desk) not in json.dumps(answer)
    assert "variables" not in show_profiles(desk)


def test_an_unknown_profile_or_server_is_one_line_naming_the_known(desk: Desk) -> None:
    with pytest.raises(Exception, match=r"no profile 'nope'.*known profiles: .*development"):
        show_profiles(desk, "nope")
    with pytest.raises(NotFound, match=r"no server named 'nope' in proj \(servers: dev\)"):
        server_status(desk, "nope")


def test_status_of_a_server_that_runs_nowhere(desk: Desk) -> None:
    answer = server_status(desk)
    [dev] = answer["servers"]
    assert (dev["name"], dev["state"], dev["started_here"], dev["port"]) == (
        "dev",
        "stopped",
        False,
        8765,
    )
    assert answer["app"] == "app.main:app" and answer["other_servers"] == []
    with pytest.raises(NotFound, match="dev has no output to show"):
        recent_logs(desk, "dev")
    assert stop_server(desk, "dev") == {
        "name": "dev",
        "state": "stopped",
        "stopped": False,
        "note": "it was not running",
    }


def test_recorded_requests_are_read_filtered_and_detailed(desk: Desk) -> None:
    directory = begin_records(desk.root, "dev")
    assert directory == records_dir(desk.root, "dev")
    slow_error = _request(
        41,
        2,
        path="/api/v1/items/7",
        route="/api/v1/items/{item_id}",
        status=500,
        start=time.time() + 1,
        duration_ms=250.0,
        sql=[],
        exception={"type": "KeyError", "message": "7", "frames": [], "text": "Traceback…"},
    )
    _write_records(directory, 41, [_request(41, 1), slow_error])
    answer = recorded_requests(desk, "dev")
    assert answer["recorded"] == 2 and [r["id"] for r in answer["requests"]] == ["41-1", "41-2"]
    first = answer["requests"][0]
    assert first["sql_count"] == 5 and first["n_plus_one"]  # five times the same statement
    assert [r["id"] for r in recorded_requests(desk, status="5xx")["requests"]] == ["41-2"]
    assert [r["id"] for r in recorded_requests(desk, slower_than_ms=100)["requests"]] == ["41-2"]
    assert [r["id"] for r in recorded_requests(desk, n_plus_one_only=True)["requests"]] == ["41-1"]
    assert recorded_requests(desk, errors_only=True)["requests"][0]["exception"] == "KeyError: 7"
    detail = request_detail(desk, "41-1")["request"]
    assert [s["name"] for s in detail["layers"]] == ["ServerErrorMiddleware", "Router"]
    assert detail["endpoint"]["duration_ms"] == 8.0 and len(detail["sql"]) == 5
    with pytest.raises(NotFound, match="no recorded request '41-9' for dev"):
        request_detail(desk, "41-9")
    with pytest.raises(InputError, match="status: 'bad' is not a status class"):
        recorded_requests(desk, status="2xx,bad")


def test_a_run_servers_records_are_found_by_name(desk: Desk) -> None:
    directory = begin_records(desk.root, "proj:development")
    _write_records(directory, 7, [_request(7, 1)])
    assert recorded_requests(desk, "proj:development")["recorded"] == 1
    empty = recorded_requests(desk, "dev")
    assert empty["recorded"] == 0 and "Record requests" in empty["note"]
    with pytest.raises(NotFound, match="no server named 'other'"):
        recorded_requests(desk, "other")


def test_without_a_name_a_run_servers_records_are_found(desk: Desk) -> None:
    """`asgideck run --record` recorded; the configured servers did not: the assistant's
    plain "recorded requests" finds the run's, not an empty configured server's."""
    directory = begin_records(desk.root, "proj:development")
    _write_records(directory, 7, [_request(7, 1)])
    answer = recorded_requests(desk)
    assert (answer["server"], answer["recorded"]) == ("proj:development", 1)
    assert request_detail(desk, "7-1")["server"] == "proj:development"
    # once the first configured server records, it is the default again
    _write_records(begin_records(desk.root, "dev"), 3, [_request(3, 1)])
    assert recorded_requests(desk)["server"] == "dev"


def test_the_scrubber_hides_every_profiles_secret_in_any_answer(desk: Desk) -> None:
    secret = _secret(desk)
    directory = begin_records(desk.root, "dev")
    echoed = _request(3, 1, response_body=f'{{"echo": "{secret}"}}', query=f"k={secret}")
    _write_records(directory, 3, [echoed])
    answer = desk.scrub(request_detail(desk, "3-1"))
    text = json.dumps(answer)
    assert secret not in text and "****" in text
    assert Scrubber(lambda: ["abcdef"])({"k": ["x abcdef y", ("abcdef",)], "n": 3}) == {
        "k": ["x **** y", ["****"]],
        "n": 3,
    }


def test_a_start_that_fails_is_one_line_and_its_output_stays(tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "broken",
        {
            "main.py": """
                from fastapi import FastAPI

                raise RuntimeError("the settings are wrong")
                app = FastAPI()
            """,
            ".env": "",
        },
    ).resolve()
    save_configs(root, [LaunchConfig("dev", "default", port=free_port())])
    desk = Desk.open(root, python=sys.executable)
    try:
        with pytest.raises(ServerError) as failed:
            start_server(desk, "dev", wait_seconds=60)
        message = str(failed.value)
        assert message.startswith("dev did not start: ") and "\n" not in message
        assert "recent_logs" in message
        logs = recent_logs(desk, "dev", errors_only=True)["lines"]
        assert any("RuntimeError: the settings are wrong" in x["text"] for x in logs)
        [dev] = server_status(desk)["servers"]
        assert dev["state"] == "crashed" and "the settings are wrong" in dev["error"]
    finally:
        desk.close()


def test_a_server_started_elsewhere_is_read_from_its_run_log(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    started = time.time()
    entry = Entry(
        id="abc",
        pid=os.getpid(),
        create_time=0.0,
        argv=("uvicorn",),
        port=8765,
        host="127.0.0.1",
        root=str(desk.root),
        kind="uvicorn",
        started_at=started,
        name="dev",
    )
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(started))
    old = time.strftime("%Y%m%d-%H%M%S", time.localtime(started - 3600))
    (logs_dir() / f"{old}-dev-8765.log").write_text("an earlier run\n")
    (logs_dir() / f"{stamp}-dev-8765.log").write_text(
        "INFO:     Started server process [1]\nERROR:    Exception in ASGI application\n"
        "Traceback (most recent call last):\nINFO:     Application startup complete.\n"
    )
    monkeypatch.setattr(
        Desk, "entry_elsewhere", lambda self, name: entry if name == "dev" else None
    )
    answer = recent_logs(desk, "dev", lines=2)
    assert answer["source"].startswith("run log ") and answer["source"].endswith("-dev-8765.log")
    assert [x["text"] for x in answer["lines"]] == [
        "Traceback (most recent call last):",
        "INFO:     Application startup complete.",
    ]
    errors = recent_logs(desk, "dev", errors_only=True)["lines"]
    assert [x["text"][:5] for x in errors] == ["ERROR", "Trace"]
    assert assist_logs.run_log_of(entry) == logs_dir() / f"{stamp}-dev-8765.log"
    with pytest.raises(Exception, match="runs already, started by another asgideck"):
        start_server(desk, "dev")
    [dev] = server_status(desk)["servers"]
    assert dev["state"] == "running" and dev["started_here"] is False
