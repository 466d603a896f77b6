"""Routes: included routers with prefixes and dependencies, WebSockets, mounts, Starlette."""

from __future__ import annotations

from pathlib import Path

import httpx

from support.inspecting import APPS, by_path, check_routers, check_starlette, inspect, serve


def test_included_routers_dependencies_and_websockets() -> None:
    check_routers(inspect("routers"))


def test_plain_starlette_app() -> None:
    check_starlette(inspect("starlette_only"))


def test_every_reported_http_route_answers_on_a_real_server() -> None:
    """The paths are the real ones: each reported GET route is routed (not a 404)."""
    info = inspect("routers")
    gets = [r for r in info.all_routes() if r.kind == "http" and "GET" in r.methods]
    with serve(APPS / "routers", "app.main:app") as base:
        for route in gets:
            path = route.path.replace("{item_id}", "7")
            response = httpx.get(base + path, headers={"Authorization": "Bearer t"})
            assert response.status_code != 404, (route.path, response.text)
        missing = httpx.get(base + "/api/v1/nowhere")
    assert missing.status_code == 404  # the check above can fail


def test_all_routes_include_mounted_apps() -> None:
    info = inspect("layered")
    paths = {r.path for r in info.all_routes()}
    assert {"/ping", "/ws", "/sub/ping", "/sub/openapi.json"} <= paths
    assert by_path(info.all_routes())[("/sub/ping", "GET")].mount == "/sub"


def test_nested_mounts_get_full_paths(tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(
        "from fastapi import FastAPI\n"
        "from starlette.applications import Starlette\n"
        "from starlette.responses import PlainTextResponse\n"
        "from starlette.routing import Mount, Route\n"
        "async def leaf(request):\n"
        "    return PlainTextResponse('leaf')\n"
        "inner = Starlette(routes=[Route('/leaf', leaf)])\n"
        "middle = FastAPI()\n"
        "middle.mount('/in', inner)\n"
        "app = FastAPI()\n"
        "app.mount('/mid', Starlette(routes=[Mount('/deep', routes=[Mount('/x', middle)])]))\n",
        encoding="utf-8",
    )
    info = inspect(tmp_path)
    assert info.errors == ()
    mounts = [(m.path, m.mount, m.app) for m in info.mounts]
    assert mounts == [
        ("/mid", None, "starlette.applications.Starlette"),
        ("/mid/deep", "/mid", "starlette.routing.Router"),
        ("/mid/deep/x", "/mid/deep", "fastapi.applications.FastAPI"),
        ("/mid/deep/x/in", "/mid/deep/x", "starlette.applications.Starlette"),
    ]
    leaf = by_path(info.all_routes())[("/mid/deep/x/in/leaf", "GET,HEAD")]
    assert leaf.endpoint == "main:leaf" and leaf.source == "main.py:5"
    assert leaf.mount == "/mid/deep/x/in"
