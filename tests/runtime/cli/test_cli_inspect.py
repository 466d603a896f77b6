"""`asgideck inspect` on sample_app and on a bare OpenAPI document."""

from __future__ import annotations

import json
from pathlib import Path

from support import SAMPLE_APP
from support.cli import run_cli


def test_inspect_sample_app_json_lists_routes_websocket_and_true_middleware_order() -> None:
    code, text = run_cli("inspect", str(SAMPLE_APP), "--profile", "development", "--json")
    assert code == 0
    doc = json.loads(text)
    assert set(doc) >= {"app", "fastapi", "starlette", "middleware", "routes", "mounts", "openapi"}
    assert doc["app"] == "app.main:app" and doc["errors"] == []
    user = [m["name"] for m in doc["middleware"] if m["user"]]
    # main.py adds admin check, CORS, timing, request id: the last added is outermost.
    assert user[:3] == ["RequestIDMiddleware", "TimingMiddleware", "CORSMiddleware"]
    assert doc["middleware"][-1]["name"].endswith("Router")
    routes = {(r["kind"], r["path"]) for r in doc["routes"]}
    for expected in [
        ("http", "/health"),
        ("websocket", "/ws/echo"),
        ("http", "/api/v1/auth/token"),
        ("http", "/api/v1/users/me"),
        ("http", "/api/v1/items/{item_id}"),
        ("http", "/api/v1/admin/stats"),
        ("http", "/api/v1/debug/crash"),
    ]:
        assert expected in routes
    assert doc["openapi"]["info"]["title"] == "Sample Items API"


def test_inspect_openapi_file_without_an_app(tmp_path: Path) -> None:
    spec = {
        "openapi": "3.1.0",
        "info": {"title": "T", "version": "1"},
        "paths": {
            "/a/{id}": {"get": {"summary": "one", "responses": {"200": {"description": ""}}}}
        },
    }
    path = tmp_path / "doc.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(spec).encode())
    code, text = run_cli("inspect", "--openapi", str(path), "--json")
    assert code == 0
    ops = json.loads(text)["operations"]
    assert [(o["method"], o["path"], o["summary"]) for o in ops] == [("GET", "/a/{id}", "one")]


def test_inspect_reports_an_import_failure_with_exit_1(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\nimport nope_missing\napp = FastAPI()\n"
    )
    code, text = run_cli("inspect", str(tmp_path), "--json")
    assert code == 1
    [error] = json.loads(text)["errors"]
    assert "nope_missing" in error["message"]
