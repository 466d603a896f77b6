"""Shared by the inspect tests: the purpose-built apps, a real uvicorn, and the checks
that must hold under every FastAPI version (test_inspect_versions runs them again)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import httpx

from asgideck.runtime.inspect import (
    AppInfo,
    MiddlewareLayer,
    RouteInfo,
    inspect_project,
    probe_environment,
)
from asgideck.runtime.profiles import Profile
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import free_port
from support import APPS as SUPPORT_APPS

APPS = SUPPORT_APPS / "inspect_apps"
TRAIL = "x-trail"
# What the layered app's docstring promises, outermost first.
LAYERED_ORDER = ["last-added", "shy", "CORSMiddleware", "stamp_http", "first-added", "constructor"]
SUB_ORDER = ["sub-outer", "sub-inner"]


def inspect(
    name: str | Path,
    *,
    python: Path | None = None,
    app: str | None = None,
    factory: bool | None = None,
    profile: Profile | str | None = None,
) -> AppInfo:
    root = APPS / name if isinstance(name, str) else name
    project = open_project(root, python=str(python) if python else None, app=app, factory=factory)
    return inspect_project(project, profile, timeout=60)


def line_of(root: Path, rel: str, needle: str) -> str:
    """``rel:N`` of the first line of ``root/rel`` that contains ``needle``."""
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    return f"{rel}:{next(n for n, line in enumerate(lines, 1) if needle in line)}"


def label(layer: MiddlewareLayer) -> str:
    """What a recording layer writes in x-trail (its label, its function), else its name."""
    if "label" in layer.options:
        return str(layer.options["label"])
    if layer.function:
        return layer.function.rsplit(":", 1)[-1]
    return layer.name


def user_labels(layers: Sequence[MiddlewareLayer]) -> list[str]:
    return [label(layer) for layer in layers if layer.user]


def trail(response: httpx.Response) -> list[str]:
    """The recorders that ran, outermost first (each appends on the way out)."""
    return list(reversed(response.headers.get_list(TRAIL)))


def by_path(routes: Sequence[RouteInfo]) -> dict[tuple[str, str], RouteInfo]:
    return {(r.path, ",".join(r.methods)): r for r in routes}


# ------------------------------------------------------------------------- a real server


@contextlib.contextmanager
def serve(
    root: Path,
    target: str,
    *,
    python: Path | None = None,
    env: dict[str, str] | None = None,
    args: Sequence[str] = (),
    timeout: float = 30.0,
) -> Iterator[str]:
    """uvicorn serving ``target`` from ``root`` on a free loopback port; yields its base URL
    once it answers HTTP, and stops its whole process group afterwards."""
    port = free_port()
    argv = [str(python or sys.executable), "-m", "uvicorn", target, "--port", str(port)]
    argv += ["--host", "127.0.0.1", "--no-access-log", *args]
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(
            argv,
            cwd=root,
            env=probe_environment(env or {}),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_until_serving(proc, base, timeout, log)
            yield base
        finally:
            _stop(proc)


def _wait_until_serving(
    proc: subprocess.Popen[bytes], base: str, timeout: float, log: IO[bytes]
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            httpx.get(base + "/__asgideck_ready__", timeout=1.0)
            return
        except httpx.TransportError:
            time.sleep(0.05)  # poll again: the port is not accepting yet
    _stop(proc)
    log.seek(0)
    output = log.read().decode("utf-8", "replace")[-3000:]
    raise AssertionError(f"uvicorn did not serve {base} (exit {proc.returncode}):\n{output}")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)  # anything it left in its group


# ------------------------------------------------------------------------- shared checks


def check_layered(info: AppInfo) -> None:
    """The layered app's report: the same under every FastAPI version."""
    assert info.errors == (), info.errors
    assert user_labels(info.middleware) == LAYERED_ORDER
    assert info.middleware[-1].is_router and info.middleware[-1].name == "APIRouter"
    assert info.middleware[0].name == "ServerErrorMiddleware" and not info.middleware[0].user
    users = {label(layer): layer for layer in info.middleware if layer.user}
    # add order: first-added=0 ... last-added=4; the constructor's entry was never "added"
    added = {name: layer.added_index for name, layer in users.items()}
    assert added == {
        "first-added": 0,
        "stamp_http": 1,
        "CORSMiddleware": 2,
        "shy": 3,
        "last-added": 4,
        "constructor": None,
    }
    assert users["constructor"].added_by == "constructor"
    layered = APPS / "layered"
    assert users["last-added"].added_at == line_of(layered, "main.py", '"last-added"')
    assert users["first-added"].added_at == line_of(layered, "main.py", "app.add_middleware(")
    stamp = users["stamp_http"]
    assert stamp.name == "stamp_http (http middleware)"
    assert stamp.cls == "BaseHTTPMiddleware" and stamp.module == "starlette.middleware.base"
    assert stamp.function == "main:stamp_http"
    assert stamp.source == stamp.added_at == line_of(layered, "main.py", '@app.middleware("http")')
    shy = users["shy"]
    assert shy.source == line_of(layered, "recorders.py", "class ShyRecorder")
    assert shy.name == "ShyRecorder" and shy.added_at == line_of(layered, "main.py", '"shy"')
    cors = users["CORSMiddleware"]
    assert cors.module == "starlette.middleware.cors"
    assert cors.options == {
        "allow_origins": ["https://example.test"],
        "allow_credentials": True,
        "allow_methods": ["GET"],
    }
    # a library class: its source is where the project added it (the line before its name)
    cors_named = int(line_of(layered, "main.py", "    CORSMiddleware,").split(":")[1])
    assert cors.source == cors.added_at == f"main.py:{cors_named - 1}"
    assert users["first-added"].options == {
        "label": "first-added",
        "api_key": "****",
        "upstream": "https://bot:****@upstream.test/x",
        "config": "<types.SimpleNamespace>",  # an object: its type, never its repr
    }
    routes = by_path(info.routes)
    assert routes[("/ping", "GET")].endpoint == "main:ping"
    assert routes[("/ping", "GET")].source == line_of(layered, "main.py", '@app.get("/ping")')
    assert routes[("/ws", "")].kind == "websocket"
    mounts = {m.path: m for m in info.mounts}
    assert set(mounts) == {"/sub", "/static", "/wsgi", "/raw"}
    sub = mounts["/sub"]
    assert sub.app == "fastapi.applications.FastAPI" and not sub.opaque
    assert user_labels(sub.middleware) == SUB_ORDER and sub.middleware[-1].is_router
    ping = by_path(sub.routes)[("/sub/ping", "GET")]
    assert (ping.mount, ping.endpoint) == ("/sub", "main:sub_ping")
    assert mounts["/static"].opaque and mounts["/static"].detail == "static files from static"
    assert mounts["/wsgi"].opaque and mounts["/wsgi"].detail == "WSGI app main:wsgi_hello"
    assert mounts["/raw"].opaque and mounts["/raw"].app == "main:raw_asgi"
    kinds = {r.path: (r.kind, r.app) for r in info.routes if r.kind == "mount"}
    assert kinds["/sub"] == ("mount", "fastapi.applications.FastAPI")
    assert "hunter2" not in str(info) and "pa55word" not in str(info)


