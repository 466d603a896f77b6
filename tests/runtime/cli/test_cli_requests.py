"""`asgideck requests`: recorded requests printed for scripts, from files written by hand
as the agent writes them, and end to end from a real `asgideck run --record`."""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import httpx
import pytest

from asgideck.runtime.cli._requests import EXIT_NOTHING_RECORDED
from asgideck.runtime.cli._shared import EXIT_INTERRUPTED, EXIT_USAGE
from asgideck.runtime.project import open_project
from asgideck.runtime.recording import begin_records, records_dir, requests_in
from asgideck.runtime.servers import free_port, port_accepts
from support import REPO
from support.cli import run_cli
from support.servers import wait_until

DEADLINE_S = 30.0


def line(data: dict[str, Any]) -> str:
    return json.dumps(data) + "\n"


def worker(pid: int) -> str:
    return line({"type": "worker", "pid": pid, "started": 1.7e9, "app": "app.main:app"})


def request(pid: int, seq: int, **extra: Any) -> str:
    data: dict[str, Any] = {
        "type": "request",
        "kind": "http",
        "id": f"{pid}-{seq}",
        "pid": pid,
        "start": 1.7e9 + seq,
        "duration_ms": 2.0,
        "method": "GET",
        "path": f"/items/{seq}",
        "route": "/items/{item_id}",
        "status": 200,
        "response_size": 120,
    }
    data.update(extra)
    return line(data)


def write(folder: Path, name: str, text: str) -> None:
    with open(folder / name, "a", encoding="utf-8") as handle:
        handle.write(text)


@pytest.fixture
def recorded(project: Path) -> Path:
    """The sample project with hand-written records for its "development" server."""
    root = open_project(project).root
    folder = begin_records(root, "development")
    slow = {"duration_ms": 250.0, "path": "/slow", "route": "/slow"}
    boom = {
        "status": 500,
        "path": "/boom",
        "exception": {"type": "ValueError", "message": "no", "frames": []},
    }
    n1 = {"sql": [{"statement": "SELECT * FROM item WHERE id = 1", "duration_ms": 0.1}] * 6}
    text = worker(10) + request(10, 1) + request(10, 2, **slow) + request(10, 4, **n1)
    write(folder, "10.jsonl", text)
    write(folder, "11.jsonl", worker(11) + request(11, 3, **boom) + request(11, 5, status=404))
    return project


def test_nothing_recorded_is_one_line_and_exit_2(project: Path, capsys: Any) -> None:
    code, out = run_cli("requests", str(project))
    err = capsys.readouterr().err.strip()
    assert code == EXIT_NOTHING_RECORDED and out == ""
    assert len(err.splitlines()) == 1
    assert "no server has been started with recording on" in err
    assert "Record requests" in err and "--record" in err
    code, _out = run_cli("requests", str(project), "--server", "development")
    err = capsys.readouterr().err.strip()
    assert code == EXIT_NOTHING_RECORDED
    root = open_project(project).root
    assert err.startswith("asgideck: development:") and str(records_dir(root, "development")) in err


def test_an_unknown_server_or_a_bad_filter_is_a_usage_error(recorded: Path, capsys: Any) -> None:
    code, _out = run_cli("requests", str(recorded), "--server", "nope")
    assert code == EXIT_USAGE
    assert "no server named 'nope'" in capsys.readouterr().err
    for bad in (
        ["--status", "9xx"],
        ["--limit", "0"],
        ["--slower-than", "-1"],
        ["--slower-than", "abc"],
        ["--slower-than", "nan"],
    ):
        code, _out = run_cli("requests", str(recorded), *bad)
        assert code == EXIT_USAGE, bad
        assert capsys.readouterr().err.startswith(f"asgideck: {bad[0]}:")


def test_text_lines_in_start_order_across_workers(recorded: Path) -> None:
    code, out = run_cli("requests", str(recorded))
    assert code == 0
    lines = out.splitlines()
    assert [ln.split()[2] for ln in lines] == ["/items/1", "/slow", "/boom", "/items/4", "/items/5"]
    assert lines[0].endswith("  GET    /items/1  200  2.0 ms  0 sql  120 B")
    assert lines[2].endswith("ValueError") and " 500 " in lines[2]
    assert "6 sql (N+1? ×6)" in lines[3]


def test_asgideck_own_requests_are_left_out(recorded: Path) -> None:
    """The window's OpenAPI fetches (User-Agent asgideck/… (internal)) are not the user's."""
    root = open_project(recorded).root
    own = {
        "path": "/openapi.json",
        "request_headers": [["user-agent", "asgideck/0.1.0 (internal)"]],
    }
    write(records_dir(root, "development"), "11.jsonl", request(11, 6, **own))
    code, out = run_cli("requests", str(recorded), "--json")
    assert code == 0
    paths = [json.loads(ln)["path"] for ln in out.splitlines()]
    assert paths == ["/items/1", "/slow", "/boom", "/items/4", "/items/5"]


