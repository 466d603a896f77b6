"""The bundled sample app: every route, the WebSocket route and the middleware in true order."""

from __future__ import annotations

from pathlib import Path

import httpx

from asgideck.runtime.inspect import AppInfo, fetch_openapi, inspect_project
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from support import SAMPLE_APP
from support.inspecting import by_path, serve, user_labels

SAMPLE_ROUTES = {
    ("GET", "/health"),
    ("WEBSOCKET", "/ws/echo"),
    ("POST", "/api/v1/auth/token"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/me"),
    ("GET", "/api/v1/users"),
    ("GET", "/api/v1/items"),
    ("POST", "/api/v1/items"),
    ("GET", "/api/v1/items/{item_id}"),
    ("PATCH", "/api/v1/items/{item_id}"),
    ("DELETE", "/api/v1/items/{item_id}"),
    ("GET", "/api/v1/admin/stats"),
    ("POST", "/api/v1/debug/crash"),  # DEBUG=true in the development profile
}
# Outermost first, as app/main.py's comment says: RequestID -> Timing -> CORS -> admin check.
SAMPLE_ORDER = [
    "RequestIDMiddleware",
    "TimingMiddleware",
    "CORSMiddleware",
    "require_bearer_for_admin (http middleware)",
]


def sample_info() -> AppInfo:
    return inspect_project(open_project(SAMPLE_APP), "development")


def line_of(relative: str, text: str) -> str:
    """``relative:N``, N the line of the sample that holds ``text`` (the sample changes;
    what the probe reports must follow it)."""
    lines = (SAMPLE_APP / relative).read_text(encoding="utf-8").splitlines()
    return f"{relative}:{next(i for i, line in enumerate(lines, 1) if text in line)}"


def operations(info: AppInfo) -> set[tuple[str, str]]:
    found = set()
    for route in info.routes:
        if route.endpoint and route.endpoint.startswith("fastapi."):
            continue  # /docs, /redoc, /openapi.json
        methods = route.methods if route.kind == "http" else ("WEBSOCKET",)
        found |= {(method, route.path) for method in methods}
    return found


def test_every_route_and_the_websocket() -> None:
    info = sample_info()
    assert info.errors == (), info.errors
    assert operations(info) == SAMPLE_ROUTES
    routes = by_path(info.routes)
    read = routes[("/api/v1/items/{item_id}", "GET")]
    assert read.endpoint == "app.api.v1.routes.items:read_item"
    assert read.source == line_of("app/api/v1/routes/items.py", '@router.get("/{item_id}")')
    assert read.tags == ("items",)
    db, cache = read.dependencies[:2]
    assert db.call == "app.api.deps:get_db" and db.is_generator
    assert cache.call == "app.api.deps:get_item_cache" and not cache.is_generator
    assert [d.callable for d in cache.dependencies] == ["get_redis", "get_settings"]
    echo = routes[("/ws/echo", "")]
    assert echo.kind == "websocket" and echo.source == "app/api/v1/routes/system.py:23"
    me = routes[("/api/v1/users/me", "GET")]
    chain = [d.callable for d in me.dependencies[0].walk()]
    assert chain[:2] == ["get_current_active_user", "get_current_user"]
    assert "OAuth2PasswordBearer" in chain


def test_middleware_in_the_order_it_runs(tmp_path: Path) -> None:
    info = sample_info()
    assert [layer.name for layer in info.middleware if layer.user] == SAMPLE_ORDER
    admin = next(layer for layer in info.middleware if layer.function)
    assert admin.source == line_of("app/core/middleware.py", "def require_bearer_for_admin")
    assert admin.added_at == line_of("app/main.py", '.middleware("http")(require_bearer_for_admin)')
    cors = next(layer for layer in info.middleware if layer.name == "CORSMiddleware")
    assert cors.options["allow_origins"] == ["http://localhost:3000", "http://localhost:5173"]
    assert [layer.added_index for layer in info.middleware if layer.user] == [3, 2, 1, 0]
    assert user_labels(info.middleware) == [
        "RequestIDMiddleware",
        "TimingMiddleware",
        "CORSMiddleware",
        "require_bearer_for_admin",
    ]

    # Prove it on a real server. A layer adds its response headers when the response starts
    # on its way out, so inner layers' headers come first; the admin check's 401 carries CORS
    # headers only because CORS is outside it.
    env = load_profile(SAMPLE_APP, "development").environ()
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'sample.db'}"
    origin = {"Origin": "http://localhost:3000"}
    with serve(SAMPLE_APP, "app.main:app", env=env) as base:
        health = httpx.get(base + "/health", headers=origin)
        admin_401 = httpx.get(base + "/api/v1/admin/stats", headers=origin)
        served = fetch_openapi(base)
    assert health.status_code == 200
    names = [name.lower() for name, _ in health.headers.multi_items()]
    cors_at = names.index("access-control-allow-origin")
    assert cors_at < names.index("x-process-time") < names.index("x-request-id")
    assert admin_401.status_code == 401
    assert admin_401.headers["access-control-allow-origin"] == "http://localhost:3000"
    assert "x-request-id" in admin_401.headers and "x-process-time" in admin_401.headers
    # and the served OpenAPI lists exactly the reported HTTP routes
    served_ops = {(op.method, op.path) for op in served.operations}
    assert served_ops == {op for op in SAMPLE_ROUTES if op[0] != "WEBSOCKET"}
