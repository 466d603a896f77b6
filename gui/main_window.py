"""The main window: opening projects, menus, status bar, remembered layout.

What it shows of a project lives in ``ProjectPage``, rebuilt whenever a project opens;
the strip above it (project, app, interpreter, profile) is the ``ProjectHeader`` it
holds. The window owns the task runners and the one error presenter: an
``AsgideckError`` is shown as its message, anything else as a bug with its traceback.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QByteArray, QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QMainWindow,
    QMenu,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.status_strip import StatusStrip
from asgideck.gui.core.tasks import TaskRunner, set_presenter, traceback_text
from asgideck.gui.core.widgets import Banner, muted
from asgideck.gui.header import ProjectHeader
from asgideck.gui.project_page import LAZY_TABS, TABS, ProjectPage
from asgideck.gui.shortcuts_dialog import ShortcutsDialog
from asgideck.gui.tabs import app_picker
from asgideck.gui.tabs.app_picker import AppPicker
from asgideck.gui.tabs.install_dialog import InstallDialog
from asgideck.gui.tabs.interpreter_picker import InterpreterPicker
from asgideck.gui.tray import Tray
from asgideck.runtime import userstate
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.inspect import ProjectSession
from asgideck.runtime.project import (
    InstallPlan,
    ProjectError,
    forget_interpreter,
    remember_interpreter,
    remembered_interpreter,
)

__all__ = ["ASK_QUIT_KEY", "MINIMISE_KEY", "TABS", "MainWindow"]

#: QSettings keys (window.ini): ask before quitting with servers running; hide to the tray.
ASK_QUIT_KEY = "quit/ask"
MINIMISE_KEY = "tray/minimise"
#: The window fits a 900×600 screen (the tab bar scrolls rather than pushing tabs off).
MINIMUM_SIZE = (720, 480)


def _from_page(name: str) -> Any:
    """A read-only window attribute that is the open project page's (None without one)."""
    return property(lambda self: getattr(self.page, name) if self.page is not None else None)