@pytest.mark.parametrize(
    ("options", "paths"),
    [
        (["--status", "4xx,5xx"], ["/boom", "/items/5"]),
        (["--path", "ITEMS"], ["/items/1", "/items/4", "/items/5"]),
        (["--slower-than", "100"], ["/slow"]),
        (["--errors"], ["/boom"]),
        (["--n-plus-one"], ["/items/4"]),
        (["--limit", "2"], ["/items/4", "/items/5"]),
        (["--path", "items", "--limit", "1"], ["/items/5"]),
        (["--server", "development", "--status", "2xx"], ["/items/1", "/slow", "/items/4"]),
    ],
)
def test_filters(recorded: Path, options: list[str], paths: list[str]) -> None:
    code, out = run_cli("requests", str(recorded), "--json", *options)
    assert code == 0
    assert [json.loads(ln)["path"] for ln in out.splitlines()] == paths


def test_json_lines_are_the_records_as_parsed(recorded: Path) -> None:
    code, out = run_cli("requests", str(recorded), "--json", "--errors")
    assert code == 0
    (data,) = [json.loads(ln) for ln in out.splitlines()]
    assert data["type"] == "request" and data["kind"] == "http" and data["server"] == "development"
    assert data["id"] == "11-3" and data["status"] == 500 and data["route"] == "/items/{item_id}"
    assert data["exception"]["type"] == "ValueError"
    folder = records_dir(open_project(recorded).root, "development")
    (record,) = [r for r in requests_in(folder) if r.id == "11-3"]
    assert data["duration_ms"] == record.duration_ms and data["pid"] == record.pid


def _lines_of(stream: Any) -> queue.Queue[str]:
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        for text in stream:
            lines.put(text)

    threading.Thread(target=pump, daemon=True).start()
    return lines


def test_follow_prints_new_requests_until_ctrl_c(recorded: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "requests", str(recorded), "--follow", "--json"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        lines = _lines_of(proc.stdout)
        got = [json.loads(lines.get(timeout=DEADLINE_S))["path"] for _ in range(5)]
        assert got[-1] == "/items/5"
        folder = records_dir(open_project(recorded).root, "development")
        write(folder, "11.jsonl", request(11, 6, path="/late"))
        assert json.loads(lines.get(timeout=DEADLINE_S))["path"] == "/late"
        write(folder, "12.jsonl", worker(12) + request(12, 7, path="/new-worker"))
        assert json.loads(lines.get(timeout=DEADLINE_S))["path"] == "/new-worker"
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=DEADLINE_S) == EXIT_INTERRUPTED
        err = proc.stderr.read() if proc.stderr else ""
        assert "Traceback" not in err and "interrupted" in err
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate(timeout=DEADLINE_S)


@pytest.mark.integration
def test_run_record_then_requests_prints_what_the_server_saw(project: Path) -> None:
    port = free_port()
    args = ["run", str(project), "--profile", "development", "--record", "--port", str(port)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "asgideck", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        up = wait_until(
            lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, DEADLINE_S
        )
        assert up and proc.poll() is None, proc.communicate()
        assert httpx.get(f"http://127.0.0.1:{port}/health?probe=1").status_code == 200
        opened = open_project(project)
        folder = records_dir(opened.root, f"{opened.name}:development")
        assert wait_until(lambda: bool(requests_in(folder)), DEADLINE_S)
        code, out = run_cli("requests", str(project), "--json")
        assert code == 0
        (data,) = [json.loads(ln) for ln in out.splitlines()]
        assert (data["method"], data["path"], data["query"]) == ("GET", "/health", "probe=1")
        assert data["status"] == 200 and data["server"] == f"{opened.name}:development"
        assert data["layers"], "the built middleware stack, one span per layer"
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 0, err
    assert "recording requests" in err


def test_every_recorded_server_merged_in_start_order(recorded: Path) -> None:
    root = open_project(recorded).root
    staging = begin_records(root, "staging")
    write(staging, "20.jsonl", worker(20) + request(20, 0, path="/first") + request(20, 9))
    code, out = run_cli("requests", str(recorded), "--limit", "3")
    assert code == 0
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["[development]", "[development]", "[staging]"]
    assert [ln.split()[3] for ln in lines] == ["/items/4", "/items/5", "/items/9"]
    code, out = run_cli("requests", str(recorded), "--server", "staging", "--json")
    assert [json.loads(ln)["path"] for ln in out.splitlines()] == ["/first", "/items/9"]
