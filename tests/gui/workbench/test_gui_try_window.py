"""Issue #11 in the Try tab: it fits a 900×600 window without squeezing the sidebar, the
dividers stay where the user put them (and come back), focus lands on the main control,
the WebSocket URL comes from the app's routes, a load test shows live numbers, History names
the server, the arrows tell in from out, and the Request menu's actions carry plain shortcuts.

The views run against a real sample_app on loopback (the module's ``sample`` fixture).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QAbstractButton, QApplication, QLineEdit, QTabBar, QWidget

from asgideck.gui.project_page import TABS
from asgideck.gui.tabs.workbench.models import HistoryModel, WsLogModel
from asgideck.gui.tabs.workbench.view import HTTP_PAGE, LOAD_PAGE, WS_PAGE, TryView
from asgideck.runtime.client import HistoryEntry, WsMessage
from asgideck.runtime.servers import free_port
from asgideck.runtime.workbench import draft_from_operation
from support.try_view import Views, operation

pytestmark = pytest.mark.integration
TIMEOUT_MS = 20_000
# What the Try tab gets in a 900×600 window once the sidebar keeps its 240 px: the tab
# must fit in it, or the window's splitter squeezes the sidebar to make room.
TAB_ROOM = (640, 430)


def squeezed_buttons(view: QWidget) -> list[str]:
    """Visible buttons narrower than their text needs (a tab bar's or line edit's own
    arrows and clear buttons aside)."""
    found = []
    for button in view.findChildren(QAbstractButton):
        if not button.isVisible() or isinstance(button.parent(), QTabBar | QLineEdit):
            continue
        if button.width() < button.sizeHint().width():
            found.append(f"{button.text() or button.toolTip()!r}: {button.width()} px")
    return found


def settle(qtbot, view: TryView) -> None:  # type: ignore[no-untyped-def]
    """Let the layouts run (pending resizes and deferred relayouts)."""
    QApplication.processEvents()
    qtbot.waitUntil(lambda: not view.response.filling, timeout=TIMEOUT_MS)
    QApplication.processEvents()


# ------------------------------------------------------------------ layout (defect 5)


def test_the_try_tab_fits_900_by_600_with_every_button_readable(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views()
    hint = view.minimumSizeHint()
    assert hint.width() <= TAB_ROOM[0] and hint.height() <= TAB_ROOM[1], hint
    view.resize(*TAB_ROOM)
    for page in (HTTP_PAGE, WS_PAGE, LOAD_PAGE):
        view.show_mode(page)
        settle(qtbot, view)
        assert squeezed_buttons(view) == [], page
    # Short labels on the top row; the full names are in the tooltips and the menu.
    labels = [button.text() for button in view.top_buttons]
    assert labels == ["Authorize…", "curl", "httpx", "Paste curl"]
    assert all("…" not in b.text()[:-1] for b in view.top_buttons)
    assert "Copy as curl (Ctrl+Shift+C)" in view.top_buttons[1].toolTip()


def test_the_server_chip_shortens_with_an_ellipsis_and_a_tooltip(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views("http://127.0.0.1:1", name="a-server-with-a-rather-long-name")
    view.resize(*TAB_ROOM)
    settle(qtbot, view)
    chip = view.target_label
    whole = "a-server-with-a-rather-long-name · http://127.0.0.1:1"
    assert chip.text() == whole
    if chip.shown_text() != whole:  # too narrow: cut with "…", never mid-letter or silently
        assert chip.shown_text().endswith("…")
        assert whole in chip.toolTip()
    view.resize(1400, 800)
    settle(qtbot, view)
    assert chip.shown_text() == whole


def test_history_shows_the_url_and_its_header_readably(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views("http://127.0.0.1:1")
    view.resize(*TAB_ROOM)
    view.history.set_entries(
        [
            entry(1, "http://127.0.0.1:1/api/v1/items/42?q=x"),
            entry(2, "http://127.0.0.1:8001/api/v1/users/me"),  # a server named host:port
        ]
    )
    settle(qtbot, view)
    table, header = view.history.view, view.history.view.horizontalHeader()
    url_width = header.sectionSize(HistoryModel.URL)
    assert url_width >= header.sectionSizeHint(HistoryModel.URL)  # "URL", never "JRI"
    assert url_width >= table.fontMetrics().horizontalAdvance("/api/v1/item")
    assert table.textElideMode() == Qt.TextElideMode.ElideMiddle


def test_the_divider_stays_put_across_responses_and_comes_back(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.resize(*TAB_ROOM)
    settle(qtbot, view)
    split = view.http_page
    assert split.sizes()[0] != 285  # the default differs, so the new view below proves memory
    split.moveSplitter(285, 1)  # what dragging the handle does
    settle(qtbot, view)
    placed = split.sizes()
    assert placed[0] == 285
    view.set_draft(draft_from_operation(doc, operation(doc, "GET", "/api/v1/items")))
    view.composer.url.setText("/api/v1/items?q=" + "a-rather-long-search-text" * 2)
    for _ in range(2):
        with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
            assert view.send()
        settle(qtbot, view)
        assert split.sizes() == placed
    again = views(url, doc)  # a new view (a reopened project, a restarted asgideck)
    again.resize(*TAB_ROOM)
    settle(qtbot, again)
    assert again.http_page.sizes() == placed


# ------------------------------------------------------------------ focus (defect 3)


def test_focus_main_makes_the_try_shortcuts_work_at_once(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.set_draft(draft_from_operation(doc, operation(doc, "GET", "/health")))
    view.activateWindow()
    view.history.focus_search()  # focus somewhere else first
    view.focus_main()
    qtbot.waitUntil(view.composer.url.hasFocus, timeout=5000)
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        QTest.keySequence(QApplication.focusWidget(), QKeySequence("Ctrl+Return"))
    assert view.response.chip.text().startswith("200")
    QTest.keySequence(QApplication.focusWidget(), QKeySequence("Alt+2"))
    assert view.modes.currentIndex() == WS_PAGE
    qtbot.waitUntil(view.ws_panel.path.hasFocus, timeout=5000)  # never a hidden widget
    QTest.keySequence(QApplication.focusWidget(), QKeySequence("Alt+1"))
    qtbot.waitUntil(view.composer.url.hasFocus, timeout=5000)


# ------------------------------------------------------------------ expected features


def test_the_websocket_url_comes_from_the_apps_routes(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.set_websocket_routes(["/ws/echo", "/ws/other"])
    panel = view.ws_panel
    assert panel.path.text() == "/ws/echo"
    assert panel.completer.model().rowCount() == 2
    view.activateWindow()
    view.composer.focus_url()
    qtbot.waitUntil(view.composer.url.hasFocus, timeout=5000)
    QTest.keySequence(QApplication.focusWidget(), QKeySequence("Alt+2"))
    qtbot.waitUntil(panel.path.hasFocus, timeout=5000)
    qtbot.keyClick(panel.path, Qt.Key.Key_Return)  # connect to the prefilled route
    ws = url.replace("http://", "ws://") + "/ws/echo"
    qtbot.waitUntil(lambda: panel.state.text() == f"Connected to {ws}", timeout=TIMEOUT_MS)
    assert panel.close_connection()
    qtbot.waitUntil(lambda: not panel.client.connected, timeout=TIMEOUT_MS)
    # What the user typed stays when the routes are read again.
    panel.path.setText("/ws/mine")
    view.set_websocket_routes(["/ws/echo"])
    assert panel.path.text() == "/ws/mine"


def test_a_load_test_shows_live_counts_and_rate(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    view.set_draft(draft_from_operation(doc, operation(doc, "GET", "/health")))
    panel = view.load_panel
    panel.tool.setCurrentIndex(panel.tool.findData("builtin"))
    panel.concurrency.setValue(2)
    panel.duration.setValue(3)
    view.show_mode(LOAD_PAGE)
    seen: list[tuple[int, float, str]] = []

    def live() -> bool:
        seen.append((panel.live_count, panel.live_rate, panel.live.text()))
        return panel.running and panel.live_count > 0 and panel.live_rate > 0

    with qtbot.waitSignal(panel.finished, timeout=TIMEOUT_MS) as done:
        assert panel.run()
        qtbot.waitUntil(live, timeout=TIMEOUT_MS)  # while it runs, not after
        count, _rate, text = seen[-1]
        assert f"{count:,} answers so far" in text and "requests/s now" in text
        qtbot.waitUntil(lambda: panel.live_count > count, timeout=TIMEOUT_MS)  # it moves
    assert done.args[0].requests >= panel.live_count > count


def test_history_names_the_server_each_request_went_to(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc, name="development")
    view.set_draft(draft_from_operation(doc, operation(doc, "GET", "/health")))
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    model = view.history.model
    qtbot.waitUntil(lambda: model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert model.data(model.index(0, HistoryModel.SERVER)) == "development"
    assert "(development)" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert not view.history.view.isColumnHidden(HistoryModel.SERVER)
    # An address no server of this window is known by shows as host:port; naming it helps.
    view.history.set_entries([entry(7, "http://127.0.0.1:8001/api/v1/items")])
    assert model.data(model.index(0, HistoryModel.SERVER)) == "127.0.0.1:8001"
    view.name_servers({"http://127.0.0.1:8001/": "production"})
    assert model.data(model.index(0, HistoryModel.SERVER)) == "production"


def test_websocket_arrows_are_large_and_in_two_colours(views: Views) -> None:
    view = views()
    model = view.ws_panel.model
    model.append([WsMessage(1, "sent", 0.0, "a"), WsMessage(2, "received", 0.0, "b")])
    colours, sizes = set(), set()
    text_font = view.ws_panel.log.font()
    for row in range(2):
        index = model.index(row, WsLogModel.DIRECTION)
        colours.add(model.data(index, Qt.ItemDataRole.ForegroundRole).color().name())
        font = model.data(index, Qt.ItemDataRole.FontRole)
        assert isinstance(font, QFont) and font.bold()
        sizes.add(font.pointSizeF() >= 1.5 * text_font.pointSizeF())
    assert len(colours) == 2 and QColor("#000000").name() not in colours
    assert sizes == {True}
    header = view.ws_panel.log.horizontalHeader()
    arrow = QFontMetrics(model.arrow_font).horizontalAdvance("←")
    assert header.sectionSize(WsLogModel.DIRECTION) > arrow


def test_try_prefills_the_query_parameters_real_type(sample) -> None:  # type: ignore[no-untyped-def]
    """``q: str | None`` is anyOf[string, null] in sample_app's schema: "string", not "object"."""
    _url, doc = sample
    draft = draft_from_operation(doc, operation(doc, "GET", "/api/v1/items"))
    by_name = {row.name: row for row in draft.query}
    assert by_name["q"].description == "string"
    assert by_name["limit"].description == "integer"