def prove_layered_order(info: AppInfo, python: Path | None = None) -> None:
    """Serve the layered app for real: the layers run in exactly the reported order."""
    reported = [name for name in user_labels(info.middleware) if name != "CORSMiddleware"]
    sub = next(m for m in info.mounts if m.path == "/sub")
    with serve(APPS / "layered", "main:app", python=python) as base:
        assert trail(httpx.get(base + "/ping")) == reported
        assert trail(httpx.get(base + "/sub/ping")) == reported + user_labels(sub.middleware)
        # CORS answers a preflight itself: only the layers reported outside it run.
        preflight = httpx.options(
            base + "/ping",
            headers={
                "Origin": "https://example.test",
                "Access-Control-Request-Method": "GET",
            },
        )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "https://example.test"
    order = user_labels(info.middleware)
    assert trail(preflight) == order[: order.index("CORSMiddleware")]


def check_routers(info: AppInfo) -> None:
    assert info.errors == (), info.errors
    assert user_labels(info.middleware) == []
    routes = by_path(info.routes)
    read = routes[("/api/v1/items/{item_id}", "GET")]
    assert (read.kind, read.endpoint, read.source) == ("http", "app.api:read_item", "app/api.py:18")
    assert read.tags == ("items",) and read.summary == "Read one item"
    assert read.response_model == "Item" and read.params == {"path": ("item_id",)}
    assert [d.callable for d in read.dependencies] == ["verify_key", "get_db", "current_user"]
    verify, db, user = read.dependencies
    assert verify.name is None and verify.params == {"header": ("x-key",)}  # router-level
    assert verify.source == "app/deps.py:22"
    assert db.is_generator and not db.is_async and db.name == "db" and db.use_cache
    assert user.scopes == ("items:read",) and user.name == "user"
    [scheme] = user.dependencies
    assert scheme.call == "fastapi.security.oauth2:OAuth2PasswordBearer"
    assert scheme.security is not None and scheme.security["scheme"] == "OAuth2PasswordBearer"
    assert scheme.scopes == ("items:read",)
    create = routes[("/api/v1/items", "POST")]
    assert create.status_code == 201 and create.deprecated is True
    assert create.params == {"body": ("item",)}
    paging = create.dependencies[1]
    assert paging.call == "app.deps:Paging" and paging.params == {"query": ("skip", "limit")}
    fresh = create.dependencies[2]
    assert fresh.is_generator and fresh.is_async and not fresh.use_cache
    live = routes[("/api/v1/items/live", "")]
    assert live.kind == "websocket" and live.endpoint == "app.api:live"
    assert [d.callable for d in live.dependencies] == ["verify_key", "get_db"]
    hidden = routes[("/api/v1/admin/hidden", "GET")]
    assert hidden.tags == ("admin",) and hidden.include_in_schema is False
    assert [d.callable for d in hidden.dependencies] == ["get_session"]
    assert routes[("/ws/root", "")].kind == "websocket"
    assert info.openapi is not None and info.openapi_url == "/openapi.json"
    paths = set(info.openapi["paths"])
    assert paths == {"/api/v1/items/{item_id}", "/api/v1/items"}  # no websocket, no hidden


