"""The sidebar's SERVICES section (issue #12, item 5) through a fake services runtime:
what it lists for a profile, start/stop from a row, the busy state while a start waits,
the service's log in the Logs tab, the per-project "stop when the project closes"
choice, the Mail tab, Open shell, and the tray's mirror of the section.

The needs are read from the fixture profile by the real ``service_needs``; only the
processes are faked (``conftest.FakeBackend``). Real redis: test_gui_services_redis.py.
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from asgideck.gui.project_page import TABS
from asgideck.gui.tabs.services.shell_dialog import ShellDialog
from asgideck.runtime.secrets import MASK


def open_svc(make_window, svc_project: Path, qtbot):  # type: ignore[no-untyped-def]
    window = make_window(svc_project)
    window.select_profile("svc")
    section = window.services
    qtbot.waitUntil(lambda: section.profile == "svc" and len(section.needs) >= 4, timeout=10_000)
    return window, section


def rows(section) -> list[str]:  # type: ignore[no-untyped-def]
    return [section.list.item(i).text() for i in range(section.list.count())]


def test_the_section_lists_what_the_profile_needs(make_window, svc_project, fake_backend, qtbot):  # type: ignore[no-untyped-def]
    window, section = open_svc(make_window, svc_project, qtbot)
    by_name = {n.name: n for n in section.needs}
    assert {"postgres", "redis", "mail"} <= set(by_name), list(by_name)
    # REDIS_URL and CELERY_BROKER_URL name one Redis: one row, both variables
    assert set(by_name["redis"].variables) >= {"REDIS_URL", "CELERY_BROKER_URL"}
    texts = rows(section)
    pg = by_name["postgres"]
    assert any(t.startswith(f"postgres   :{pg.port}") for t in texts), texts
    qtbot.waitUntil(lambda: "postgres · stopped" in "\n".join(rows(section)), timeout=10_000)
    # the remote cache is listed greyed, the reason as its tooltip, no start button
    remote = next(n for n in section.needs if not n.local)
    item = section._item(remote.name)
    assert item is not None and not (item.flags() & Qt.ItemFlag.ItemIsEnabled)
    assert "not this machine" in item.toolTip()
    assert not section.row_button(remote.name).isEnabled()
    # the password is never shown, only its mask
    assert "demo-pw" not in section._item("postgres").toolTip()
    assert MASK in section._item("postgres").toolTip()
    # a profile needing nothing says so
    window.select_profile("development")
    qtbot.waitUntil(lambda: section.profile == "development" and not section.needs, timeout=10_000)
    assert "needs no" in section.empty.text()
    assert not window.tabs.isTabVisible(TABS.index("mail"))


def test_start_and_stop_from_the_row_show_the_busy_state_and_the_light(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    fake_backend.gate = gate = threading.Event()
    button = section.row_button("redis")
    assert button is not None and button.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert section.state_of("redis") == "starting"
    assert "redis · starting" in "\n".join(rows(section))
    assert not button.isEnabled()  # one job at a time per service
    gate.set()
    qtbot.waitUntil(lambda: section.state_of("redis") == "ready", timeout=10_000)
    assert [line for line in fake_backend.log if "redis" in line] == [
        f"ready redis:{section.need('redis').port}"
    ]
    assert ("svc", "redis") in fake_backend.running
    assert button.toolTip() == "Stop redis"
    assert section.stop_all_action.isEnabled()
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: section.state_of("redis") == "stopped", timeout=10_000)
    assert fake_backend.log[-1] == "stopped redis"
    assert not section.stop_all_action.isEnabled()


def test_choosing_a_service_shows_its_log_with_a_title(
    make_window, svc_project, fake_backend, qtbot
):  # type: ignore[no-untyped-def]
    window, section = open_svc(make_window, svc_project, qtbot)
    item = section._item("postgres")
    qtbot.mouseClick(
        section.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=section.list.visualItemRect(item).center(),
    )
    page = window.page
    assert window.page.current_tab() == "logs"
    view = page.logs_stack.currentWidget()
    assert view is page.service_logs[("svc", "postgres")]
    assert view.title.isVisibleTo(view) and "Service postgres · profile svc" in view.title.text()
    assert "demo-pw" not in view.title.text()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    # the server's log again when the server is clicked
    panel = window.servers_panel
    server_item = panel._item(panel.selected_name())
    qtbot.mouseClick(
        panel.list.viewport(),
        Qt.MouseButton.LeftButton,
        pos=panel.list.visualItemRect(server_item).center(),
    )
    assert page.logs_stack.currentWidget() is page.logs[panel.selected_name()]


def test_the_stop_on_close_choice_is_per_project_and_closing_honours_it(
    make_window, svc_project, fake_backend, qtbot, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    from support.files import copy_sample_app

    other = copy_sample_app(tmp_path / "other")
    window, section = open_svc(make_window, svc_project, qtbot)
    assert not section.stop_on_close.isChecked()  # default: services outlive the project
    section.start("redis")
    qtbot.waitUntil(lambda: section.state_of("redis") == "ready", timeout=10_000)
    window.open_path(other)  # closes the project, unticked: redis left running
    assert ("svc", "redis") in fake_backend.running
    assert all(s.closed for s in fake_backend.sets if s.root == svc_project)  # followers end
    assert not window.services.stop_on_close.isChecked()

    window.open_path(svc_project)
    window.services.stop_on_close.setChecked(True)
    window.open_path(other)  # ticked: closing stops the project's services
    assert ("svc", "redis") not in fake_backend.running
    assert fake_backend.log[-1] == "stopped redis"
    # remembered for that project only
    assert not window.services.stop_on_close.isChecked()
    window.open_path(svc_project)
    assert window.services.stop_on_close.isChecked()


def test_the_mail_tab_is_there_while_the_profile_needs_mail(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window, _section = open_svc(make_window, svc_project, qtbot)
    index = TABS.index("mail")
    qtbot.waitUntil(lambda: window.tabs.isTabVisible(index), timeout=10_000)
    window.show_tab("mail")
    assert window.page.current_tab() == "mail"
    from asgideck.gui.tabs.mail.view import MailTab

    assert isinstance(window.page.mail_stack.currentWidget(), MailTab)
    window.select_profile("development")
    qtbot.waitUntil(lambda: not window.tabs.isTabVisible(index), timeout=10_000)
    assert window.page.current_tab() != "mail"


def test_open_shell_without_a_terminal_offers_the_command_and_a_masked_password(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    section.select("postgres")
    assert section.shell_action.isEnabled()
    section.shell_action.trigger()
    qtbot.waitUntil(lambda: isinstance(section.shell_dialog, ShellDialog), timeout=5_000)
    dialog = section.shell_dialog
    assert dialog.command.text().startswith("redis-cli -h 127.0.0.1")  # the fake's command
    assert dialog.secret.text() == MASK
    assert "demo-pw" not in dialog.command.text()
    dialog.copy_password.click()
    assert QGuiApplication.clipboard().text() == "demo-pw"
    dialog.close()
    # with a terminal: launched, no dialog
    launched: list[tuple[list[str], dict[str, str]]] = []
    section.launch_terminal = lambda argv, env: launched.append((argv, env))
    fake_backend.terminal = ["xterm", "-e", "psql"]
    section.shell_dialog = None
    section.shell_action.trigger()
    qtbot.waitUntil(lambda: bool(launched), timeout=5_000)
    assert launched[0][0] == ["xterm", "-e", "psql"]
    assert section.shell_dialog is None


def test_the_tray_mirrors_the_services(make_window, svc_project, fake_backend, qtbot) -> None:  # type: ignore[no-untyped-def]
    window, section = open_svc(make_window, svc_project, qtbot)
    tray = window.tray
    tray.rebuild()
    port = section.need("postgres").port
    assert f"postgres  :{port} — stopped" in tray.entries()
    tray.action("Start postgres").trigger()
    qtbot.waitUntil(lambda: section.state_of("postgres") == "ready", timeout=10_000)
    tray.rebuild()
    assert f"postgres  :{port} — ready" in tray.entries()
    assert tray.action("Stop postgres") is not None
    remote = next(n for n in section.needs if not n.local)
    assert tray.action(f"Start {remote.name}") is None  # remote: a state line only
    tray.action("Stop postgres").trigger()
    qtbot.waitUntil(lambda: section.state_of("postgres") == "stopped", timeout=10_000)


def test_the_tab_asked_for_at_start_shows_mail_once_the_needs_are_read(
    svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    """``asgideck --tab mail PATH``: the Mail tab appears only when the profile's needs
    are read (asynchronously); the tab asked for comes to the front then."""
    from asgideck.gui.app import make_app
    from asgideck.gui.main_window import MainWindow

    make_app()
    window = MainWindow()
    qtbot.addWidget(window)
    try:
        window.open_path(svc_project, profile="svc")  # what gui.app._run does, in order
        index = TABS.index("mail")
        assert not window.tabs.isTabVisible(index)  # the needs are not read yet
        window.show_tab("mail")
        qtbot.waitUntil(lambda: window.page.current_tab() == "mail", timeout=10_000)
        from asgideck.gui.tabs.mail.view import MailTab

        assert isinstance(window.page.mail_stack.currentWidget(), MailTab)
        # asked for while reading a profile that needs no mail: nothing is remembered
        window.select_profile("development")
        window.show_tab("mail")
        qtbot.waitUntil(lambda: window.services.profile == "development", timeout=10_000)
        qtbot.waitUntil(lambda: not window.services.reading, timeout=10_000)
        window.select_profile("svc")
        qtbot.waitUntil(lambda: window.tabs.isTabVisible(index), timeout=10_000)
        assert window.page.current_tab() != "mail"
    finally:
        window.close()
        assert window.drain(), "a background job outlived the test"


def test_a_service_log_view_dropped_by_a_reload_leaves_the_menus_safe_to_close(
    make_window, svc_project, fake_backend, qtbot
):  # type: ignore[no-untyped-def]
    """Found by a walkthrough: the Server menu listed a service log view's actions; F5
    re-opened the profile's set and deleted that view (and its actions); closing the
    window then removed the dead actions from the menu and crashed the process."""
    import shiboken6

    window, _section = open_svc(make_window, svc_project, qtbot)
    page = window.page
    page.show_service_log("postgres")
    view = page.service_logs[("svc", "postgres")]
    menu = window.tab_menus["logs"]
    window._fill_tab_actions(menu)  # what opening the menu does
    listed = [a for a in view.actions() if a in menu.actions()]
    assert listed  # the view's actions are in the menu now
    window.reload()  # F5: the set is opened again, the old view is deleted
    qtbot.waitUntil(lambda: not shiboken6.isValid(listed[0]), timeout=10_000)
    window._fill_tab_actions(menu)  # opening the menu again
    window.close()  # must neither raise nor crash
    assert not window.isVisible()
