"""The probe's route reader: routes, mounts (with their own middleware) and dependency trees.

Routes of ``include_router`` come from ``fastapi.routing.iter_route_contexts`` where
FastAPI has it (>= 0.137 keeps private entries in ``app.routes``) and from
``app.routes`` before that. A route that cannot be read becomes an error entry; the
others are still listed.

Stdlib-only and Python 3.8 syntax, like ``_main.py``: it runs in the project's interpreter.
"""

from __future__ import annotations

import inspect
from typing import Any

from ._describe import (
    Places,
    app_name,
    dotted,
    isinstance_of,
    loaded_module,
    short_name,
    type_name,
    type_path,
    unwrap,
)
from ._middleware import MiddlewareReader

MAX_MOUNT_DEPTH = 16
MAX_DEPENDENCY_DEPTH = 32
MAX_DEPENDENCY_NODES = 20000
PARAM_LOCATIONS = (
    ("path", "path_params"),
    ("query", "query_params"),
    ("header", "header_params"),
    ("cookie", "cookie_params"),
    ("body", "body_params"),
)


class RouteReader:
    """Lists an app's routes; mounted apps are read too and collected in :attr:`mounts`."""

    def __init__(self, places: Places, middleware: MiddlewareReader) -> None:
        self.places = places
        self.middleware = middleware
        self.mounts: list[dict[str, Any]] = []
        self._nodes = 0

    # ------------------------------------------------------------------ routes

    def route_entries(self, routes: Any) -> list[Any]:
        contexts = getattr(loaded_module("fastapi.routing"), "iter_route_contexts", None)
        if contexts is not None:
            return list(contexts(list(routes)))
        return list(routes)

    def routes(
        self, routes: Any, prefix: str, mount: str | None, depth: int
    ) -> list[dict[str, Any]]:
        try:
            entries = self.route_entries(routes)
        except BaseException as exc:
            self.places.error(exc, "routes", "listing the routes failed")
            return []
        out: list[dict[str, Any]] = []
        for item in entries:
            try:
                out.append(self.route(item, prefix, mount, depth))
            except BaseException as exc:
                shown = getattr(item, "path", None) or repr(item)[:80]
                self.places.error(exc, "routes", f"reading the route {shown} failed")
        return out

    def route(self, item: Any, prefix: str, mount: str | None, depth: int) -> dict[str, Any]:
        original = getattr(item, "original_route", None) or item
        path = str(getattr(item, "path", "") or "")
        path_format = str(getattr(item, "path_format", None) or path)
        endpoint = getattr(item, "endpoint", None)
        tags = [getattr(t, "value", t) for t in getattr(item, "tags", None) or ()]
        where = self.places.where
        info: dict[str, Any] = {
            "kind": _route_kind(original),
            "path": prefix + path,
            "path_format": prefix + path_format,
            "methods": sorted(getattr(item, "methods", None) or ()),
            "name": getattr(item, "name", None),
            "endpoint": dotted(endpoint),
            "source": where(endpoint, project_only=False) if endpoint is not None else None,
            "tags": [str(t) for t in tags],
            "summary": getattr(item, "summary", None),
            "deprecated": getattr(item, "deprecated", None),
            "include_in_schema": bool(getattr(item, "include_in_schema", True)),
            "response_model": type_name(getattr(item, "response_model", None)),
            "status_code": getattr(item, "status_code", None),
            "operation_id": getattr(item, "operation_id", None),
            "dependencies": [],
            "params": {},
            "mount": mount,
            "class": type_path(original),
        }
        dependant = getattr(item, "dependant", None)
        if dependant is not None:
            info["params"] = _params(dependant)
            info["dependencies"] = [
                self.dependency(d, 1) for d in getattr(dependant, "dependencies", None) or ()
            ]
        if info["kind"] in ("mount", "host"):
            info["path_format"] = info["path"]
            info["host"] = getattr(original, "host", None)
            self.mount(item, original, prefix + path, mount, depth, info)
        return info

    # ------------------------------------------------------------------ mounts

    def mount(
        self, item: Any, original: Any, path: str, parent: str | None, depth: int, route: Any
    ) -> None:
        sub = getattr(item, "app", None)
        if sub is None:
            sub = getattr(original, "app", None)
        record: dict[str, Any] = {
            "path": path,
            "name": getattr(item, "name", None),
            "app": app_name(sub),
            "opaque": False,
            "detail": None,
            "middleware": [],
            "routes": [],
            "mount": parent,
            "host": getattr(original, "host", None),
        }
        self.mounts.append(record)
        route["app"] = record["app"]
        if depth >= MAX_MOUNT_DEPTH:
            record["detail"] = f"not read: mounts nested deeper than {MAX_MOUNT_DEPTH}"
            return
        app, wrappers = self.middleware.find_starlette(sub)
        if app is not None:
            record["app"] = type_path(app)
            record["middleware"] = self.middleware.middleware(app, wrappers)
            record["routes"] = self.routes(getattr(app, "routes", ()), path, path, depth + 1)
        elif isinstance_of(sub, "starlette.routing", "Router"):
            record["routes"] = self.routes(getattr(sub, "routes", ()), path, path, depth + 1)
        else:
            record["opaque"] = True
            record["detail"] = self.opaque_detail(sub)
        route["app"] = record["app"]

    def opaque_detail(self, app: Any) -> str:
        directory = getattr(app, "directory", None)
        if directory is not None:
            shown = self.places.relative(str(directory)) or str(directory)
            return f"static files from {shown}"
        if (
            isinstance_of(app, "starlette.middleware.wsgi", "WSGIMiddleware")
            or "wsgi" in type_path(app).lower()
        ):
            inner = getattr(app, "app", None)
            return "WSGI app {}".format(dotted(inner) if inner is not None else "?")
        return f"ASGI app {dotted(app)}"

    # ------------------------------------------------------------------ dependencies

    def dependency(self, dependant: Any, depth: int) -> dict[str, Any]:
        self._nodes += 1
        call = getattr(dependant, "call", None)
        node: dict[str, Any] = {
            "name": getattr(dependant, "name", None),
            "call": dotted(call),
            "callable": short_name(call) if call is not None else None,
            "source": self.places.where(call, project_only=False) if call is not None else None,
            "use_cache": bool(getattr(dependant, "use_cache", True)),
            "yield": _is_generator(call),
            "async": _is_async(call),
            "scope": getattr(dependant, "scope", None),
            "security": _security(call),
            "scopes": _scopes(dependant),
            "params": _params(dependant),
            "dependencies": [],
        }
        children = list(getattr(dependant, "dependencies", None) or ())
        if children and (depth >= MAX_DEPENDENCY_DEPTH or self._nodes > MAX_DEPENDENCY_NODES):
            node["truncated"] = True
            return node
        node["dependencies"] = [self.dependency(child, depth + 1) for child in children]
        return node


