"""Read tools over the app itself: its routes and its middleware stack, as the probe sees them.

Each call imports the app afresh in the project's own interpreter (the probe, as
``asgideck inspect`` does), so an assistant that just edited a route sees the edit.
An app that does not import is not a tool error: the answer carries its ``errors``
(stage, type, message, where) in place of routes, which is what an assistant needs
to fix it.
"""

from __future__ import annotations

from typing import Any

from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.inspect import AppInfo, MiddlewareLayer, RouteInfo, inspect_project

__all__ = ["list_middleware", "list_routes"]


def _inspect(desk: Desk, profile: str | None) -> tuple[AppInfo, str | None]:
    chosen = desk.profile_for_inspection(profile)
    return inspect_project(desk.project, chosen), chosen


def _head(info: AppInfo, profile: str | None) -> dict[str, Any]:
    return {
        "app": info.app,
        "profile": profile,
        "fastapi": info.fastapi,
        "starlette": info.starlette,
        "errors": [
            {
                "stage": e.stage,
                "type": e.type,
                "message": e.message,
                "where": e.where,
                "traceback": e.traceback[-4000:],
            }
            for e in info.errors
        ],
    }


def _route(route: RouteInfo) -> dict[str, Any]:
    return {
        "kind": route.kind,
        "methods": list(route.methods),
        "path": route.path,
        "name": route.name,
        "endpoint": route.endpoint,
        "source": route.source,
        "summary": route.summary,
        "tags": list(route.tags),
        "status_code": route.status_code,
        "response_model": route.response_model,
        "deprecated": bool(route.deprecated),
        "dependencies": [d.call or d.name for d in route.dependencies if d.call or d.name],
        "mount": route.mount,
    }


def list_routes(
    desk: Desk, profile: str | None = None, path_contains: str | None = None
) -> dict[str, Any]:
    """Every route of the app (those of mounted apps included), in the router's order."""
    info, chosen = _inspect(desk, profile)
    routes = info.all_routes()
    if path_contains:
        wanted = path_contains.lower()
        routes = tuple(r for r in routes if wanted in r.path.lower())
    return {**_head(info, chosen), "routes": [_route(r) for r in routes]}


def _layer(position: int, layer: MiddlewareLayer) -> dict[str, Any]:
    return {
        "position": position,
        "name": layer.name,
        "function": layer.function,  # the @app.middleware("http") function, module:qualname
        "class": f"{layer.module}.{layer.qualname}" if layer.module else layer.cls,
        "kind": layer.kind,
        "user": layer.user,
        "source": layer.source,
        "defined_at": layer.defined_at,
        "added_at": layer.added_at,
        "added_by": layer.added_by,
        "options": dict(layer.options),
        "note": layer.note,
    }


def list_middleware(desk: Desk, profile: str | None = None) -> dict[str, Any]:
    """The built middleware stack, outermost first, ending with the router."""
    info, chosen = _inspect(desk, profile)
    layers = [_layer(n, layer) for n, layer in enumerate(info.middleware, start=1)]
    return {**_head(info, chosen), "layers": layers}
