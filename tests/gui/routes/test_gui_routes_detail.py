"""Routes tab, the small things of issue #11 (defect 10) on sample_app: rows not cramped,
Summary not cut (and whole in the tooltip), a hint in the empty detail pane, an evenly
indented dependency tree with installed packages' paths shortened, "* required" only
when something is, a parameter's real schema type, and the filter focused when shown.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QFontMetrics

from asgideck.gui.tabs.routes.detail import EMPTY_HINT, short_source


def wait_inspected(window, qtbot):  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.inspection.snapshot.info is not None, timeout=30_000)
    return window.routes_view


def first_index(view, method: str, path: str):  # type: ignore[no-untyped-def]
    assert view.select_path(method, path)
    return view.tree.currentIndex()


def test_rows_breathe_and_the_summary_is_whole(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = wait_inspected(window, qtbot)
    window.resize(1400, 900)
    window.show_tab("routes")
    index = first_index(view, "GET", "/api/v1/items/{item_id}")
    text_height = QFontMetrics(view.tree.font()).height()
    assert view.tree.visualRect(index).height() >= text_height + 8  # not cramped
    header = view.tree.header()
    assert header.sectionSize(1) >= QFontMetrics(view.tree.font()).horizontalAdvance(
        "/api/v1/items/{item_id}"
    )  # the path column fits the paths
    assert header.sectionSize(2) >= 120  # Summary keeps room
    summary_index = index.siblingAtColumn(2)
    summary = view.model.data(summary_index, Qt.ItemDataRole.DisplayRole)
    assert summary and summary in view.model.data(summary_index, Qt.ItemDataRole.ToolTipRole)


def test_the_empty_detail_pane_says_what_to_do(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = wait_inspected(window, qtbot)
    assert EMPTY_HINT in view.detail.toPlainText()
    first_index(view, "GET", "/api/v1/items")
    assert EMPTY_HINT not in view.detail.toPlainText()
    view.filter.setText("no route matches this")
    assert EMPTY_HINT in view.detail.toPlainText()


def test_parameter_types_and_the_required_legend(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = wait_inspected(window, qtbot)
    first_index(view, "GET", "/api/v1/items")  # q, skip, limit: all optional
    text = view.detail.toPlainText()
    cells = text.splitlines()  # a table cell per line: name, in, type, description
    q_type = cells[cells.index("q") + 2]
    assert q_type == "string | null"  # str | None; it was shown as "object"
    assert "* required" not in text
    first_index(view, "GET", "/api/v1/items/{item_id}")
    text = view.detail.toPlainText()
    assert "item_id *" in text and "* required" in text
    assert re.search(r"item_id \*\s+path\s+integer", text)


def test_dependency_tree_is_even_and_short(make_window, sample_app: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = wait_inspected(window, qtbot)
    window.resize(1400, 900)
    window.show_tab("routes")
    first_index(view, "GET", "/api/v1/users/me")
    view.detail.document().documentLayout().documentSize()  # lay every block out
    text = view.detail.toPlainText()
    assert "fastapi/security/oauth2.py" in text
    assert "site-packages" not in text  # shortened in the text…
    html = view.detail.toHtml()
    assert "site-packages/fastapi/security/oauth2.py" in html  # …the link keeps the full path

    # One line per dependency, each level indented by the same step, never wrapped.
    document = view.detail.document()
    block = document.begin()
    margins, seen_deps = [], False
    while block.isValid():
        if block.text() == "Dependencies":
            seen_deps = True
        elif seen_deps and block.text().strip():
            margins.append(block.blockFormat().leftMargin())
            assert "\u2028" not in block.text()
            assert block.layout().lineCount() == 1, f"wrapped: {block.text()!r}"
        block = block.next()
    levels = sorted(set(margins))
    assert len(levels) >= 3, levels  # users/me → active user → current user → oauth2
    steps = {b - a for a, b in itertools.pairwise(levels)}
    assert len(steps) == 1 and levels[0] == 0, levels

    # Hovering a shortened link shows the whole path.
    full = "/x/.venv/lib/python3.12/site-packages/fastapi/security/oauth2.py:10"
    view.detail.highlighted.emit(QUrl(f"source:{full}"))
    assert view.detail.toolTip() == full
    assert short_source(full) == "fastapi/security/oauth2.py:10"
    assert short_source("app/api/deps.py:12") == "app/api/deps.py:12"


def test_shown_the_filter_has_focus_and_down_reaches_the_routes(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = wait_inspected(window, qtbot)
    window.show_tab("routes")
    window.activateWindow()
    view.focus_main()
    qtbot.waitUntil(lambda: view.filter.hasFocus(), timeout=5_000)
    qtbot.keyClicks(view.filter, "items")
    qtbot.keyClick(view.filter, Qt.Key.Key_Down)
    qtbot.waitUntil(lambda: view.tree.hasFocus(), timeout=5_000)
    entry = view.selected()
    assert entry is not None and "items" in entry.path
