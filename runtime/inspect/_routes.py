"""Every route of an app in one flat list: OpenAPI operations merged with what the probe
saw (WebSocket routes, mounts and routes left out of the schema), ready to group and filter.

Built once per document; filtering is a substring test on a prepared lower-case text,
so it stays instant on thousands of operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from asgideck.runtime.inspect._app import AppInfo, RouteInfo
from asgideck.runtime.openapi import Document, Operation

__all__ = ["GroupBy", "RouteEntry", "build_index", "filter_entries", "group_entries"]

GroupBy = Literal["tag", "prefix"]
UNTAGGED = "(untagged)"


@dataclass(frozen=True, slots=True)
class RouteEntry:
    kind: str  # "http", "websocket", "mount"
    method: str  # "GET" …, "WS" for WebSocket routes, "MOUNT" for mounted apps
    path: str
    tags: tuple[str, ...]
    summary: str
    name: str
    deprecated: bool
    in_schema: bool
    operation: Operation | None = None
    route: RouteInfo | None = None
    search_text: str = field(default="", compare=False)


def _entry(
    kind: str,
    method: str,
    path: str,
    tags: Sequence[str],
    summary: str,
    name: str,
    deprecated: bool,
    in_schema: bool,
    operation: Operation | None,
    route: RouteInfo | None,
) -> RouteEntry:
    text = " ".join((method, path, name, summary, *tags)).lower()
    return RouteEntry(
        kind,
        method,
        path,
        tuple(tags),
        summary,
        name,
        deprecated,
        in_schema,
        operation,
        route,
        text,
    )


def build_index(doc: Document | None, info: AppInfo | None = None) -> list[RouteEntry]:
    """Operations in document order, then the probe's routes the document does not have."""
    routes: dict[tuple[str, str], RouteInfo] = {}
    extra: list[RouteInfo] = []
    for route in info.all_routes() if info is not None else ():
        if route.kind == "http" and route.methods:
            for method in route.methods:
                routes.setdefault((method.upper(), route.path), route)
        else:
            extra.append(route)
    entries: list[RouteEntry] = []
    seen: set[tuple[str, str]] = set()
    for op in doc.operations if doc is not None else ():
        key = (op.method, op.path)
        seen.add(key)
        matched = routes.get(key)
        name = op.operation_id or (matched.name if matched and matched.name else "")
        entries.append(
            _entry(
                "http",
                op.method,
                op.path,
                op.tags,
                op.summary,
                name,
                op.deprecated,
                True,
                op,
                matched,
            )
        )
    for (method, path), route in routes.items():
        if (method, path) not in seen and method != "HEAD":
            entries.append(_from_route(route, method))
    entries.extend(_from_route(other, None) for other in extra)
    return entries


def _from_route(route: RouteInfo, method: str | None) -> RouteEntry:
    kind = route.kind if route.kind in ("websocket", "mount") else "http"
    shown = {"websocket": "WS", "mount": "MOUNT"}.get(kind, method or "ANY")
    summary = route.summary or (f"mounted {route.app}" if kind == "mount" and route.app else "")
    return _entry(
        kind,
        shown,
        route.path,
        route.tags,
        summary,
        route.name or "",
        bool(route.deprecated),
        route.include_in_schema and kind == "http",
        None,
        route,
    )


def filter_entries(entries: Iterable[RouteEntry], query: str) -> list[RouteEntry]:
    """Entries containing every word of ``query`` (path, name, tag, method, summary)."""
    words = query.lower().split()
    if not words:
        return list(entries)
    return [e for e in entries if all(w in e.search_text for w in words)]


def group_entries(
    entries: Iterable[RouteEntry], by: GroupBy = "tag"
) -> list[tuple[str, list[RouteEntry]]]:
    """Groups in first-seen order; an entry with several tags appears under each."""
    groups: dict[str, list[RouteEntry]] = {}
    for entry in entries:
        if by == "tag":
            keys: Sequence[str] = entry.tags or (UNTAGGED,)
        else:
            keys = (_prefix(entry.path),)
        for key in keys:
            groups.setdefault(key, []).append(entry)
    return list(groups.items())


def _prefix(path: str) -> str:
    parts = [p for p in path.split("/") if p and not p.startswith("{")]
    if not parts:
        return "/"
    if parts[0] == "api" and len(parts) > 2 and parts[1].startswith("v"):
        return "/" + "/".join(parts[:3])  # /api/v1/items
    return "/" + parts[0]
