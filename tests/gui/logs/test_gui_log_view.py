"""The Logs tab (issue 11, #8): long lines scroll sideways instead of ending in "…" and
carry the whole line as a tooltip, filter matches are marked in the rows, the crash
banner has Restart and Dismiss, and the tab's keys are actions with explicit shortcuts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtGui import QColor, QFontMetrics, QImage, QKeySequence
from PySide6.QtWidgets import QApplication

from asgideck.gui.core import theme
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import Status

LONG = "ERROR:    payload " + "".join(f"{i:04d}-" for i in range(120)) + "THE-END"


class Shown:
    """What the view needs of a ManagedServer: a name and the log buffer."""

    def __init__(self, name: str, buffer: LogBuffer) -> None:
        self.name, self.buffer = name, buffer


@pytest.fixture
def buffer() -> LogBuffer:
    return LogBuffer(capacity=1000)


@pytest.fixture
def view(qtbot, buffer: LogBuffer) -> Iterator[LogsView]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()  # the real stylesheet and palette
    built = LogsView(Shown("dev", buffer))  # type: ignore[arg-type]
    qtbot.addWidget(built)
    built.resize(800, 400)
    built.show()
    qtbot.waitExposed(built)
    yield built
    built.detach()


def _count(image: QImage, colour: QColor) -> int:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    wanted = colour.rgb()
    return sum(
        1
        for y in range(image.height())
        for x in range(0, image.width(), 2)
        if image.pixel(x, y) == wanted
    )


def test_a_long_line_scrolls_sideways_and_its_tooltip_has_all_of_it(
    qtbot, view: LogsView, buffer: LogBuffer
) -> None:  # type: ignore[no-untyped-def]
    buffer.append_many("stdout", ["short line", LONG])
    view.refresh()
    row = view.model.index(1)
    needed = QFontMetrics(theme.mono_font()).horizontalAdvance(LONG)
    assert view.list.textElideMode() == Qt.TextElideMode.ElideNone
    assert view.list.columnWidth(0) > view.list.viewport().width()
    assert view.list.visualRect(row).width() >= needed  # the whole line has room
    bar = view.list.horizontalScrollBar()
    qtbot.waitUntil(lambda: bar.maximum() > 0, timeout=2000)
    tip = view.model.data(row, Qt.ItemDataRole.ToolTipRole)
    assert tip.replace("\n", "") == LONG  # the whole line, wrapped for the screen
    assert max(len(part) for part in tip.split("\n")) <= 120
    assert view.model.data(view.model.index(0), Qt.ItemDataRole.ToolTipRole) is None


def test_filter_matches_are_marked_in_the_rows(qtbot, view: LogsView, buffer: LogBuffer) -> None:  # type: ignore[no-untyped-def]
    buffer.append_many("stdout", [f"line {i} has the needle here" for i in range(5)])
    buffer.append_many("stdout", ["INFO: nothing to see"])
    view.refresh()
    mark = QColor(theme.token("match"))
    assert _count(view.list.viewport().grab().toImage(), mark) == 0
    qtbot.keyClicks(view.search, "needle")
    QCoreApplication.processEvents()
    assert view.model.rowCount() == 5
    image = view.list.viewport().grab().toImage()
    assert _count(image, mark) > 5 * 20  # a box behind each "needle"
    # the mark sits where "needle" is drawn, not at the start of the row
    rect = view.list.visualRect(view.model.index(0))
    metrics = QFontMetrics(theme.mono_font())  # the rows' font
    before = metrics.horizontalAdvance("line 0 has the ")
    y = rect.top() + 1  # above the glyphs: only the mark (or the row background)
    rgb = image.convertToFormat(QImage.Format.Format_RGB32)
    assert rgb.pixel(rect.left() + 2, y) != mark.rgb()
    inside = [
        rgb.pixel(x, y) == mark.rgb()
        for x in range(
            rect.left() + before, rect.left() + before + metrics.horizontalAdvance("needle")
        )
    ]
    assert sum(inside) > len(inside) // 2
    view.search.clear()  # no text filter: no marks
    QCoreApplication.processEvents()
    assert _count(view.list.viewport().grab().toImage(), mark) == 0


def test_the_crash_banner_restarts_or_is_dismissed(qtbot, view: LogsView) -> None:  # type: ignore[no-untyped-def]
    crashed = Status(state="crashed", exit_code=3, error="RuntimeError: boom")
    view.show_status(crashed)
    assert view.banner.isVisible() and "dev crashed with exit code 3." in view.banner.text()
    assert view.restart_button.isVisible() and view.dismiss_button.isVisible()
    qtbot.keyClicks(view.search, "boom")  # filtering keeps the crash in view
    assert view.banner.isVisible()
    with qtbot.waitSignal(view.restart_requested, timeout=1000) as signal:
        qtbot.mouseClick(view.restart_button, Qt.MouseButton.LeftButton)
    assert signal.args == ["dev"]
    assert not view.banner.isVisible()
    view.show_status(Status(state="crash-loop", error="RuntimeError: boom"))
    assert view.banner.isVisible()
    qtbot.mouseClick(view.dismiss_button, Qt.MouseButton.LeftButton)
    assert not view.banner.isVisible()
    view.show_status(crashed)  # a new crash shows again
    assert view.banner.isVisible()
    qtbot.keyClicks(view.search, "[")  # the regex warning has no Restart/Dismiss
    qtbot.mouseClick(view.regex, Qt.MouseButton.LeftButton)
    assert view.banner.text().startswith("Invalid regular expression")
    assert not view.restart_button.isVisible()


def test_focus_main_and_the_actions_keys(qtbot, view: LogsView, buffer: LogBuffer) -> None:  # type: ignore[no-untyped-def]
    view.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is view.window(), timeout=2000)
    view.list.setFocus()
    view.focus_main()
    qtbot.waitUntil(view.search.hasFocus, timeout=2000)
    keys = {a.objectName(): a.shortcut().toString() for a in view.actions()}
    assert keys == {
        "logs.copy": "Ctrl+C",
        "logs.export": "Ctrl+S",
        "logs.clear": "Ctrl+L",
        "logs.follow": "End",
    }
    buffer.append_many("stdout", ["one", "two"])
    view.refresh()
    assert view.model.rowCount() == 2
    view.list.setFocus()
    QCoreApplication.processEvents()
    qtbot.keyClick(view.list, Qt.Key.Key_L, Qt.KeyboardModifier.ControlModifier)
    assert view.model.rowCount() == 0 and len(buffer) == 0
    assert QKeySequence("Ctrl+L") == view.actions()[2].shortcut()
