"""Quitting while servers run asks first — "N servers are running — Stop them and quit /
Cancel" with "Don't ask again", remembered — and never asks with nothing running.

Ctrl+Q is pressed on the real window; the title bar's × (a close from the window system,
which Qt marks spontaneous) is stood in for by the window's ``closed_by_user`` seam, as
offscreen there is no window manager to click.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QMessageBox

from asgideck.gui.main_window import ASK_QUIT_KEY
from support.window_servers import activate, free_ports, start


def press_quit(window) -> None:  # type: ignore[no-untyped-def]
    QTest.keySequence(QApplication.focusWidget() or window, "Ctrl+Q")


def quit_box(window, qtbot) -> QMessageBox:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(
        lambda: window.quit_box is not None and window.quit_box.isVisible(), timeout=5_000
    )
    box = window.quit_box
    assert box is not None
    return box


def test_with_nothing_running_ctrl_q_quits_without_asking(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    activate(window, qtbot)
    assert window.page.running_count == 0
    press_quit(window)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert window.quit_box is None
    assert window.findChildren(QMessageBox) == []


@pytest.mark.integration
def test_ctrl_q_asks_while_a_server_runs_and_cancel_keeps_it(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    free_ports(window)
    start(window, qtbot, "development")
    server = window.manager.server("development")
    activate(window, qtbot)
    press_quit(window)
    box = quit_box(window, qtbot)
    assert box.text().startswith("1 server is running — stop it and quit?")
    assert box.checkBox() is not None and box.checkBox().text() == "&Don't ask again"
    QTest.keyClick(box, Qt.Key.Key_Escape)  # Cancel
    qtbot.waitUntil(lambda: window.quit_box is None, timeout=5_000)
    assert window.isVisible()
    assert server.running
    # The window system's close asks the same question.
    window.closed_by_user = lambda _event: True
    window.close()
    del window.closed_by_user  # asgideck's own close() again
    box = quit_box(window, qtbot)
    assert window.isVisible()
    QTest.keyClick(box, Qt.Key.Key_Return)  # the default: Stop Them and Quit
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not server.running
    settings = window.settings
    assert settings.value(ASK_QUIT_KEY, True, type=bool) is True  # not ticked: asks again


@pytest.mark.integration
def test_dont_ask_again_is_remembered(make_window, project_copy: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    free_ports(window)
    start(window, qtbot, "development")
    server = window.manager.server("development")
    activate(window, qtbot)
    press_quit(window)
    box = quit_box(window, qtbot)
    check = box.checkBox()
    assert check is not None
    check.setFocus()
    QTest.keyClick(check, Qt.Key.Key_Space)  # tick "Don't ask again"
    assert check.isChecked()
    QTest.keyClick(box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not server.running
    path = window.settings.fileName()
    assert QSettings(path, QSettings.Format.IniFormat).value(ASK_QUIT_KEY, True, type=bool) is False

    # The next window quits at once, servers and all.
    second = make_window(project_copy)
    free_ports(second)
    start(second, qtbot, "development")
    running = second.manager.server("development")
    activate(second, qtbot)
    press_quit(second)
    qtbot.waitUntil(lambda: not second.isVisible(), timeout=30_000)
    assert second.quit_box is None
    assert not running.running