def _security(call: Any) -> dict[str, Any] | None:
    if not isinstance_of(call, "fastapi.security.base", "SecurityBase"):
        return None
    model = getattr(call, "model", None)
    kind = getattr(model, "type_", None)
    return {
        "scheme": type(call).__name__,
        "scheme_name": getattr(call, "scheme_name", None),
        "type": str(getattr(kind, "value", kind)) if kind is not None else None,
    }


def _route_kind(route: Any) -> str:
    if isinstance_of(route, "starlette.routing", "Mount"):
        return "mount"
    if isinstance_of(route, "starlette.routing", "Host"):
        return "host"
    if isinstance_of(route, "starlette.routing", "WebSocketRoute"):
        return "websocket"
    if isinstance_of(route, "starlette.routing", "Route"):
        return "http"
    if type(route).__name__.lower().find("websocket") >= 0:
        return "websocket"
    return "other"


def _params(dependant: Any) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for location, attribute in PARAM_LOCATIONS:
        names = []
        for field in getattr(dependant, attribute, None) or ():
            names.append(str(getattr(field, "alias", None) or getattr(field, "name", "?")))
        if names:
            params[location] = names
    return params


def _scopes(dependant: Any) -> list[str]:
    """The OAuth2 scopes in effect at this dependency (its parents' plus its own)."""
    if hasattr(dependant, "own_oauth_scopes"):  # FastAPI >= 0.12x keeps them apart
        scopes = list(getattr(dependant, "parent_oauth_scopes", None) or ())
        scopes += list(getattr(dependant, "own_oauth_scopes", None) or ())
    else:
        scopes = list(getattr(dependant, "security_scopes", None) or ())
    unique: list[str] = []
    for scope in scopes:
        if scope not in unique:
            unique.append(str(scope))
    return unique


def _call_targets(call: Any) -> list[Any]:
    if call is None:
        return []
    targets = [unwrap(call)]
    if not (inspect.isroutine(targets[0]) or inspect.isclass(targets[0])):
        for klass in type(targets[0]).__mro__[:-1]:  # not object's
            if "__call__" in klass.__dict__:
                targets.append(unwrap(klass.__dict__["__call__"]))
                break
    return targets


def _is_generator(call: Any) -> bool:
    return any(
        inspect.isgeneratorfunction(t) or inspect.isasyncgenfunction(t) for t in _call_targets(call)
    )


def _is_async(call: Any) -> bool:
    return any(
        inspect.iscoroutinefunction(t) or inspect.isasyncgenfunction(t) for t in _call_targets(call)
    )