# ------------------------------------------------------------------ actions (rules11.md)


def test_actions_cover_the_request_menu_with_plain_shortcuts(views: Views) -> None:
    view = views()
    by_text = {a.text(): a for a in view.actions()}
    expected = {
        "Send request": "Ctrl+Return",
        "Cancel request": "Esc",
        "Copy as curl": "Ctrl+Shift+C",
        "WebSocket panel": "Alt+2",
        "Load test panel": "Alt+3",
        "Authorize…": "Ctrl+Shift+A",
    }
    for text, key in expected.items():
        assert text in by_text, text
        shortcut = by_text[text].shortcut()
        assert shortcut.toString(QKeySequence.SequenceFormat.PortableText) == key
    for action in view.actions():  # every action has a key (the Help list shows it)
        assert action.shortcut().toString(), action.text()


def entry(entry_id: int, url: str) -> HistoryEntry:
    return HistoryEntry(
        entry_id, "try-tests", 0.0, "GET", url, {}, 200, "OK", 0.01, 2, "application/json",
        (), b"{}", False, None,
    )  # fmt: skip


# ------------------------------------------------------------------ in the real window


def test_its_tab_key_opens_try_ready_to_send_without_squeezing_the_sidebar(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, qtbot
) -> None:
    window = make_window(project_copy)
    manager, panel = window.manager, window.servers_panel
    manager.update(
        "development", replace(manager.server("development").config, port=free_port(), reload=False)
    )
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    qtbot.waitUntil(lambda: window.workbench.target is not None, timeout=30_000)
    window.resize(900, 600)
    window.show_tab("overview")
    window.activateWindow()
    QApplication.processEvents()
    page = window.page
    sidebar = page.sizes()[0]
    assert window.try_view.minimumSizeHint().width() < page.tabs.width()
    QTest.keySequence(
        QApplication.focusWidget() or window, QKeySequence(f"Ctrl+{TABS.index('try') + 1}")
    )
    qtbot.waitUntil(lambda: window.tabs.currentWidget() is window.try_view, timeout=5000)
    QApplication.processEvents()
    assert page.sizes()[0] == sidebar  # opening Try never squeezes the sidebar
    view = window.try_view
    qtbot.waitUntil(view.composer.url.hasFocus, timeout=5000)
    view.composer.url.setText("/health")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        QTest.keySequence(QApplication.focusWidget(), QKeySequence("Ctrl+Return"))
    assert view.response.chip.text().startswith("200")
    assert squeezed_buttons(view) == []