class MainWindow(QMainWindow):
    #: The current project has been read and validated once (for --screenshot and tests).
    loaded = Signal()

    tabs = _from_page("tabs")
    overview = _from_page("overview")
    profile_view = _from_page("profile_view")
    diff_view = _from_page("diff_view")
    routes_view = _from_page("routes_view")
    middleware_view = _from_page("middleware_view")
    try_view = _from_page("try_view")
    workbench = _from_page("workbench")
    inspection = _from_page("inspection")
    manager = _from_page("manager")
    servers_panel = _from_page("servers_panel")
    services = _from_page("services")

    def __init__(self, session: ProjectSession | None = None, *, python: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("asgideck")
        self.setMinimumSize(*MINIMUM_SIZE)
        self.python = python
        self.session: ProjectSession | None = None
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self._on_busy)
        # Start/stop get their own threads, never queued behind probes, requests or load tests.
        self.server_runner = TaskRunner(self)
        set_presenter(self.present_error)
        self.page: ProjectPage | None = None
        self.install_dialog: InstallDialog | None = None
        self.interpreter_picker: InterpreterPicker | None = None
        self.app_picker: AppPicker | None = None
        self.quit_box: QMessageBox | None = None
        self.shortcuts_dialog: ShortcutsDialog | None = None
        self._quitting = False  # the user confirmed (or nothing needed confirming)
        self.settings = QSettings(
            str(userstate.config_dir() / "window.ini"), QSettings.Format.IniFormat
        )

        self.header = ProjectHeader()
        self.header.profile_picked.connect(self._on_profile_picked)
        self.welcome = self._build_welcome()
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.header)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(central)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(120)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.strip = StatusStrip()
        self.statusBar().addPermanentWidget(self.strip)
        self.statusBar().addPermanentWidget(self.busy)
        self._build_menus()
        self.tray = Tray(self, self)
        self._restore_geometry()
        if session is not None:
            self.set_session(session)
        else:
            self._show_welcome()

    # ----------------------------------------------------------------- building
    def _build_welcome(self) -> QWidget:
        page = QWidget()
        self.open_error = Banner()
        button = QPushButton(theme.icon("folder-open"), "Open a project folder…")
        button.clicked.connect(self.choose_project)
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        layout.addWidget(self.open_error)
        layout.addWidget(
            muted("Open a FastAPI project folder to see its app, profiles and checks.")
        )
        layout.addWidget(button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addStretch(2)
        return page

    def _build_menus(self) -> None:
        """Every window action with an explicit key (never a QKeySequence.StandardKey: those
        differ per desktop — GNOME's Refresh is Ctrl+R, which is Start)."""
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(file_menu, "&Open Project…", "Ctrl+O", self.choose_project, "folder-open")
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        # F5, not Ctrl+R: Start owns Ctrl+R on every desktop.
        self._action(file_menu, "Re&load Env Files", "F5", self.reload, "refresh")
        self.interpreter_action = self._action(
            file_menu, "Choose &Interpreter…", "Ctrl+I", self.choose_interpreter
        )
        self.app_action = self._action(
            file_menu, "Choose &App…", app_picker.SHORTCUT, self.choose_app
        )
        self.app_action.setEnabled(False)  # only a project with several apps has a choice
        file_menu.addSeparator()
        self.quit_action = self._action(file_menu, "&Quit", "Ctrl+Q", self.request_quit)

        self.view_menu = view = bar.addMenu("&View")
        group = QActionGroup(self)
        for number, name in enumerate(TABS, start=1):  # the tenth (Deploy) is Ctrl+0
            action = self._action(
                view, name.capitalize(), f"Ctrl+{number % 10}", partial(self.show_tab, name)
            )
            group.addAction(action)
        view.addSeparator()
        self.reveal_action = self._action(view, "&Reveal Secrets", "Ctrl+Shift+R", None, "eye")
        self.reveal_action.setCheckable(True)
        self.reveal_action.toggled.connect(self._on_reveal)
        self._action(view, "&Find", "Ctrl+F", self._focus_filter, "search")
        view.addSeparator()
        self.tray_action = self._action(view, "&Minimise to Tray", None, None)
        self.tray_action.setCheckable(True)
        self.tray_action.setToolTip(
            "Closing the window while servers run hides it to the tray icon"
        )
        self.tray_action.setChecked(bool(self.settings.value(MINIMISE_KEY, False, type=bool)))
        self.tray_action.toggled.connect(lambda on: self.settings.setValue(MINIMISE_KEY, on))
        self.tab_menus: dict[str, QMenu] = {"overview": view, "routes": view, "middleware": view}

        self.profile_menu = profile = bar.addMenu("&Profile")
        self._action(profile, "&Choose Profile", "Ctrl+P", self.header.focus_profiles)
        self._action(profile, "&Next Profile", "Ctrl+PgDown", lambda: self.header.step_profile(1))
        self._action(
            profile, "&Previous Profile", "Ctrl+PgUp", lambda: self.header.step_profile(-1)
        )
        self._action(profile, "&Validate", "Ctrl+Shift+V", self.validate, "shield")
        # Add/Edit/Delete Variable and Undo are the Profile tab's own actions (Ctrl+N, F2,
        # Del, Ctrl+Z), listed below when a project is open: one binding per key.
        self.tab_menus["profile"] = self.tab_menus["compare"] = profile

        self.server_menu = server = bar.addMenu("&Server")
        self._action(server, "&Start", "Ctrl+R", lambda: self._panel_call("start_selected"), "play")
        self._action(server, "S&top", "Ctrl+.", lambda: self._panel_call("stop_selected"), "stop")
        self._action(
            server,
            "&Restart",
            "Ctrl+Shift+.",
            lambda: self._panel_call("restart_selected"),
            "restart",
        )
        server.addSeparator()
        self._action(
            server,
            "&Edit Server…",
            "Ctrl+Shift+M",
            lambda: self._panel_call("edit_selected"),
            "edit",
        )
        self._action(
            server, "&Add Server…", "Ctrl+Shift+N", lambda: self._panel_call("add_server"), "plus"
        )
        self._action(
            server,
            "Re&move Server…",
            "Ctrl+Shift+Del",
            lambda: self._panel_call("remove_selected"),
            "minus",
        )
        self.tab_menus["servers"] = self.tab_menus["logs"] = server
        # the sidebar's SERVICES section's own actions (Start all, Stop all, Open shell…)
        self.services_menu = bar.addMenu("Ser&vices")
        self.tab_menus["services"] = self.services_menu
        self.tab_menus["mail"] = view
        self.tab_menus["requests"] = view  # Copy as curl, Open in Try, Open Source…
        self.tab_menus["deploy"] = view  # Generate, Write, Check, the hand-off, Run scaled

        self.request_menu = bar.addMenu("&Request")
        self.tab_menus["try"] = self.request_menu

        help_menu = bar.addMenu("&Help")
        self.shortcuts_action = self._action(
            help_menu, "&Keyboard Shortcuts", "F1", self.show_shortcuts
        )
        self._action(help_menu, "&About asgideck", None, self._about)
        # The tabs' own actions, put in these menus for the open project (and kept current).
        self._tab_actions: dict[QMenu, list[QAction]] = {m: [] for m in self.tab_menus.values()}
        # The Try tab is built when first shown; opening its menu builds it (before filling).
        self.request_menu.aboutToShow.connect(self._build_try)
        for menu in list(self._tab_actions):
            menu.aboutToShow.connect(partial(self._fill_tab_actions, menu))

    def _action(
        self,
        menu: QMenu,
        text: str,
        shortcut: str | None,
        slot: Callable[[], object] | None,
        icon: str | None = None,
    ) -> QAction:
        action = QAction(text, self)
        if icon:
            action.setIcon(theme.icon(icon))
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if slot is not None:
            action.triggered.connect(lambda _checked=False: slot())
        menu.addAction(action)
        return action

    # ----------------------------------------------------------------- projects
    def open_path(self, path: Path | str, *, profile: str | None = None) -> bool:
        """Open ``path``; a path that is not a project folder is shown, not raised.

        The interpreter: ``--python`` given to asgideck, else the one chosen in the
        window for this project (remembered per project root), else discovery.
        """
        try:
            session = ProjectSession.open(path, python=self.python, profile=profile)
        except ProjectError as exc:
            self.show_open_error(str(exc))
            return False
        remembered = None if self.python else remembered_interpreter(session.root)
        if remembered is not None:
            try:
                chosen = ProjectSession.open(path, python=remembered, profile=profile)
            except ProjectError as exc:  # it was removed: back to discovery, and say so
                forget_interpreter(session.root)
                self.statusBar().showMessage(f"The chosen interpreter is gone ({exc})", 10000)
            else:
                interpreter = replace(
                    chosen.project.interpreter,
                    reason=f"chosen in asgideck for this project (remembered): {remembered}",
                    label=f"{Path(remembered).name} (chosen)",
                )
                chosen.project = replace(chosen.project, interpreter=interpreter)
                session = chosen
        self.set_session(session)
        return True

    def reopen(self) -> None:
        """Open the current project again (new interpreter, installed packages): every
        view re-reads it, validation and inspection run again."""
        if self.session is not None:
            project = self.session.project
            profile = self.session.profile.name if self.session.profile else None
            # from the folder the user opened: at a monorepo's root that keeps every member
            self.open_path(project.opened or project.root, profile=profile)

    def show_open_error(self, message: str) -> None:
        if self.session is None:
            self._show_welcome()
            self.open_error.show_message(message)
            self.loaded.emit()
        else:
            QMessageBox.warning(self, "Cannot open project", message)

    def set_session(self, session: ProjectSession) -> None:
        self._close_page()
        self.session = session
        userstate.remember_project(session.root)
        project = session.project
        self.setWindowTitle(f"{project.name} — asgideck")
        self.header.show_project(project)
        self.app_action.setEnabled(app_picker.chooses_app(project))

        current = str(self.settings.value("tab", "overview"))
        self.page = ProjectPage(
            session,
            self.runner,
            self.server_runner,
            self.strip,
            revealed=self.reveal_action.isChecked(),
        )
        self.page.validated.connect(self.loaded)
        self.page.tab_built.connect(lambda _name: self._fill_all_tab_actions())
        self.page.message.connect(self.statusBar().showMessage)
        self.page.profile_view.reveal_button.toggled.connect(self.reveal_action.setChecked)
        self.page.overview.watch(self.page.inspection)
        self.page.overview.install_requested.connect(self.install)
        self.page.overview.choose_interpreter_requested.connect(self.choose_interpreter)
        self.page.overview.choose_app_requested.connect(self.choose_app)
        tabs = self.page.tabs
        tabs.setUsesScrollButtons(True)  # at 900×600 the last tabs scroll, never vanish
        tabs.setElideMode(Qt.TextElideMode.ElideRight)
        for index in range(min(tabs.count(), len(TABS))):  # an elided title is still named
            tabs.setTabToolTip(index, f"{tabs.tabText(index)} (Ctrl+{(index + 1) % 10})")
        tabs.currentChanged.connect(lambda _index: self._focus_current_tab())
        self._fill_all_tab_actions()
        self.pages.addWidget(self.page)
        self.pages.setCurrentWidget(self.page)
        self.page.show_tab(current)

        self._fill_profiles(session)
        session.profile_changed.connect(self._on_session_profile_changed)
        self.page.start()
        self._fill_all_tab_actions()  # actions a view made while starting
        self.tray.rebuild()

    # ----------------------------------------------------------------- app
    def choose_app(self) -> None:
        """List the app candidates with where each was found; re-open with the choice."""
        if self.session is None or not app_picker.chooses_app(self.session.project):
            return
        picker = AppPicker(self.session.project, self.runner, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.chosen.connect(self._app_chosen)
        self.app_picker = picker
        picker.open()

    def _app_chosen(self, _import_string: str) -> None:
        """Re-open from the folder the user opened: the choice may run in another member."""
        self.app_picker = None
        self.reopen()

    # ----------------------------------------------------------------- interpreter
    def choose_interpreter(self) -> None:
        """Offer the interpreters discovery found and a file picker; re-open with the choice."""
        if self.session is None:
            return
        current = self.session.project.interpreter
        picker = InterpreterPicker(current, current.alternatives, self)
        picker.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        picker.accepted.connect(lambda: self._interpreter_chosen(picker))
        self.interpreter_picker = picker
        picker.open()

    def _interpreter_chosen(self, picker: InterpreterPicker) -> None:
        self.interpreter_picker = None
        if self.session is None:
            return
        root = self.session.root
        if picker.choice is None:
            forget_interpreter(root)
        else:
            remember_interpreter(root, picker.choice)
        self.reopen()

    def install(self, plan: InstallPlan) -> None:
        """Run ``plan`` in a dialog with live output; re-check the project when it worked."""
        if self.install_dialog is not None and self.install_dialog.running:
            self.install_dialog.raise_()
            return
        dialog = InstallDialog(plan, self.runner, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished_install.connect(self._on_installed)
        self.install_dialog = dialog
        dialog.start()

    def _on_installed(self, code: int) -> None:
        if code == 0:
            self.statusBar().showMessage("Installed: checking the project again…", 8000)
            self.reopen()

    def _fill_profiles(self, session: ProjectSession) -> None:
        current = session.profile.name if session.profile is not None else None
        self.header.fill_profiles(session.profile_names, current)

    # Delegated to the open project's page (no-ops without a project).
    def logs_for(self, name: str) -> Any:
        return self.page.logs_for(name) if self.page is not None else None

    def running_server(self) -> tuple[str, str] | None:
        return self.page.running_server() if self.page is not None else None

    def start_server(self, name: str) -> None:
        if self.page is not None:
            self.page.start_server(name)

    def validate(self) -> None:
        if self.page is not None:
            self.page.validate()

    def refresh_inspection(self) -> None:
        if self.page is not None:
            self.page.refresh_inspection()

    def show_tab(self, name: str) -> None:
        """Show tab ``name`` and put the focus on its main control (also when it was shown)."""
        if self.page is not None:
            self.page.show_tab(name)
            self._focus_current_tab()

    def _focus_current_tab(self) -> None:
        """The tab in front takes the focus on its main control (its ``focus_main``)."""
        if self.page is None:
            return
        widget: QWidget | None = self.page.tabs.currentWidget()
        if not hasattr(widget, "focus_main") and isinstance(widget, QStackedWidget):
            widget = widget.currentWidget()  # Logs: the selected server's view
        focus_main = getattr(widget, "focus_main", None)
        if callable(focus_main):
            focus_main()

    # ----------------------------------------------------------------- tab actions
    def _tab_widgets(self) -> dict[str, QWidget]:
        """The open project's views whose ``actions()`` the menus list, by tab name."""
        page = self.page
        if page is None:
            return {}
        logs = page.logs_stack.currentWidget()
        widgets: dict[str, QWidget] = {
            "overview": page.overview,
            "profile": page.profile_view,
            "middleware": page.middleware_view,
            "servers": page.servers_panel,
            "services": page.services,
        }
        mail = page.mail_stack.currentWidget()
        if mail is not None and mail is not page.mail_empty:
            widgets["mail"] = mail
        for name in LAZY_TABS:  # not built yet: nothing of it to list
            view = page.built_view(name)
            if view is not None:
                widgets[name] = view
        if logs is not None and logs is not page.logs_empty:
            widgets["logs"] = logs
        return widgets

    def _build_try(self) -> None:
        if self.page is not None:
            self.page.build_tab("try")  # built on first use; its actions then exist

    def _fill_all_tab_actions(self) -> None:
        for menu in list(self._tab_actions):
            self._fill_tab_actions(menu)

    def _fill_tab_actions(self, menu: QMenu) -> None:
        """Put the views' current actions into ``menu`` (one section per view)."""
        _remove_actions(menu, self._tab_actions.pop(menu, []))
        added: list[QAction] = []
        in_menus = {id(a) for a in menu.actions()}
        for name, widget in self._tab_widgets().items():
            if self.tab_menus.get(name) is not menu:
                continue
            actions = [
                a
                for a in widget.actions()
                if a.text() and not a.isSeparator() and id(a) not in in_menus
            ]
            if not actions:
                continue
            title = "Servers" if name == "servers" else name.capitalize()
            added.append(menu.addSection(title))
            for action in actions:
                in_menus.add(id(action))
                menu.addAction(action)
                added.append(action)
        self._tab_actions[menu] = added

    def _clear_tab_actions(self) -> None:
        for menu, items in self._tab_actions.items():
            _remove_actions(menu, items)
            items.clear()

    def _panel_call(self, method: str) -> None:
        if self.page is not None:
            getattr(self.page.servers_panel, method)()

    def _close_page(self) -> None:
        """Stop the open project's servers and let its views go."""
        if self.page is None:
            return
        if self.session is not None:
            self.session.profile_changed.disconnect(self._on_session_profile_changed)
        self._clear_tab_actions()
        running = self._running_count()
        if running:
            self.statusBar().showMessage(f"Stopping {running} server(s)…")
            self.statusBar().repaint()  # painted before the (bounded) wait below
        self.page.close_page()
        self.pages.removeWidget(self.page)
        self.page.deleteLater()
        self.page = None
        self.tray.rebuild()

    def _show_welcome(self) -> None:
        self.pages.setCurrentWidget(self.welcome)
        self.header.disable_profiles()

    def choose_project(self) -> None:
        start = str(self.session.root.parent) if self.session else str(Path.home())
        path = QFileDialog.getExistingDirectory(self, "Open project folder", start)
        if path:
            self.open_path(path)

    def _fill_recent(self) -> None:
        self.recent_menu.clear()
        for path in userstate.recent_projects():
            action = self.recent_menu.addAction(str(path))
            action.triggered.connect(lambda _checked=False, p=path: self.open_path(p))
        if self.recent_menu.isEmpty():
            self.recent_menu.addAction("(none)").setEnabled(False)

    def reload(self) -> None:
        """F5: re-read the env files in place; running servers and logs stay as they are."""
        if self.page is None or self.session is None:
            return
        self.page.reload()
        self._fill_profiles(self.session)
        self.statusBar().showMessage("Reloaded the env files", 4000)

    # ----------------------------------------------------------------- profiles
    def _on_profile_picked(self, name: str) -> None:
        if (
            self.session is not None
            and name
            and (self.session.profile is None or self.session.profile.name != name)
        ):
            self.session.select_profile(name)

    def _on_session_profile_changed(self, profile: object) -> None:
        name = getattr(profile, "name", None)
        if name:
            self.header.show_profile(name)

    def select_profile(self, name: str) -> None:
        self.header.pick_profile(name)

    # ----------------------------------------------------------------- misc
    def _on_reveal(self, revealed: bool) -> None:
        if self.page is not None:
            self.page.profile_view.set_revealed(revealed)

    def _focus_filter(self) -> None:
        if self.page is not None:
            self.page.focus_filter()

    def _on_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def present_error(self, exc: Exception) -> None:
        """The one error presenter: asgideck's own errors as their message, others as bugs."""
        if isinstance(exc, AsgideckError):
            self.statusBar().showMessage(str(exc), 10000)
            return
        text = traceback_text(exc)
        print(text, file=sys.stderr)
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Critical)
        box.setWindowTitle("asgideck: unexpected error")
        box.setText(f"Something went wrong inside asgideck: {type(exc).__name__}: {exc}")
        box.setInformativeText("This is a bug; the details say where it happened.")
        box.setDetailedText(text)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()  # not modal to the event loop: background results keep landing

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About asgideck",
            "<b>asgideck</b><br>A desktop control panel for FastAPI/ASGI projects.<br>"
            "Offline, fast, no account.",
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if not isinstance(geometry, QByteArray) or not self.restoreGeometry(geometry):
            self.resize(1180, 740)  # every tab name fits (ten tabs)
        state = self.settings.value("state")
        if isinstance(state, QByteArray):
            self.restoreState(state)

    # ----------------------------------------------------------------- quitting
    def _running_count(self) -> int:
        if self.page is None:
            return 0
        count = self.page.running_count
        return int(count() if callable(count) else count)

    def request_quit(self) -> None:
        """Ctrl+Q and the tray's Quit: ask first while servers run (unless told not to)."""
        running = self._running_count()
        if running and self._ask_before_quit():
            self._confirm_quit(running)
            return
        self._quitting = True
        self.close()

    def _ask_before_quit(self) -> bool:
        return bool(self.settings.value(ASK_QUIT_KEY, True, type=bool))

    def _confirm_quit(self, running: int) -> None:
        """ "N servers are running — Stop them and quit / Cancel", with "Don't ask again"."""
        if self.quit_box is not None:
            self.quit_box.raise_()
            return
        if not self.isVisible():
            self.tray.show_window()  # asked from the tray while hidden: show what is asked
        box = QMessageBox(self)
        box.setIcon(QMessageBox.Icon.Question)
        box.setWindowTitle("Quit asgideck")
        servers = "1 server is running" if running == 1 else f"{running} servers are running"
        box.setText(f"{servers} — stop {'it' if running == 1 else 'them'} and quit?")
        box.setInformativeText("Quitting stops every server this window started.")
        stop = box.addButton("&Stop Them and Quit", QMessageBox.ButtonRole.AcceptRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(stop)
        box.setCheckBox(QCheckBox("&Don't ask again", box))  # parented: Qt owns it
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.finished.connect(lambda _result: self._quit_answered(box, box.clickedButton() is stop))
        self.quit_box = box
        box.open()  # not modal to the event loop: server events keep landing meanwhile

    def _quit_answered(self, box: QMessageBox, stop: bool) -> None:
        self.quit_box = None
        if not stop:
            return
        check = box.checkBox()
        if check is not None and check.isChecked():
            self.settings.setValue(ASK_QUIT_KEY, False)
        self._quitting = True
        self.close()

    def closed_by_user(self, event: QCloseEvent) -> bool:
        """The window system's close (the title bar's ×, Alt+F4), not asgideck's own
        ``close()``: Qt marks only that one spontaneous. (A seam tests replace: offscreen
        there is no window manager to click.)"""
        return event.spontaneous()

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed by the user (the title bar's ×): hide to the tray or ask while servers run.
        Closed by asgideck itself (Quit confirmed, a signal, a test): stop and close."""
        by_user = not self._quitting and self.closed_by_user(event)
        running = self._running_count() if by_user else 0
        if running and self.tray.shown and self.tray_action.isChecked():
            event.ignore()
            self.hide()
            self.tray.icon.showMessage(
                "asgideck", f"Still running {running} server(s); the tray icon brings it back"
            )
            return
        if running and self._ask_before_quit():
            event.ignore()
            self._confirm_quit(running)
            return
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        if self.page is not None:
            self.page.save_state(self.settings)
        self.settings.sync()
        if self.install_dialog is not None and self.install_dialog.running:
            self.install_dialog.cancel()  # the command must not outlive asgideck
        self._close_page()  # stops the servers; late results are dropped by the page's scope
        self.tray.close()
        set_presenter(None)
        super().closeEvent(event)

    # ----------------------------------------------------------------- help
    def show_shortcuts(self) -> None:
        """Help → Keyboard Shortcuts: read from the actions as they are now."""
        if self.shortcuts_dialog is not None:
            self.shortcuts_dialog.close()
        self._build_try()  # every shortcut is listed, Try's too (built on first use)
        if self.page is not None:
            self.page.build_tab("requests")  # and the Requests tab's
        dialog = ShortcutsDialog(self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "shortcuts_dialog", None))
        self.shortcuts_dialog = dialog
        dialog.open()

    def drain(self, msecs: int = 30_000) -> bool:
        """Block until the background jobs still running end (their results are dropped).

        For after the window closed, before the interpreter exits: a probe's child
        process must not outlive asgideck. Never needed to close a view.
        """
        return self.runner.wait(msecs) and self.server_runner.wait(msecs)


def _remove_actions(menu: QMenu, items: list[QAction]) -> None:
    """Take a view's actions out of ``menu``; a view deleted meanwhile (a service's log view
    after a profile reload) took its actions along, and touching those would crash."""
    for item in items:
        if shiboken6.isValid(item):
            menu.removeAction(item)
