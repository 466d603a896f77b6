"""The main window: project header, tabs, status bar, menus and shortcuts."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.bridge import Bridge
from gui.tasks import TaskRunner
from gui.views.diff_view import DiffView
from gui.views.logs_view import LogsView
from gui.views.middleware_view import MiddlewareView
from gui.views.overview import OverviewView
from gui.views.profile_view import ProfileView
from gui.views.routes_view import RoutesView
from gui.views.servers_panel import ServersPanel
from gui.views.try_view import TryView
from gui.widgets import Banner, muted
from gui.widgets_stats import StatusStrip
from runtime import userstate
from runtime.inspection import Inspection, Snapshot, compute
from runtime.openapi import Operation
from runtime.project import ProjectError
from runtime.routes_index import RouteEntry
from runtime.servers import ServerManager
from runtime.session import ProjectSession, Validation
from runtime.supervisor import StateChanged, StatsUpdated
from runtime.workbench import Workbench

TABS = ("overview", "profile", "compare", "logs", "routes", "middleware", "try")


class MainWindow(QMainWindow):
    #: The current project has been read and validated once (for --screenshot and tests).
    loaded = Signal()

    def __init__(self, session: ProjectSession | None = None, *, python: str | None = None) -> None:
        super().__init__()
        self.setWindowTitle("asgideck")
        self.setMinimumSize(720, 480)
        self.python = python
        self.session: ProjectSession | None = None
        self.runner = TaskRunner(self)
        self.runner.busy_changed.connect(self._on_busy)
        self.bridge = Bridge(self)
        self._generation = 0
        self._views: list[OverviewView | ProfileView | DiffView | RoutesView | MiddlewareView] = []
        self._inspect_generation = 0
        self.inspection: Inspection | None = None
        self.workbench: Workbench | None = None
        self.try_view: TryView | None = None
        self.manager: ServerManager | None = None
        self.servers_panel: ServersPanel | None = None
        self.logs: dict[str, LogsView] = {}
        self.settings = QSettings(
            str(userstate.config_dir() / "window.ini"), QSettings.Format.IniFormat
        )

        self._build_header()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.welcome = self._build_welcome()
        self.logs_stack = QStackedWidget()
        self.logs_empty = muted("Select a server to see its log.")
        self.logs_stack.addWidget(self.logs_empty)
        self.panel_holder = QStackedWidget()
        self.panel_holder.setMinimumWidth(210)
        self.splitter = QSplitter()
        self.splitter.addWidget(self.panel_holder)
        self.splitter.addWidget(self.tabs)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 860])
        self.pages = QStackedWidget()
        self.pages.addWidget(self.welcome)
        self.pages.addWidget(self.splitter)
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
        self._restore_geometry()
        if session is not None:
            self.set_session(session)
        else:
            self._show_welcome()

    # ----------------------------------------------------------------- building
    def _build_header(self) -> None:
        self.header = QWidget()
        self.header.setObjectName("ProjectHeader")
        self.name_label = QLabel("asgideck")
        self.name_label.setObjectName("ProjectName")
        self.path_label = QLabel("")
        self.path_label.setObjectName("ProjectPath")
        self.path_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.app_chip = QLabel("")
        self.app_chip.setObjectName("Chip")
        self.python_chip = QLabel("")
        self.python_chip.setObjectName("Chip")
        self.profile_combo = QComboBox()
        self.profile_combo.setMinimumWidth(150)
        self.profile_combo.setToolTip("The profile every tab shows (Ctrl+P)")
        self.profile_combo.currentTextChanged.connect(self._on_profile_picked)
        titles = QVBoxLayout()
        titles.setSpacing(0)
        titles.addWidget(self.name_label)
        titles.addWidget(self.path_label)
        row = QHBoxLayout(self.header)
        row.addLayout(titles, 1)
        row.addWidget(self.app_chip)
        row.addWidget(self.python_chip)
        row.addWidget(QLabel("Profile:"))
        row.addWidget(self.profile_combo)

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
        bar = self.menuBar()
        file_menu = bar.addMenu("&File")
        self._action(
            file_menu,
            "&Open Project…",
            QKeySequence.StandardKey.Open,
            self.choose_project,
            "folder-open",
        )
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        self._action(file_menu, "Re&load", QKeySequence.StandardKey.Refresh, self.reload, "refresh")
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", QKeySequence.StandardKey.Quit, self.close)

        view = bar.addMenu("&View")
        group = QActionGroup(self)
        for number, name in enumerate(TABS, start=1):
            action = self._action(
                view, name.capitalize(), f"Ctrl+{number}", lambda n=name: self.show_tab(n)
            )
            group.addAction(action)
        view.addSeparator()
        self.reveal_action = self._action(view, "&Reveal Secrets", "Ctrl+Shift+R", None, "eye")
        self.reveal_action.setCheckable(True)
        self.reveal_action.toggled.connect(self._on_reveal)
        self._action(view, "&Find", QKeySequence.StandardKey.Find, self._focus_filter, "search")

        profile = bar.addMenu("&Profile")
        self._action(profile, "&Choose Profile", "Ctrl+P", self._focus_profile_combo)
        self._action(profile, "&Next Profile", "Ctrl+PgDown", lambda: self._step_profile(1))
        self._action(profile, "&Previous Profile", "Ctrl+PgUp", lambda: self._step_profile(-1))
        profile.addSeparator()
        self._action(
            profile, "&Add Variable…", QKeySequence.StandardKey.New, self._add_variable, "plus"
        )
        self._action(profile, "&Validate", "Ctrl+Shift+V", self.validate, "shield")

        server = bar.addMenu("&Server")
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
            server, "&Edit Server…", None, lambda: self._panel_call("edit_selected"), "edit"
        )
        self._action(server, "&Add Server…", None, lambda: self._panel_call("add_server"), "plus")

        self.request_menu = bar.addMenu("&Request")

        help_menu = bar.addMenu("&Help")
        self._action(help_menu, "&About asgideck", None, self._about)

    def _action(self, menu, text, shortcut, slot, icon: str | None = None) -> QAction:  # type: ignore[no-untyped-def]
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
        """Open ``path``; a path that is not a project folder is shown, not raised."""
        try:
            session = ProjectSession.open(path, python=self.python, profile=profile)
        except ProjectError as exc:
            self.show_open_error(str(exc))
            return False
        self.set_session(session)
        return True

    def show_open_error(self, message: str) -> None:
        if self.session is None:
            self._show_welcome()
            self.open_error.show_message(message)
            self.loaded.emit()
        else:
            QMessageBox.warning(self, "Cannot open project", message)

    def set_session(self, session: ProjectSession) -> None:
        self._detach_views()
        self.session = session
        userstate.remember_project(session.root)
        project = session.project
        self.setWindowTitle(f"{project.name} — asgideck")
        self.name_label.setText(project.name)
        self.path_label.setText(str(project.root))
        if project.app is not None:
            self.app_chip.setText(
                project.app.import_string + (" (factory)" if project.app.factory else "")
            )
            self.app_chip.setToolTip(project.app.reason)
        else:
            self.app_chip.setText("no app found")
            self.app_chip.setToolTip(project.app_error or "")
        self.python_chip.setText(project.interpreter.path.name)
        self.python_chip.setToolTip(f"{project.interpreter.path}\n{project.interpreter.reason}")

        self.overview = OverviewView(session)
        self.overview.recheck_requested.connect(self.validate)
        self.profile_view = ProfileView(session)
        self.profile_view.set_revealed(self.reveal_action.isChecked())
        self.profile_view.reveal_button.toggled.connect(self.reveal_action.setChecked)
        self.diff_view = DiffView(session)
        self.inspection = Inspection(session.project)
        self.routes_view = RoutesView(self.inspection)
        self.middleware_view = MiddlewareView(self.inspection)
        self.workbench = Workbench(session.project.name)
        self.try_view = TryView(self.workbench, self.runner)
        self.routes_view.try_requested.connect(self.try_route)
        self.inspection.changed.connect(self._on_inspected)
        self.request_menu.clear()
        for action in self.try_view.menu_actions():
            self.request_menu.addAction(action)
        self._views = [
            self.overview,
            self.profile_view,
            self.diff_view,
            self.routes_view,
            self.middleware_view,
        ]
        current = self.settings.value("tab", "overview")
        self.tabs.clear()
        self.tabs.addTab(self.overview, theme.icon("info"), "Overview")
        self.tabs.addTab(self.profile_view, theme.icon("edit"), "Profile")
        self.tabs.addTab(self.diff_view, theme.icon("compare"), "Compare")
        self.tabs.addTab(self.logs_stack, theme.icon("terminal"), "Logs")
        self.tabs.addTab(self.routes_view, theme.icon("search"), "Routes")
        self.tabs.addTab(self.middleware_view, theme.icon("shield"), "Middleware")
        self.tabs.addTab(self.try_view, theme.icon("send"), "Try")
        self._build_servers(session)
        self.show_tab(str(current))
        self.pages.setCurrentWidget(self.splitter)

        self.profile_combo.blockSignals(True)
        self.profile_combo.clear()
        self.profile_combo.addItems(session.profile_names)
        if session.profile is not None:
            self.profile_combo.setCurrentText(session.profile.name)
        self.profile_combo.blockSignals(False)
        self.profile_combo.setEnabled(self.profile_combo.count() > 0)
        session.profile_changed.connect(self._on_session_profile_changed)
        self.validate()
        self.refresh_inspection()

    def _build_servers(self, session: ProjectSession) -> None:
        self.manager = ServerManager(session.project, session.profile_names)
        self.manager.events.connect(self.bridge.wrap(self._on_server_event_pair))
        self.servers_panel = ServersPanel(self.manager, self.runner)
        self.servers_panel.selection_changed.connect(self._on_server_selected)
        self.servers_panel.notice.connect(lambda text: self.statusBar().showMessage(text, 10000))
        self.panel_holder.addWidget(self.servers_panel)
        self.panel_holder.setCurrentWidget(self.servers_panel)
        self._on_server_selected(self.servers_panel.selected_name())

    def logs_for(self, name: str) -> LogsView | None:
        """The log view of server ``name``, built the first time it is needed."""
        if self.manager is None or not name:
            return None
        view = self.logs.get(name)
        if view is None:
            view = LogsView(self.manager.server(name))
            self.logs[name] = view
            self.logs_stack.addWidget(view)
        return view

    def _on_server_selected(self, name: str) -> None:
        self._update_target()
        view = self.logs_for(name)
        self.logs_stack.setCurrentWidget(view if view is not None else self.logs_empty)
        if self.manager is None or not name:
            self.strip.show_server(None, "stopped", None)
            return
        status = self.servers_panel.status.get(name) if self.servers_panel else None
        self.strip.show_server(
            name, status.state if status else "stopped", status.url if status else None
        )

    def _on_server_event_pair(self, pair: tuple[str, object]) -> None:
        name, event = pair
        if self.servers_panel is None or self.manager is None:
            return
        if name not in (s.name for s in self.manager.servers):
            return
        self.servers_panel.on_event(name, event)
        selected = self.servers_panel.selected_name()
        if isinstance(event, StateChanged):
            view = self.logs_for(name)
            if view is not None:
                view.show_status(event.status)
            if name == selected:
                self.strip.set_state(name, event.status.state, event.status.url)
            if event.status.state == "running" and event.previous != "running":
                self.refresh_inspection()  # a (re)started server: never show stale routes
            self._update_target()
        elif isinstance(event, StatsUpdated) and name == selected:
            st = event.stats
            self.strip.set_stats(st.uptime, st.cpu_percent, st.rss, st.processes, st.requests_per_s)

    def running_server(self) -> tuple[str, str] | None:
        """(name, URL) of the server to read OpenAPI from: the selected one if it runs."""
        if self.manager is None or self.servers_panel is None:
            return None
        selected = self.servers_panel.selected_name()
        names = [selected] + [s.name for s in self.manager.servers if s.name != selected]
        for name in names:
            status = self.servers_panel.status.get(name)
            if status is not None and status.state == "running" and status.url:
                return name, status.url
        return None

    def _update_target(self) -> None:
        """Requests from the Try tab go to the selected server when it runs (else any)."""
        if self.workbench is None or self.manager is None:
            return
        running = self.running_server()
        if running is None:
            self.workbench.set_target(None, None)
            return
        name, url = running
        self.workbench.set_target(name, url, self.manager.server(name).config.root_path)

    def _on_inspected(self, snapshot: Snapshot) -> None:
        if self.workbench is not None:
            self.workbench.set_document(snapshot.document)

    def try_route(self, entry: RouteEntry) -> None:
        """Open a route from the Routes tab in the Try tab."""
        if self.try_view is None:
            return
        if entry.kind == "websocket":
            self.try_view.open_websocket(entry.path)
        else:
            op = entry.operation or Operation(
                entry.method, entry.path, None, entry.tags, entry.summary, "", entry.deprecated,
                (), None, {}, (),
            )  # fmt: skip
            self.try_view.open_operation(op)
        self.show_tab("try")

    def refresh_inspection(self) -> None:
        """Probe the app (and read a running server's OpenAPI) off the GUI thread."""
        session, inspection = self.session, self.inspection
        if session is None or inspection is None or session.project.app is None:
            return
        self._inspect_generation += 1
        generation = self._inspect_generation
        profile = session.profile
        running = self.running_server()
        server, url = running if running else (None, None)

        def done(snapshot: Snapshot) -> None:
            if generation == self._inspect_generation and inspection is self.inspection:
                inspection.apply(snapshot)

        def failed(exc: Exception) -> None:
            if generation == self._inspect_generation:
                self.statusBar().showMessage(f"Could not inspect the app: {exc}", 10000)

        self.runner.run(lambda: compute(session.project, profile, url, server), done, failed)

    def start_server(self, name: str) -> None:
        """Start server ``name`` of the open project (``asgideck --start NAME``)."""
        if self.servers_panel is None or self.manager is None:
            return
        if name not in (s.name for s in self.manager.servers):
            known = ", ".join(s.name for s in self.manager.servers) or "none"
            self.statusBar().showMessage(f"No server named {name!r} (servers: {known})", 10000)
            return
        self.servers_panel.select(name)
        self.servers_panel.start_selected()

    def _panel_call(self, method: str) -> None:
        if self.servers_panel is not None:
            getattr(self.servers_panel, method)()

    def stop_servers(self) -> None:
        """Stop every server this window started (closing, or switching project)."""
        if self.manager is None:
            return
        if any(s.running for s in self.manager.servers):
            self.statusBar().showMessage("Stopping servers…")
            self.statusBar().repaint()
        self.manager.close()

    def _detach_views(self) -> None:
        if self.session is not None:
            self.session.profile_changed.disconnect(self._on_session_profile_changed)
        for view in self._views:
            view.detach()
            view.deleteLater()
        self._views = []
        self.stop_servers()
        for logs in self.logs.values():
            logs.detach()
            self.logs_stack.removeWidget(logs)
            logs.deleteLater()
        self.logs = {}
        if self.servers_panel is not None:
            self.panel_holder.removeWidget(self.servers_panel)
            self.servers_panel.deleteLater()
            self.servers_panel = None
        self.manager = None
        self.inspection = None
        if self.try_view is not None:
            self.try_view.detach()
            self.try_view.deleteLater()
            self.try_view = None
        self.workbench = None

    def _show_welcome(self) -> None:
        self.pages.setCurrentWidget(self.welcome)
        self.profile_combo.setEnabled(False)

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
        if self.session is not None:
            self.open_path(self.session.root)

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
        if name and self.profile_combo.currentText() != name:
            self.profile_combo.blockSignals(True)
            self.profile_combo.setCurrentText(name)
            self.profile_combo.blockSignals(False)
        self.validate()
        self.refresh_inspection()

    def select_profile(self, name: str) -> None:
        self.profile_combo.setCurrentText(name)

    def _step_profile(self, step: int) -> None:
        count = self.profile_combo.count()
        if count:
            self.profile_combo.setCurrentIndex((self.profile_combo.currentIndex() + step) % count)

    def _focus_profile_combo(self) -> None:
        self.profile_combo.setFocus()
        self.profile_combo.showPopup()

    def validate(self) -> None:
        """Run the project's settings classes off the GUI thread; stale results are dropped."""
        session = self.session
        if session is None:
            return
        self._generation += 1
        generation = self._generation
        profile = session.profile
        if profile is None or (session.project.app is None and not profile.variables):
            self.loaded.emit()
            return
        facts = self.manager.facts_for(profile.name) if self.manager else None
        self.overview.set_busy(True)
        self.statusBar().showMessage(f"Validating profile {profile.name}…")

        def done(result: Validation) -> None:
            if generation == self._generation:
                self.overview.set_busy(False)
                self.overview.show_validation(result)
                self.statusBar().showMessage(f"Validated profile {result.profile}", 4000)
                self.loaded.emit()

        def failed(exc: Exception) -> None:
            if generation == self._generation:
                self.overview.set_busy(False)
                self.overview.show_validation_error(exc)
                self.statusBar().showMessage(f"Validation failed: {exc}", 8000)
                self.loaded.emit()

        self.runner.run(lambda: session.validate(profile, facts), done, failed)

    # ----------------------------------------------------------------- misc
    def show_tab(self, name: str) -> None:
        if name in TABS and self.tabs.count() == len(TABS):
            self.tabs.setCurrentIndex(TABS.index(name))

    def _on_reveal(self, revealed: bool) -> None:
        if self._views:
            self.profile_view.set_revealed(revealed)

    def _focus_filter(self) -> None:
        """Ctrl+F: the log's filter on the Logs tab, else the variables filter."""
        if self.tabs.currentWidget() is self.logs_stack:
            view = self.logs_stack.currentWidget()
            if isinstance(view, LogsView):
                view.focus_search()
        elif self._views and self.tabs.currentWidget() is self.routes_view:
            self.routes_view.focus_filter()
        elif self.try_view is not None and self.tabs.currentWidget() is self.try_view:
            self.try_view.focus_filter()
        elif self._views:
            self.show_tab("profile")
            self.profile_view.focus_filter()

    def _add_variable(self) -> None:
        if self._views:
            self.show_tab("profile")
            self.profile_view.add_variable()

    def _on_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "About asgideck",
            "<b>asgideck</b><br>A desktop control panel for FastAPI/ASGI projects.<br>"
            "Offline, fast, no account.",
        )

    def _restore_geometry(self) -> None:
        geometry = self.settings.value("geometry")
        if geometry is None or not self.restoreGeometry(geometry):  # type: ignore[arg-type]
            self.resize(1100, 720)
        state = self.settings.value("state")
        if state is not None:
            self.restoreState(state)  # type: ignore[arg-type]

    def closeEvent(self, event: QCloseEvent) -> None:
        self.settings.setValue("geometry", self.saveGeometry())
        self.settings.setValue("state", self.saveState())
        if self.tabs.count() == len(TABS):
            self.settings.setValue("tab", TABS[self.tabs.currentIndex()])
        self.settings.sync()
        self._detach_views()
        self.runner.wait()
        super().closeEvent(event)
