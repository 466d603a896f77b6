"""Everything the window shows about one open project: the servers column and the tabs.

Built when a project opens and closed (servers stopped, views detached) when another
one opens or the window closes, so no view ever outlives the runtime objects it shows.
The page's task scope runs validation and inspection (newest per key wins) and carries
the servers' events home; closing the page closes it, so nothing late lands.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QTabWidget

from asgideck.gui.core import theme
from asgideck.gui.core.status_strip import StatusStrip
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import muted
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.gui.tabs.middleware import MiddlewareView
from asgideck.gui.tabs.overview import OverviewView
from asgideck.gui.tabs.profile.compare import DiffView
from asgideck.gui.tabs.profile.view import ProfileView
from asgideck.gui.tabs.routes.view import RoutesView
from asgideck.gui.tabs.servers.panel import ServersPanel
from asgideck.gui.tabs.workbench.view import TryView
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.inspect import (
    Inspection,
    ProjectSession,
    RouteEntry,
    Snapshot,
    Validation,
    compute,
)
from asgideck.runtime.openapi import Operation
from asgideck.runtime.servers import ServerEvent, ServerManager, StateChanged, StatsUpdated
from asgideck.runtime.workbench import Workbench

TABS = ("overview", "profile", "compare", "logs", "routes", "middleware", "try")


class ProjectPage(QSplitter):
    #: the profile's validation finished (successfully or not)
    validated = Signal()
    #: text for the status bar, and how long to show it (ms; 0 = until replaced)
    message = Signal(str, int)

    def __init__(
        self,
        session: ProjectSession,
        runner: TaskRunner,
        server_runner: TaskRunner,
        strip: StatusStrip,
        *,
        revealed: bool = False,
    ) -> None:
        """``server_runner`` runs start/stop: never queued behind probes, requests or load tests."""
        super().__init__()
        self.session = session
        self.strip = strip
        self.tasks = runner.scope(self)

        self.overview = OverviewView(session)
        self.overview.recheck_requested.connect(self.validate)
        self.profile_view = ProfileView(session)
        self.profile_view.set_revealed(revealed)
        self.diff_view = DiffView(session)
        self.inspection = Inspection(session.project)
        self.inspection.changed.connect(self._on_inspected)
        self.routes_view = RoutesView(self.inspection)
        self.routes_view.try_requested.connect(self.try_route)
        self.middleware_view = MiddlewareView(self.inspection)
        self.workbench = Workbench(session.project.name, project_key=str(session.project.root))
        self.try_view = TryView(self.workbench, runner)
        self.logs: dict[str, LogsView] = {}
        self.logs_stack = QStackedWidget()
        self.logs_empty = muted("Select a server to see its log.")
        self.logs_stack.addWidget(self.logs_empty)

        self.manager = ServerManager(session.project, session.profile_names)
        self.manager.events.connect(self.tasks.wrap(self._on_server_event))
        self.servers_panel = ServersPanel(self.manager, server_runner)
        self.servers_panel.setMinimumWidth(210)
        self.servers_panel.selection_changed.connect(self._on_server_selected)
        self.servers_panel.notice.connect(lambda text: self.message.emit(text, 10000))
        self.servers_panel.renamed.connect(self._on_server_renamed)
        self.servers_panel.removed.connect(self._on_server_removed)

        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        for widget, icon, title in (
            (self.overview, "info", "Overview"),
            (self.profile_view, "edit", "Profile"),
            (self.diff_view, "compare", "Compare"),
            (self.logs_stack, "terminal", "Logs"),
            (self.routes_view, "search", "Routes"),
            (self.middleware_view, "shield", "Middleware"),
            (self.try_view, "send", "Try"),
        ):
            self.tabs.addTab(widget, theme.icon(icon), title)
        self.addWidget(self.servers_panel)
        self.addWidget(self.tabs)
        self.setStretchFactor(1, 1)
        self.setSizes([240, 860])

        session.profile_changed.connect(self._on_profile_changed)
        self._on_server_selected(self.servers_panel.selected_name())

    def start(self) -> None:
        """First validation and inspection; call once the page's signals are connected."""
        self.validate()
        self.refresh_inspection()

    # ----------------------------------------------------------------- tabs
    def show_tab(self, name: str) -> None:
        if name in TABS:
            self.tabs.setCurrentIndex(TABS.index(name))

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    def focus_filter(self) -> None:
        """Ctrl+F: the filter of the tab in front (variables when it has none)."""
        current = self.tabs.currentWidget()
        if current is self.logs_stack:
            view = self.logs_stack.currentWidget()
            if isinstance(view, LogsView):
                view.focus_search()
        elif current is self.routes_view:
            self.routes_view.focus_filter()
        elif current is self.try_view:
            self.try_view.focus_filter()
        else:
            self.show_tab("profile")
            self.profile_view.focus_filter()

    def add_variable(self) -> None:
        self.show_tab("profile")
        self.profile_view.add_variable()

    # ----------------------------------------------------------------- validation
    def _on_profile_changed(self, _profile: object) -> None:
        self.validate()
        self.refresh_inspection()

    def validate(self) -> None:
        """Run the project's settings classes off the GUI thread; a newer run wins."""
        session = self.session
        profile = session.profile
        if profile is None or (session.project.app is None and not profile.variables):
            self.tasks.forget("validate")  # a result still in flight is now stale
            self.overview.set_busy(False)
            self.validated.emit()
            return
        facts = self.manager.facts_for(profile.name)
        self.overview.set_busy(True)
        self.message.emit(f"Validating profile {profile.name}…", 0)
        self.tasks.run(
            lambda: session.validate(profile, facts),
            self._on_validated,
            key="validate",
            failed=self._on_validation_failed,
        )

    def _on_validated(self, result: Validation) -> None:
        self.overview.set_busy(False)
        self.overview.show_validation(result)
        self.message.emit(f"Validated profile {result.profile}", 4000)
        self.validated.emit()

    def _on_validation_failed(self, exc: Exception) -> None:
        self.overview.set_busy(False)
        if isinstance(exc, AsgideckError):
            self.overview.show_validation_error(exc)
            self.message.emit(f"Validation failed: {exc}", 8000)
        else:
            present_error(exc)  # a bug, shown as one
        self.validated.emit()

    # ----------------------------------------------------------------- inspection
    def refresh_inspection(self) -> None:
        """Probe the app (and read a running server's OpenAPI) off the GUI thread."""
        session, inspection = self.session, self.inspection
        if session.project.app is None:
            return
        profile = session.profile
        running = self.running_server()
        server, url = running if running else (None, None)
        self.tasks.run(
            lambda: compute(session.project, profile, url, server),
            inspection.apply,
            key="inspect",
            failed=self._on_inspection_failed,
        )

    def _on_inspection_failed(self, exc: Exception) -> None:
        if not isinstance(exc, AsgideckError):
            present_error(exc)  # a bug, shown as one
            return
        self.message.emit(f"Could not inspect the app: {exc}", 10000)

    def _on_inspected(self, snapshot: Snapshot) -> None:
        self.workbench.set_document(snapshot.document)

    def try_route(self, entry: RouteEntry) -> None:
        """Open a route from the Routes tab in the Try tab."""
        if entry.kind == "websocket":
            self.try_view.open_websocket(entry.path)
        else:
            op = entry.operation or Operation(
                entry.method, entry.path, None, entry.tags, entry.summary, "", entry.deprecated,
                (), None, {}, (),
            )  # fmt: skip
            self.try_view.open_operation(op)
        self.show_tab("try")

    # ----------------------------------------------------------------- servers
    def logs_for(self, name: str) -> LogsView | None:
        """The log view of server ``name``, built the first time it is needed."""
        if not name:
            return None
        view = self.logs.get(name)
        if view is None:
            view = LogsView(self.manager.server(name))
            self.logs[name] = view
            self.logs_stack.addWidget(view)
        return view

    def running_server(self) -> tuple[str, str] | None:
        """(name, URL) of the server to talk to: the selected one if it runs, else any."""
        selected = self.servers_panel.selected_name()
        names = [selected] + [s.name for s in self.manager.servers if s.name != selected]
        for name in names:
            status = self.servers_panel.status.get(name)
            if status is not None and status.state == "running" and status.url:
                return name, status.url
        return None

    def start_server(self, name: str) -> None:
        """Start server ``name`` (``asgideck --start NAME``)."""
        if name not in (s.name for s in self.manager.servers):
            known = ", ".join(s.name for s in self.manager.servers) or "none"
            self.message.emit(f"No server named {name!r} (servers: {known})", 10000)
            return
        self.servers_panel.select(name)
        self.servers_panel.start_selected()

    def _update_target(self) -> None:
        """Requests from the Try tab go to the running server ``running_server`` picks."""
        running = self.running_server()
        if running is None:
            self.workbench.set_target(None, None)
            return
        name, url = running
        self.workbench.set_target(name, url, self.manager.server(name).config.root_path)

    def _on_server_selected(self, name: str) -> None:
        self._update_target()
        view = self.logs_for(name)
        self.logs_stack.setCurrentWidget(view if view is not None else self.logs_empty)
        status = self.servers_panel.status.get(name) if name else None
        self.strip.show_server(
            name or None, status.state if status else "stopped", status.url if status else None
        )

    def _on_server_renamed(self, old: str, new: str) -> None:
        if old in self.logs:
            self.logs[new] = self.logs.pop(old)
        self._update_target()

    def _on_server_removed(self, name: str) -> None:
        view = self.logs.pop(name, None)
        if view is not None:
            view.detach()
            self.logs_stack.removeWidget(view)
            view.deleteLater()

    def _on_server_event(self, pair: tuple[str, ServerEvent]) -> None:
        """A supervisor event, moved onto the GUI thread by the page's scope."""
        name, event = pair
        if name not in (s.name for s in self.manager.servers):
            return  # the server was removed (or renamed) while the event travelled
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

    # ----------------------------------------------------------------- closing
    def close_page(self) -> None:
        """Drop every late result and event, detach the views, stop this project's servers."""
        self.tasks.close()
        self.servers_panel.tasks.close()
        self.session.profile_changed.disconnect(self._on_profile_changed)
        self.overview.detach()
        self.profile_view.detach()
        self.diff_view.detach()
        self.routes_view.detach()
        self.middleware_view.detach()
        self.try_view.detach()
        for view in self.logs.values():
            view.detach()
        self.manager.close()  # every server at once: bounded by one grace period

    def reload(self) -> None:
        """Re-read the env files (edited outside asgideck); servers keep running."""
        self.session.reload()  # fires profile_changed: views refresh, validation reruns

    @property
    def running_count(self) -> int:
        return sum(1 for s in self.manager.servers if s.running)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("tab", self.current_tab())
