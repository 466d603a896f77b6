"""Records written by hand, in the agent's JSON-line format (the parser is the contract)."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.recording import RequestRecord

_ids = itertools.count(1)


def record_json(
    path: str = "/items/1",
    *,
    method: str = "GET",
    status: int | None = 200,
    duration: float = 12.0,
    sql: int = 0,
    repeats: int = 0,
    layers: tuple[str, ...] = (
        "ServerErrorMiddleware",
        "TimingMiddleware",
        "ExceptionMiddleware",
        "Router",
    ),
    exception: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    """One request line: ``layers`` nested (each 0.5 ms inside its parent), a dependency,
    the endpoint; ``sql`` distinct statements then ``repeats`` of one same statement."""
    number = next(_ids)
    spans = [
        {"name": name, "start_ms": 0.5 * i, "end_ms": duration - 0.5 * i}
        for i, name in enumerate(layers)
    ]
    inner = 0.5 * len(layers)
    statements = [
        {"statement": f"SELECT * FROM t{i} WHERE id = ?", "start_ms": inner + 1 + i * 0.2,
         "duration_ms": 0.1, "params": 1}
        for i in range(sql)
    ] + [
        {"statement": "SELECT * FROM tags WHERE item_id = ?", "start_ms": inner + 2 + i * 0.2,
         "duration_ms": 0.1, "params": 1}
        for i in range(repeats)
    ]  # fmt: skip
    raw: dict[str, Any] = {
        "type": "request",
        "kind": "http",
        "id": f"4242-{number}",
        "pid": 4242,
        "start": time.time(),
        "duration_ms": duration,
        "method": method,
        "path": path,
        "query": "",
        "route": "/items/{item_id}",
        "status": status,
        "client": "127.0.0.1:50000",
        "request_size": 0,
        "response_size": 27,
        "request_headers": [["host", "127.0.0.1:8000"], ["accept", "application/json"]],
        "response_headers": [["content-type", "application/json"]],
        "response_body": '{"id": 1, "name": "Widget"}',
        "layers": spans,
        "dependencies": [
            {"name": "get_db", "start_ms": inner, "end_ms": inner + 0.5, "source": "app/db.py:10"}
        ],
        "endpoint": {
            "name": "read_item",
            "start_ms": inner + 0.5,
            "end_ms": duration - inner,
            "source": "app/api/items.py:20",
        },
        "sql": statements,
        "logs": [{"time_ms": inner + 1, "level": "INFO", "logger": "app", "message": "reading"}],
    }
    if exception:
        raw["status"] = 500
        raw["exception"] = {
            "type": "ZeroDivisionError",
            "message": "division by zero",
            "frames": [
                {
                    "file": "/venv/lib/starlette/routing.py",
                    "line": 70,
                    "function": "app",
                    "project": False,
                },
                {
                    "file": "/proj/app/api/items.py",
                    "line": 33,
                    "function": "boom",
                    "project": True,
                    "relpath": "app/api/items.py",
                    "code": "return 1 / 0",
                },
            ],
            "text": "Traceback (most recent call last):\n...\nZeroDivisionError: division by zero",
        }
    raw.update(extra)
    return raw


def make(path: str = "/items/1", **kwargs: Any) -> RequestRecord:
    record = RequestRecord.from_json(record_json(path, **kwargs))
    assert record is not None
    return record


@pytest.fixture
def make_record() -> Callable[..., RequestRecord]:
    return make


@pytest.fixture
def raw() -> Callable[..., dict[str, Any]]:
    """``record_json``: one request line as a dict."""
    return record_json


@pytest.fixture
def write_records(tmp_path: Path) -> Callable[..., Path]:
    """Append request lines to ``<tmp>/records/4242.jsonl`` as the agent would (worker
    line first)."""
    folder = tmp_path / "records"
    folder.mkdir()
    file = folder / "4242.jsonl"

    def write(*raws: dict[str, Any]) -> Path:
        with file.open("a", encoding="utf-8") as out:
            if out.tell() == 0:
                header = {"type": "worker", "pid": 4242, "started": time.time(),
                          "app": "app.main:app", "layers": [], "dropped": 0}  # fmt: skip
                out.write(json.dumps(header) + "\n")
            for raw in raws:
                out.write(json.dumps(raw) + "\n")
        return folder

    return write


@pytest.fixture
def ini(tmp_path: Path) -> Any:
    """A settings file of the test's own."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
