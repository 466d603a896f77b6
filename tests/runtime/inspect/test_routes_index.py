"""Merging OpenAPI operations with the probe's routes; grouping and filtering."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.editor import editor_command, parse_source
from asgideck.runtime.inspect import RouteInfo, build_index, filter_entries, group_entries
from asgideck.runtime.openapi import parse_document

DOC = parse_document(
    {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            "/api/v1/items": {
                "get": {"tags": ["items"], "summary": "List", "responses": {}},
                "post": {"tags": ["items"], "deprecated": True, "responses": {}},
            },
            "/health": {"get": {"operationId": "health", "responses": {}}},
        },
    }
)


def route(kind: str, path: str, methods: tuple[str, ...] = (), **extra: object) -> RouteInfo:
    values: dict[str, object] = {
        "kind": kind,
        "path": path,
        "path_format": path,
        "methods": methods,
        "name": path.strip("/").replace("/", "_") or "root",
        "endpoint": "m:f",
        "source": "app/x.py:3",
        "tags": (),
        "summary": None,
        "deprecated": None,
        "include_in_schema": True,
        "response_model": None,
        "status_code": None,
        "operation_id": None,
        "dependencies": (),
        "params": {},
        "mount": None,
        "route_class": "APIRoute",
        **extra,
    }
    return RouteInfo(**values)  # type: ignore[arg-type]


class FakeInfo:
    def __init__(self, routes: list[RouteInfo]) -> None:
        self._routes = tuple(routes)

    def all_routes(self) -> tuple[RouteInfo, ...]:
        return self._routes


def test_operations_merge_with_probe_routes_and_keep_the_extras() -> None:
    info = FakeInfo(
        [
            route("http", "/api/v1/items", ("GET", "HEAD")),
            route("websocket", "/ws/echo"),
            route("http", "/internal", ("GET",), include_in_schema=False),
        ]
    )
    entries = build_index(DOC, info)  # type: ignore[arg-type]
    by_key = {(e.method, e.path): e for e in entries}
    assert by_key[("GET", "/api/v1/items")].route is not None
    assert by_key[("GET", "/api/v1/items")].operation is not None
    assert by_key[("POST", "/api/v1/items")].deprecated
    assert by_key[("WS", "/ws/echo")].kind == "websocket"
    assert not by_key[("GET", "/internal")].in_schema
    assert ("HEAD", "/api/v1/items") not in by_key


def test_filter_needs_every_word_and_groups_by_tag_or_prefix() -> None:
    entries = build_index(DOC)
    assert [(e.method, e.path) for e in filter_entries(entries, "items GET")] == [
        ("GET", "/api/v1/items")
    ]
    assert filter_entries(entries, "") == entries
    assert [name for name, _ in group_entries(entries, "tag")] == ["items", "(untagged)"]
    assert [name for name, _ in group_entries(entries, "prefix")] == ["/api/v1/items", "/health"]


def test_editor_commands_put_the_line_where_each_editor_wants_it(tmp_path: Path) -> None:
    file = tmp_path / "a.py"
    assert editor_command(file, 7, {"ASGIDECK_EDITOR": "vim"}) == ["vim", "+7", str(file)]
    assert editor_command(file, 7, {"VISUAL": "code --wait"}) == [
        "code",
        "--wait",
        "-g",
        f"{file}:7",
    ]
    assert editor_command(file, 7, {"ASGIDECK_EDITOR": "pycharm", "EDITOR": "vim"}) == [
        "pycharm", "--line", "7", str(file),
    ]  # fmt: skip
    assert editor_command(file, 7, {"PATH": str(tmp_path)}) is None


def test_terminal_editors_from_visual_or_editor_are_skipped(tmp_path: Path) -> None:
    """The GUI starts the editor without a terminal: vim would hang there, unseen."""
    file = tmp_path / "a.py"
    empty = str(tmp_path)  # a PATH without any GUI editor
    assert editor_command(file, 7, {"EDITOR": "vim", "PATH": empty}) is None
    assert editor_command(file, 7, {"VISUAL": "nano", "EDITOR": "emacs -nw", "PATH": empty}) is None
    assert editor_command(file, 7, {"VISUAL": "nvim", "EDITOR": "gvim", "PATH": empty}) == [
        "gvim", "+7", str(file),
    ]  # fmt: skip
    assert editor_command(file, 7, {"EDITOR": "emacs", "PATH": empty}) == [
        "emacs", "+7", str(file),
    ]  # fmt: skip
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    code = bin_dir / "code"
    code.write_text("#!/bin/sh\n")
    code.chmod(0o755)
    assert editor_command(file, 7, {"EDITOR": "vim", "PATH": str(bin_dir)}) == [
        str(code), "-g", f"{file}:7",
    ]  # fmt: skip
    assert parse_source("app/x.py:12", tmp_path) == (tmp_path / "app/x.py", 12)
