"""The app model's JSON, both ways through one codec: the probe's answer in, ``--json`` out."""

from __future__ import annotations

from typing import Any

from asgideck.runtime.inspect import app_info_json
from asgideck.runtime.inspect._app import app_info

DEPENDENCY: dict[str, Any] = {
    "name": "db",
    "call": "app.deps:get_db",
    "callable": "get_db",
    "source": "app/deps.py:3",
    "use_cache": False,
    "yield": True,
    "async": False,
    "scope": None,
    "security": None,
    "scopes": ["items:read"],
    "params": {"query": ["skip"]},
    "dependencies": [],
    "truncated": False,
}
ROUTE: dict[str, Any] = {
    "kind": "http",
    "path": "/items",
    "path_format": "/items",
    "methods": ["GET"],
    "name": "items",
    "endpoint": "app.api:items",
    "source": "app/api.py:9",
    "tags": ["items"],
    "summary": None,
    "deprecated": None,
    "include_in_schema": True,
    "response_model": None,
    "status_code": 200,
    "operation_id": None,
    "dependencies": [DEPENDENCY],
    "params": {},
    "mount": None,
    "class": "APIRoute",
}
LAYER: dict[str, Any] = {
    "name": "GZipMiddleware",
    "class": "GZipMiddleware",
    "module": "starlette.middleware.gzip",
    "qualname": "GZipMiddleware",
    "kind": "middleware",
    "user": True,
    "options": {"minimum_size": 512},
    "source": "main.py:9",
    "defined_at": None,
    "added_index": 0,
    "added_at": "main.py:9",
    "added_by": "add_middleware",
    "function": None,
    "factory": None,
    "note": None,
}
MOUNT_ROUTE: dict[str, Any] = {**ROUTE, "kind": "mount", "path": "/sub", "methods": []}
MOUNT_ROUTE.update({"class": "Mount", "dependencies": [], "app": "fastapi.FastAPI", "host": None})
MOUNT: dict[str, Any] = {
    "path": "/sub",
    "name": None,
    "app": "fastapi.FastAPI",
    "opaque": False,
    "detail": None,
    "middleware": [LAYER],
    "routes": [ROUTE],
    "mount": None,
    "host": None,
}
ANSWER: dict[str, Any] = {
    "app": "main:app",
    "app_class": "fastapi.applications.FastAPI",
    "fastapi": "0.115.0",
    "starlette": "0.40.0",
    "middleware": [LAYER],
    "routes": [ROUTE, MOUNT_ROUTE],
    "mounts": [MOUNT],
    "openapi": {"openapi": "3.1.0", "paths": {}},
    "openapi_url": "/openapi.json",
    "openapi_note": "",
    "root_path": "",
    "errors": [
        {"type": "T", "message": "m", "stage": "s", "where": "", "module": "", "traceback": ""}
    ],
}


def test_the_json_is_the_answer_minus_what_only_the_views_use() -> None:
    info = app_info(ANSWER, python="3.12.1")
    assert info.python == "3.12.1" and info.app_class == "fastapi.applications.FastAPI"
    assert info.middleware[0].cls == "GZipMiddleware"
    assert info.routes[0].dependencies[0].is_generator is True
    expected = {
        "app": "main:app",
        "fastapi": "0.115.0",
        "starlette": "0.40.0",
        "middleware": [LAYER],
        "routes": [ROUTE, MOUNT_ROUTE],  # an http route has no app/host keys
        "mounts": [MOUNT],
        "openapi": {"openapi": "3.1.0", "paths": {}},
        "openapi_note": "",
        "errors": ANSWER["errors"],
    }
    assert app_info_json(info) == expected
    assert list(app_info_json(info)) == list(expected)  # the printed key order, too


def test_missing_keys_and_nulls_read_as_the_defaults() -> None:
    info = app_info({"middleware": [{"name": "X"}], "routes": [{"dependencies": [{}]}]})
    [layer] = info.middleware
    assert (layer.kind, layer.user, layer.options, layer.added_index) == (
        "middleware",
        False,
        {},
        None,
    )
    [route] = info.routes
    assert route.include_in_schema is True and route.deprecated is None and route.params == {}
    [dep] = route.dependencies
    assert dep.use_cache is True and dep.is_generator is False and dep.scopes == ()
    assert app_info({"openapi_note": None, "errors": [{"where": None}]}).errors[0].where == ""
    assert info.openapi is None and info.errors == ()


def test_values_are_coerced_to_their_types_and_misfits_become_none() -> None:
    route = {"status_code": True, "deprecated": 0, "methods": ["GET", 1], "params": {"q": [1]}}
    info = app_info({"routes": [route], "openapi": ["not", "an", "object"]})
    [read] = info.routes
    assert read.status_code is None  # a bool is not a status code
    assert read.deprecated is False and read.methods == ("GET", "1")
    assert read.params == {"q": ("1",)}
    assert info.openapi is None
