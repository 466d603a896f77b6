"""The tray icon's menu: the project's servers with their state and Start/Stop per server,
Open Window and Quit; "Minimise to Tray" (remembered) hides the closed window to it while
servers run.

Offscreen there is no tray (``isSystemTrayAvailable()`` is False): the menu is built
anyway and checked here; the icon is shown only where a tray exists (``tray_available``
is replaced to test that path).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from asgideck.gui import tray as tray_module
from asgideck.gui.main_window import MINIMISE_KEY
from support.window_servers import free_ports, start


def opened(window) -> list[str]:  # type: ignore[no-untyped-def]
    """The tray menu's lines, as the user sees them when it opens."""
    window.tray.menu.aboutToShow.emit()
    return window.tray.entries()


def test_the_menu_lists_each_server_with_its_state_and_start(make_window, sample_app: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    names = [s.name for s in window.manager.servers]
    assert names, "sample_app has servers"
    entries = opened(window)
    assert entries[0] == "sample_app"
    for server in window.manager.servers:
        assert f"{server.name}  :{server.config.port} — stopped" in entries
        assert f"Start {server.name}" in entries
    assert entries[-2:] == ["Open Window", "Quit"]
    # Offscreen there is no tray: the icon stays hidden, the window closes normally.
    assert not window.tray.shown


def test_without_a_project_the_menu_still_opens_the_window_and_quits(qtbot) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app
    from asgideck.gui.main_window import MainWindow

    make_app()
    window = MainWindow()
    qtbot.addWidget(window)
    assert opened(window) == ["asgideck", "—", "Open Window", "Quit"]
    window.close()


@pytest.mark.integration
def test_start_and_stop_a_server_from_the_tray(make_window, project_copy: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    free_ports(window)
    panel = window.servers_panel
    # not the selected one (the tray names it), nor one whose profile needs services
    # (starting it would start them: test_gui_services_tray covers that)
    name = next(s.name for s in reversed(window.manager.servers) if s.config.profile != "staging")
    selected = panel.selected_name()
    opened(window)
    window.tray.action(f"Start {name}").trigger()
    qtbot.waitUntil(lambda: panel.state_of(name) == "running", timeout=30_000)
    entries = opened(window)
    port = window.manager.server(name).config.port
    assert f"{name}  :{port} — running" in entries
    assert f"Stop {name}" in entries
    assert panel.selected_name() == selected  # the tray does not change what the tabs show
    window.tray.action(f"Stop {name}").trigger()
    qtbot.waitUntil(lambda: not window.manager.server(name).running, timeout=30_000)
    assert f"Start {name}" in opened(window)


@pytest.mark.integration
def test_minimise_to_tray_hides_the_closed_window_while_servers_run(
    make_window, project_copy: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tray_module, "tray_available", lambda: True)
    window = make_window(project_copy)
    assert window.tray.shown
    assert not window.tray_action.isChecked()  # off until chosen
    window.view_menu.aboutToShow.emit()
    window.tray_action.trigger()  # View → Minimise to Tray
    assert window.settings.value(MINIMISE_KEY, False, type=bool) is True
    free_ports(window)
    start(window, qtbot, "development")
    server = window.manager.server("development")
    window.closed_by_user = lambda _event: True  # the title bar's ×
    window.close()
    del window.closed_by_user  # asgideck's own close() again
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert window.quit_box is None  # hidden, not asked
    assert server.running
    assert window.page is not None
    opened(window)
    window.tray.action("Open Window").trigger()
    qtbot.waitUntil(window.isVisible, timeout=5_000)
    # Quit from the tray asks (a server runs); Enter stops it and quits.
    opened(window)
    window.tray.action("Quit").trigger()
    qtbot.waitUntil(
        lambda: window.quit_box is not None and window.quit_box.isVisible(), timeout=5_000
    )
    QTest.keyClick(window.quit_box, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    assert not server.running

    # Remembered: the next window starts with the choice made.
    second = make_window(project_copy)
    assert second.tray_action.isChecked()


def test_with_nothing_running_closing_closes_even_when_minimising_to_tray(
    make_window, sample_app: Path, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(tray_module, "tray_available", lambda: True)
    window = make_window(sample_app)
    window.tray_action.setChecked(True)
    window.closed_by_user = lambda _event: True
    window.close()
    del window.closed_by_user  # asgideck's own close() again
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=5_000)
    assert window.page is None  # really closed: the page is gone
    assert not window.tray.shown


def test_a_server_line_shows_the_window_with_that_server_selected(
    make_window, sample_app: Path
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    panel = window.servers_panel
    last = window.manager.servers[-1]
    assert panel.selected_name() != last.name
    window.tray.menu.aboutToShow.emit()
    [line] = [a for a in window.tray.menu.actions() if a.text().startswith(f"{last.name}  :")]
    assert line.isEnabled()  # not greyed: the state light is the point of the line
    window.hide()
    line.trigger()
    assert panel.selected_name() == last.name and window.isVisible()