def check_factory(info: AppInfo) -> None:
    assert info.errors == (), info.errors
    assert info.app == "main:create_app"
    assert user_labels(info.middleware) == ["GZipMiddleware"]
    assert info.middleware[-1].is_router
    gzip = next(layer for layer in info.middleware if layer.user)
    assert gzip.options == {"minimum_size": 512} and gzip.added_at == "main.py:9"
    assert info.openapi is None and info.openapi_url is None
    assert "openapi_url=None" in info.openapi_note
    assert info.root_path == "/proxy"
    assert by_path(info.routes)[("/hello", "GET")].endpoint == "main:create_app.<locals>.hello"


def check_starlette(info: AppInfo) -> None:
    assert info.errors == (), info.errors
    assert info.app_class == "starlette.applications.Starlette"
    names = [layer.name for layer in info.middleware]
    assert names[0] == "ServerErrorMiddleware" and names[-1] == "Router"
    assert user_labels(info.middleware) == ["TrustedHostMiddleware"]
    host = next(layer for layer in info.middleware if layer.user)
    assert host.added_by == "constructor"
    assert host.options == {"allowed_hosts": ["127.0.0.1", "localhost"]}
    routes = by_path(info.routes)
    assert routes[("/", "GET,HEAD")].endpoint == "app:home"
    assert routes[("/ping", "")].endpoint == "app:Ping" and routes[("/ping", "")].kind == "http"
    assert routes[("/ws", "")].kind == "websocket"
    assert routes[("/api", "")].kind == "mount"
    [api] = info.mounts
    assert api.app == "starlette.routing.Router" and api.middleware == ()
    users = by_path(api.routes)[("/api/users", "GET,HEAD,POST")]
    assert (users.mount, users.endpoint, users.source) == ("/api", "app:users", "app.py:17")
    assert info.openapi is None and "Starlette" in info.openapi_note
