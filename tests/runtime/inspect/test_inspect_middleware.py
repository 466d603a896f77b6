"""The middleware stack as reported equals the order the layers really run in."""

from __future__ import annotations

import json

import httpx

from asgideck.runtime.inspect import app_info_json
from support.inspecting import (
    APPS,
    LAYERED_ORDER,
    check_layered,
    inspect,
    line_of,
    prove_layered_order,
    serve,
    trail,
    user_labels,
)


def test_layered_report() -> None:
    check_layered(inspect("layered"))


def test_reported_order_is_the_order_real_requests_take() -> None:
    info = inspect("layered")
    assert user_labels(info.middleware) == LAYERED_ORDER
    prove_layered_order(info)


def test_builtin_layers_come_from_the_built_stack() -> None:
    info = inspect("layered")
    names = [layer.name for layer in info.middleware]
    # FastAPI 0.165 wraps more than Starlette does; whatever it is, it is read, not assumed.
    assert names[0] == "ServerErrorMiddleware"
    assert names[-3:] == ["ExceptionMiddleware", "AsyncExitStackMiddleware", "APIRouter"]
    builtins = [layer for layer in info.middleware if not layer.user and not layer.is_router]
    assert all(layer.added_index is None and layer.source is None for layer in builtins)
    assert all(layer.defined_at and "site-packages" in layer.defined_at for layer in builtins)


def test_json_shape() -> None:
    data = app_info_json(inspect("layered"))
    assert list(data) == [
        "app",
        "fastapi",
        "starlette",
        "middleware",
        "routes",
        "mounts",
        "openapi",
        "openapi_note",
        "errors",
    ]
    assert data["app"] == "main:app" and data["fastapi"] == "0.165.0"
    assert data["middleware"][-1]["kind"] == "router"
    stamp = next(m for m in data["middleware"] if m["function"])
    assert stamp["name"] == "stamp_http (http middleware)"
    assert stamp["source"] == line_of(APPS / "layered", "main.py", '@app.middleware("http")')
    assert data["routes"][0].keys() >= {
        "kind",
        "path",
        "methods",
        "name",
        "endpoint",
        "source",
        "tags",
        "dependencies",
        "mount",
    }
    assert {m["path"] for m in data["mounts"]} == {"/sub", "/static", "/wsgi", "/raw"}
    text = json.dumps(data)
    assert "hunter2" not in text and "pa55word" not in text
    assert json.loads(text) == data  # plain JSON all the way down


def test_an_app_wrapped_by_asgi_middleware_outside_it() -> None:
    """``app = Recorder(FastAPI())``: the wrapper is the outermost layer, then the app's."""
    info = inspect("layered", app="wrapped:app")
    assert info.errors == (), info.errors
    assert info.middleware[0].added_by == "wraps the app"
    assert info.middleware[0].name == "Recorder"
    assert info.middleware[0].source == "recorders.py:11"  # the wrapper's class
    assert info.middleware[1].name == "ServerErrorMiddleware"  # then the app's own stack
    assert user_labels(info.middleware) == ["Recorder", "inside"]
    with serve(APPS / "layered", "wrapped:app") as base:
        assert trail(httpx.get(base + "/ping")) == ["wrapper", "inside"]
