"""The Requests tab in the real window: its place and key, and a real uvicorn server
recorded by the agent showing the requests a test sends."""

from __future__ import annotations

from dataclasses import fields, replace
from pathlib import Path

import httpx
import pytest
from PySide6.QtGui import QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from asgideck.gui.project_page import LAZY_TABS, TABS
from asgideck.runtime.servers import ServerSpec, free_port
from support.window_servers import activate

RECORDS = "record" in {f.name for f in fields(ServerSpec)}


def test_requests_sits_between_middleware_and_try_with_its_key(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    assert TABS.index("requests") == TABS.index("middleware") + 1 == TABS.index("try") - 1
    assert "requests" in LAZY_TABS
    window = make_window(sample_app)
    assert window.page.built_view("requests") is None  # not paid for at start
    activate(window, qtbot)
    key = f"Ctrl+{TABS.index('requests') + 1}"
    QTest.keySequence(QApplication.focusWidget() or window, QKeySequence(key))
    view = window.page.built_view("requests")
    assert view is not None and window.tabs.currentWidget() is view
    assert window.tabs.tabText(TABS.index("requests")) == "Requests"
    assert window.tabs.tabToolTip(TABS.index("requests")).endswith(f"({key})")
    assert view.source is not None and view.source.name == window.servers_panel.selected_name()
    QTest.keySequence(QApplication.focusWidget() or window, QKeySequence("Ctrl+F"))
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.filters.path, timeout=2_000)
    name = view.source.name
    config = window.manager.server(name).config
    window.manager.update(name, replace(config, record=False))  # Edit Server…: off
    window.show_tab("overview")
    window.show_tab("requests")
    assert view.source.log is None and "Recording is off" in view.empty.text()
    labels = {a.text() for a in window.view_menu.actions()}
    assert {"Copy as &curl", "Open in &Try", "Open &Source", "C&lear Requests"} <= labels


@pytest.mark.skipif(not RECORDS, reason="ServerSpec.record (the agent's launch hook) not there")
def test_a_recorded_server_shows_its_requests_and_opens_one_in_try(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    manager, panel = window.manager, window.servers_panel
    config = manager.server("development").config
    manager.update("development", replace(config, port=free_port(), reload=False, record=True))
    panel.rebuild()
    panel.select("development")
    window.show_tab("requests")
    view = window.page.requests_view
    assert view.source is not None and view.source.recording and not view.source.running
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=30_000)
    qtbot.waitUntil(lambda: view.source is not None and view.source.running, timeout=5_000)
    url = view.source.url
    assert url
    with httpx.Client(base_url=url, timeout=10) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/api/v1/items", params={"limit": 3}).status_code == 200
        assert client.get("/api/v1/items/999").status_code == 404
    qtbot.waitUntil(lambda: view.model.total >= 3, timeout=15_000)
    paths = [r.path for r in view.model.rows()]
    assert {"/health", "/api/v1/items", "/api/v1/items/999"} <= set(paths)
    items = next(r for r in view.model.rows() if r.path == "/api/v1/items")
    assert items.route == "/api/v1/items" and items.status == 200
    assert items.layers  # the built stack, outermost first
    assert view.select(items.id)
    assert view.detail.record is items
    assert items.sql, "the sample's items route queries SQLite"
    assert "SELECT" in view.detail.text("sql").upper()
    assert items.endpoint is not None and items.endpoint.source
    assert items.endpoint.source.startswith("app/")
    assert [b.label for b in view.detail.waterfall.rows[: len(items.layers)]] == [
        s.name for s in items.layers
    ]
    missing = next(r for r in view.model.rows() if r.path == "/api/v1/items/999")
    view.select(missing.id)
    view.try_action.trigger()
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.try_view, timeout=10_000)
    draft = window.try_view.composer.draft()
    assert (draft.method, draft.path) == ("GET", "/api/v1/items/999")


def test_the_requests_keys_are_in_a_menu_and_listed_before_the_tab_was_shown(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    assert window.page.built_view("requests") is None
    window.show_shortcuts()
    dialog = window.shortcuts_dialog
    assert dialog is not None
    listed = {(action.replace("&", ""), keys) for action, keys, _where in dialog.texts()}
    wanted = {
        ("Copy as curl", "Ctrl+Shift+C"),
        ("Open in Try", "Ctrl+T"),
        ("Open Source", "F4"),
        ("Clear Requests", "Ctrl+L"),
    }
    assert wanted <= listed
    where = {action.replace("&", ""): w for action, _keys, w in dialog.texts()}
    assert all(" → " in where[name] for name, _key in wanted)  # each in a menu
    dialog.close()


def test_the_tab_s_notices_reach_the_window_s_status_bar(make_window, sample_app: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    view = window.page.build_tab("requests")
    view.notice.emit("Copied as curl.")
    assert window.statusBar().currentMessage() == "Copied as curl."
