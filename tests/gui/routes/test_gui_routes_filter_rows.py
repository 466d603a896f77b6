"""The Routes filter, made fast for issue #15, shows exactly the rows it showed before.

Before, every keystroke reset the model to ``group_entries(filter_entries(entries,
query), by)`` and re-expanded the tree. Now the tree's shape lives in C++ tables, a query
that only narrows the last one filters the last result, and a keystroke that leaves the
rows as they were resets nothing. Each query here must still show that grouping: the same
groups in the same order, the same routes under each, the same texts, every group open.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from PySide6.QtCore import QModelIndex, Qt

from asgideck.gui.tabs.routes.detail import EMPTY_HINT
from asgideck.gui.tabs.routes.model import ENTRY_ROLE, RoutesModel
from asgideck.gui.tabs.routes.view import RoutesView
from asgideck.runtime.inspect import (
    GroupBy,
    Inspection,
    RouteEntry,
    Snapshot,
    build_index,
    filter_entries,
    group_entries,
)
from asgideck.runtime.openapi import parse_bytes
from asgideck.runtime.project import open_project
from support import REPO, SAMPLE_APP

SUBSET = REPO / "tests" / "runtime" / "openapi" / "github_subset.json"
TYPED = "repos pulls get"
QUERIES = [
    "",
    "get",
    "GET",
    "post delete",
    "/repos",
    "{owner}",
    "pulls",
    "PuLLs",
    "  gists   star ",
    "repos get",
    "ws",
    "mount",
    "both",
    "zzzz-no-match",
    "untagged",
    "(untagged)",
]


def _entry(
    kind: str, method: str, path: str, tags: tuple[str, ...], summary: str = ""
) -> RouteEntry:
    name = path.strip("/").replace("/", "_") or "root"
    text = " ".join((method, path, name, summary, *tags)).lower()
    return RouteEntry(
        kind, method, path, tags, summary, name, False, kind == "http", None, None, text
    )


@pytest.fixture(scope="module")
def entries() -> list[RouteEntry]:
    """GitHub's operations, one listed under two tags (in the other order), an untagged
    one, a WebSocket route and a mount: groups whose first-seen order filtering changes."""
    found = build_index(parse_bytes(SUBSET.read_bytes()))
    first = found[0]
    both = replace(
        first,
        tags=("zeta", *first.tags),
        summary="both tags",
        search_text=first.search_text + " zeta both tags",
    )
    return [
        *found,
        both,
        _entry("http", "GET", "/plain", ()),
        _entry("websocket", "WS", "/ws/echo", ("live",)),
        _entry("mount", "MOUNT", "/static", (), "mounted files"),
    ]


def expected(entries: list[RouteEntry], query: str, by: GroupBy) -> list[Any]:
    """The rows the model used to build for ``query``: group label, then its routes."""
    return [
        (f"{name}  ({len(rows)})", [(e.method, e.path, e.summary or e.name, id(e)) for e in rows])
        for name, rows in group_entries(filter_entries(entries, query), by)
    ]


def model_rows(model: RoutesModel) -> list[Any]:
    rows = []
    for g in range(model.rowCount()):
        group = model.index(g, 0)
        routes = []
        for r in range(model.rowCount(group)):
            cells = [model.data(model.index(r, c, group)) for c in range(3)]
            entry = model.entry(model.index(r, 0, group))
            assert entry is model.data(model.index(r, 0, group), ENTRY_ROLE)
            routes.append((*cells, id(entry)))
        rows.append((model.data(group), routes))
    return rows


def tree_rows(view: RoutesView) -> Iterator[tuple[bool, str]]:
    """The rows the tree lays out, top to bottom: (is a group row, its first cell)."""
    index = view.tree.model().index(0, 0)
    while index.isValid():
        yield not index.parent().isValid(), str(index.data(Qt.ItemDataRole.DisplayRole))
        index = view.tree.indexBelow(index)


def assert_shows(view: RoutesView, entries: list[RouteEntry], query: str, by: GroupBy) -> None:
    want = expected(entries, query, by)
    assert model_rows(view.model) == want, query
    laid_out = [(True, label) for label, routes in want for _ in [0]]
    flat: list[tuple[bool, str]] = []
    for (label, routes), _ in zip(want, laid_out, strict=True):
        flat.append((True, label))
        flat.extend((False, method) for method, *_ in routes)
    assert list(tree_rows(view)) == flat, query  # every group open, nothing else shown
    root = QModelIndex()
    assert all(view.tree.isFirstColumnSpanned(g, root) for g in range(len(want)))
    shown = len({e for _, rows in want for *_, e in rows})
    assert view.status.text().startswith(f"{shown:,} of {len(entries):,} routes")


@pytest.fixture
def view(qtbot, entries: list[RouteEntry]) -> Iterator[RoutesView]:  # type: ignore[no-untyped-def]
    inspection = Inspection(open_project(SAMPLE_APP))
    shown = RoutesView(inspection)
    qtbot.addWidget(shown)
    shown.resize(1100, 700)
    shown.show()
    inspection.apply(Snapshot(entries=tuple(entries)))
    yield shown
    shown.detach()


@pytest.mark.parametrize("by", ["tag", "prefix"])
def test_each_query_shows_the_rows_it_used_to(
    view: RoutesView, entries: list[RouteEntry], by: GroupBy, qtmodeltester
) -> None:  # type: ignore[no-untyped-def]
    view.group_by.setCurrentIndex(0 if by == "tag" else 1)
    assert_shows(view, entries, "", by)
    for query in QUERIES:
        view.filter.setText(query)
        assert_shows(view, entries, query, by)
    qtmodeltester.check(view.model)


def test_typing_and_deleting_a_query_key_by_key(
    view: RoutesView, entries: list[RouteEntry]
) -> None:
    typed = [TYPED[:n] for n in [*range(1, len(TYPED) + 1), *range(len(TYPED) - 1, -1, -1)]]
    jumps = ["pulls", "pulls x", "gists", "gis", "repos   pulls", "repos pulls z", "PULLS", ""]
    for query in [*typed, *jumps, *typed]:
        view.filter.setText(query)
        assert_shows(view, entries, query, "tag")
    view.group_by.setCurrentIndex(1)
    for query in typed:
        view.filter.setText(query)
        assert_shows(view, entries, query, "prefix")


def test_new_entries_replace_the_last_result(view: RoutesView, entries: list[RouteEntry]) -> None:
    view.filter.setText("repos")
    fewer = [e for e in entries if "get" not in e.search_text]
    view.inspection.apply(Snapshot(entries=tuple(fewer)))
    assert_shows(view, fewer, "repos", "tag")
    view.filter.setText("repos pulls")  # narrows: filtered from the new entries, not the old
    assert_shows(view, fewer, "repos pulls", "tag")


def test_a_key_that_changes_no_row_still_ends_the_selection(
    view: RoutesView, entries: list[RouteEntry]
) -> None:
    view.filter.setText("repos")
    group = view.model.index(0, 0)
    view.tree.setCurrentIndex(view.model.index(0, 0, group))
    assert view.selected() is not None and EMPTY_HINT not in view.detail.toPlainText()
    view.filter.setText("repos ")  # the same words, the same rows
    assert view.selected() is None
    assert EMPTY_HINT in view.detail.toPlainText()
    assert_shows(view, entries, "repos ", "tag")


def test_the_tree_cannot_edit_a_route(view: RoutesView) -> None:
    group = view.model.index(0, 0)
    route = view.model.index(0, 1, group)
    view.tree.setCurrentIndex(route)
    view.tree.edit(route)
    assert view.tree.state() != view.tree.State.EditingState
    assert view.model.flags(group) == (Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled)
