"""Everything the window shows about one open project: the servers column and the tabs.

Built when a project opens and closed (servers stopped, views detached) when another
one opens or the window closes, so no view ever outlives the runtime objects it shows.
The page's task scope runs validation and inspection (newest per key wins) and carries
the servers' events home; closing the page closes it, so nothing late lands.

One rule for "what am I looking at": the server selected in the sidebar, and so its
profile, drives Logs, Routes, Middleware, Requests and Try; the header says which (``showing``).
Selecting a server selects its profile; picking a profile selects the first server
using it, or none (the tabs then show what the probe sees for that profile).

The sidebar's SERVICES section (under the servers) lists what the shown profile needs;
choosing a service shows its log in the Logs tab (a title line says which). A server's
Start runs its profile's services first. The Mail tab is there only while the profile
needs a mail service, built when first shown. Closing the page stops the services
only when the project's "Stop services when the project closes" is ticked.

Compare, Routes, Requests and Try are built the first time they are shown or asked for
(``diff_view``, ``routes_view``, ``requests_view``, ``try_view``; a placeholder holds
their place in the tab bar): the window comes up without paying for them, nor for httpx
and websockets, which come with Try and its workbench. Until then the page keeps what it
would have handed Try (document, target, WebSocket routes, server names) and gives it over
when it is built.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSettings, Signal
from PySide6.QtWidgets import QSplitter, QStackedWidget, QTabWidget, QWidget

from asgideck.gui.core import theme
from asgideck.gui.core.status_strip import StatusStrip
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import muted
from asgideck.gui.header import ProjectHeader
from asgideck.gui.page_group import ShownGroup
from asgideck.gui.tabs.logs.view import LogsView
from asgideck.gui.tabs.middleware import MiddlewareView
from asgideck.gui.tabs.overview import OverviewView
from asgideck.gui.tabs.profile.view import ProfileView
from asgideck.gui.tabs.routes.changes_banner import ApiChangesWatch
from asgideck.gui.tabs.servers.panel import ServersPanel
from asgideck.gui.tabs.services.backend import Backend, RuntimeBackend, Sets
from asgideck.gui.tabs.services.section import ServicesSection
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.inspect import (
    AppInfo,
    Inspection,
    ProjectSession,
    RouteEntry,
    Snapshot,
    Validation,
    compute,
)
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.openapi import Document, Operation
from asgideck.runtime.servers import (
    ServerEvent,
    ServerManager,
    StateChanged,
    StatsUpdated,
)

if TYPE_CHECKING:  # imported when the tab is first built (httpx and websockets come with Try)
    from asgideck.gui.tabs.deploy.view import DeployView
    from asgideck.gui.tabs.profile.compare import DiffView
    from asgideck.gui.tabs.requests.view import RequestsView, ShownServer
    from asgideck.gui.tabs.routes.view import RoutesView
    from asgideck.gui.tabs.workbench.view import TryView
    from asgideck.runtime.client import RequestSpec
    from asgideck.runtime.recording import RequestLog
    from asgideck.runtime.services import ServiceNeed
    from asgideck.runtime.workbench import Workbench

TABS = (
    "overview", "profile", "compare", "logs", "routes", "middleware", "requests", "try", "mail",
    "deploy",
)  # fmt: skip
#: tabs built when first shown or asked for (the others are built with the page)
LAZY_TABS = ("compare", "routes", "requests", "try", "deploy")
#: tabs shown only while the profile needs them (Mail: a mail catcher)
OPTIONAL_TABS = ("mail",)


def services_backend() -> Backend:
    """The services runtime the page drives (a seam tests replace with a fake)."""
    return RuntimeBackend()


@dataclass(frozen=True)
class ServiceLog:
    """A service's log, as a log view reads it."""

    name: str
    buffer: LogBuffer


class ProjectPage(QSplitter):
    #: the profile's validation finished (successfully or not)
    validated = Signal()
    #: text for the status bar, and how long to show it (ms; 0 = until replaced)
    message = Signal(str, int)
    #: what the tabs show now (the header's "Showing: …" line)
    showing_changed = Signal(str)
    #: a lazy tab was built (its name): its actions now exist, the window lists them
    tab_built = Signal(str)

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
        self.runner = runner
        self.tasks = runner.scope(self)
        self._aligning = False  # selection and profile are being matched to each other
        self._started = False
        self._header: ProjectHeader | None = None
        self.validation: Validation | None = None  # the last result, for the start warning

        self.overview = OverviewView(session)
        self.overview.recheck_requested.connect(self.validate)
        self.profile_view = ProfileView(session)
        self.profile_view.set_revealed(revealed)
        self.inspection = Inspection(session.project)
        self.inspection.changed.connect(self._on_inspected)
        self.middleware_view = MiddlewareView(self.inspection)
        # Built when first shown or asked for; until then a placeholder holds the tab's place.
        self._placeholders = {name: QWidget() for name in LAZY_TABS}
        self._diff_view: DiffView | None = None
        self._routes_view: RoutesView | None = None
        self._try_view: TryView | None = None
        self._deploy_view: DeployView | None = None
        self._workbench: Workbench | None = None
        # The Requests tab (built when first shown) and each server's records, read on.
        self._requests_view: RequestsView | None = None
        self._request_logs: dict[str, RequestLog] = {}
        # What Try gets when it is built.
        self._document: Document | None = None
        self._target: tuple[str, str, str] | None = None  # name, URL, root path
        self._ws_routes: list[str] = []
        self._server_names: dict[str, str] = {}  # base URL -> server name, oldest first
        self.logs: dict[str, LogsView] = {}
        #: (profile, service) -> its log view
        self.service_logs: dict[tuple[str, str], LogsView] = {}
        self.logs_stack = QStackedWidget()
        self.logs_empty = muted("Select a server to see its log.")
        self.logs_stack.addWidget(self.logs_empty)
        # The Mail tab: one view per profile, built when first shown.
        self.mail_views: dict[str, QWidget] = {}
        self.mail_stack = QStackedWidget()
        self.mail_empty = muted("This profile needs no mail service.")
        self.mail_stack.addWidget(self.mail_empty)

        self.manager = ServerManager(session.project, session.profile_names)
        self.manager.events.connect(self.tasks.wrap(self._on_server_event))
        #: what each reload changes in a server's API (the Routes tab's banner shows it)
        self.api_watch = ApiChangesWatch(
            self.tasks, self.manager, self.inspection, self.refresh_inspection
        )
        # The Profile tab's "restart … to apply" hint names the running servers of a profile.
        self.profile_view.set_servers_using(
            lambda profile: [
                s.name for s in self.manager.servers if s.config.profile == profile and s.running
            ]
        )
        self.servers_panel = ServersPanel(self.manager, server_runner)
        self.servers_panel.setMinimumWidth(210)
        self.servers_panel.selection_changed.connect(self._on_server_selected)
        self.servers_panel.notice.connect(lambda text: self.message.emit(text, 10000))
        self.servers_panel.renamed.connect(self._on_server_renamed)
        self.servers_panel.removed.connect(self._on_server_removed)
        self.servers_panel.start_blockers = self.start_blockers
        self.servers_panel.list.itemClicked.connect(lambda _item: self._show_server_log())

        self.sets = Sets(session.project.root, services_backend())
        self.services = ServicesSection(self.sets, self.servers_panel, server_runner)
        self.services.notice.connect(lambda text: self.message.emit(text, 10000))
        self.services.service_chosen.connect(self.show_service_log)
        self.services.needs_changed.connect(self._on_needs)
        self.services.profile_written.connect(lambda _profile: self.reload())
        self.servers_panel.add_section(self.services)
        self.servers_panel.start_op = self.services.start_server_op
        self.servers_panel.start_problem = self.services.server_start_failed
        #: the scaled group (run from the Deploy tab) while its sidebar row is selected
        self.group = ShownGroup(self.servers_panel, strip, self.logs_stack)

        self.tabs = QTabWidget()
        #: an optional tab asked for before it was there (shown once the needs are read)
        self._wanted_tab: str | None = None
        self.tabs.setDocumentMode(True)
        for widget, icon, title in (
            (self.overview, "info", "Overview"),
            (self.profile_view, "edit", "Profile"),
            (self._placeholders["compare"], "compare", "Compare"),
            (self.logs_stack, "terminal", "Logs"),
            (self._placeholders["routes"], "search", "Routes"),
            (self.middleware_view, "shield", "Middleware"),
            (self._placeholders["requests"], "clock", "Requests"),
            (self._placeholders["try"], "send", "Try"),
            (self.mail_stack, "send", "Mail"),
            (self._placeholders["deploy"], "plug", "Deploy"),
        ):
            self.tabs.addTab(widget, theme.icon(icon), title)
        for name in OPTIONAL_TABS:
            self.tabs.setTabVisible(TABS.index(name), False)
        # Connected before the window's own handler: Try is built before it is focused.
        self.tabs.currentChanged.connect(self._on_tab_changed)
        self.addWidget(self.servers_panel)
        self.addWidget(self.tabs)
        self.setStretchFactor(1, 1)
        self.setSizes([240, 860])

        session.profile_changed.connect(self._on_profile_changed)
        self._align_selection()  # the profile the session opened with wins at first
        self._on_server_selected(self.servers_panel.selected_name())
        self.services.show_profile(self.profile_name())

    def start(self) -> None:
        """First validation and inspection; call once the page's signals are connected."""
        self._started = True
        window = self.window()
        header = window.findChild(ProjectHeader) if window is not self else None
        if isinstance(header, ProjectHeader):
            self._header = header
        self._show_showing()
        self.validate()
        self.refresh_inspection()

    # ----------------------------------------------------------------- what is shown
    def profile_name(self) -> str | None:
        profile = self.session.profile
        return profile.name if profile is not None else None

    def showing(self) -> str:
        """The header's line: the selected server, its profile, and where Routes come from."""
        name = self.servers_panel.selected_name() or self.group.label()
        profile = self.profile_name() or "no profile"
        if not name:
            return f"Showing: profile {profile} (no server uses it)\nnot running — from the probe"
        running = self.running_server()
        if running is not None:
            return f"Showing: {name} · profile {profile}\nrunning at {running[1]}"
        return f"Showing: {name} · profile {profile}\nnot running — from the probe"

    def _show_showing(self) -> None:
        text = self.showing()
        if self._header is not None:
            self._header.show_showing(text)
        self.showing_changed.emit(text)

    def _align_selection(self) -> None:
        """Select the first server using the session's profile, or none if none uses it."""
        profile = self.profile_name()
        selected = self.servers_panel.selected_name()
        if profile is None or (
            selected and self.manager.server(selected).config.profile == profile
        ):
            return
        first = next((s.name for s in self.manager.servers if s.config.profile == profile), "")
        self._aligning = True
        try:
            if first:
                self.servers_panel.select(first)
            else:
                self.servers_panel.clear_selection()
        finally:
            self._aligning = False

    # ----------------------------------------------------------------- tabs
    def show_tab(self, name: str) -> None:
        """Bring tab ``name`` to the front. An optional tab asked for while the profile's
        needs are still being read (``--tab mail`` at start) comes to the front once they
        are read and need it."""
        self._wanted_tab = None
        if name not in TABS:
            return
        if self.tabs.isTabVisible(TABS.index(name)):
            self.tabs.setCurrentIndex(TABS.index(name))
        elif name in OPTIONAL_TABS and self.services.reading:
            self._wanted_tab = name

    def current_tab(self) -> str:
        return TABS[self.tabs.currentIndex()]

    def _on_tab_changed(self, index: int) -> None:
        """A lazy tab comes to the front: build it (before the window focuses it)."""
        name = TABS[index] if 0 <= index < len(TABS) else ""
        self._wanted_tab = None  # another tab came to the front: a wait for one is over
        if name in LAZY_TABS:
            self.build_tab(name)
            if name == "requests":
                self._show_requests()  # Record requests may have been edited meanwhile
        elif name == "mail":
            self._show_mail()

    # ----------------------------------------------------------------- lazy tabs
    def build_tab(self, name: str) -> QWidget:
        """Lazy tab ``name``'s view, built now if it was not yet."""
        if name == "compare":
            return self.diff_view
        if name == "routes":
            return self.routes_view
        if name == "try":
            return self.try_view
        if name == "requests":
            return self.requests_view
        if name == "deploy":
            return self.deploy_view
        raise ValueError(f"not a lazy tab: {name!r} (lazy: {', '.join(LAZY_TABS)})")

    def built_view(self, name: str) -> QWidget | None:
        """Tab ``name``'s view if it exists (a lazy tab not built yet: None)."""
        if name in LAZY_TABS:
            views: dict[str, QWidget | None] = {
                "compare": self._diff_view,
                "routes": self._routes_view,
                "requests": self._requests_view,
                "deploy": self._deploy_view,
            }
            return self._try_view if name == "try" else views[name]
        return self.tabs.widget(TABS.index(name))

    def _swap_in(self, name: str, view: QWidget) -> None:
        """Put ``view`` in tab ``name``'s placeholder's place: same index, title, icon and
        tooltip, still the current tab when it was; no currentChanged for the swap."""
        tabs, index = self.tabs, TABS.index(name)
        current = tabs.currentIndex() == index
        icon, title, tip = tabs.tabIcon(index), tabs.tabText(index), tabs.tabToolTip(index)
        blocked = tabs.blockSignals(True)
        try:
            tabs.insertTab(index, view, icon, title)  # the placeholder moves to index + 1
            tabs.setTabToolTip(index, tip)
            if current:
                tabs.setCurrentIndex(index)
            tabs.removeTab(index + 1)
        finally:
            tabs.blockSignals(blocked)
        self._placeholders.pop(name).deleteLater()
        self.tab_built.emit(name)

    @property
    def diff_view(self) -> DiffView:
        """The Compare tab, built when first shown or asked for."""
        if self._diff_view is None:
            from asgideck.gui.tabs.profile.compare import DiffView

            self._diff_view = DiffView(self.session)
            self._swap_in("compare", self._diff_view)
        return self._diff_view

    @property
    def routes_view(self) -> RoutesView:
        """The Routes tab (it reads the inspection's current snapshot), built when first
        shown or asked for."""
        if self._routes_view is None:
            from asgideck.gui.tabs.routes.view import RoutesView

            self._routes_view = RoutesView(self.inspection)
            self._routes_view.try_requested.connect(self.try_route)
            self._routes_view.follow_api_changes(self.api_watch)
            self._swap_in("routes", self._routes_view)
        return self._routes_view

    @property
    def workbench(self) -> Workbench:
        """The Try tab's workbench, built (with the document and target so far) when first
        asked for."""
        if self._workbench is None:
            from asgideck.runtime.workbench import Workbench

            project = self.session.project
            workbench = Workbench(project.name, project_key=str(project.root))
            workbench.set_document(self._document)
            if self._target is not None:
                workbench.set_target(*self._target)
            self._workbench = workbench
        return self._workbench

    @property
    def try_view(self) -> TryView:
        """The Try tab, built when first shown or asked for, with what the page kept."""
        if self._try_view is not None:
            return self._try_view
        from asgideck.gui.tabs.workbench.view import TryView

        view = TryView(self.workbench, self.runner)
        if self._server_names:
            view.name_servers(dict(self._server_names))
        if self._ws_routes:
            view.set_websocket_routes(list(self._ws_routes))
        self._try_view = view
        self._swap_in("try", view)
        return view

    @property
    def deploy_view(self) -> DeployView:
        """The Deploy tab, built when first shown or asked for (the selected server first,
        and the inspection already made for its profile)."""
        if self._deploy_view is None:
            from asgideck.gui.tabs.deploy.view import DeployView

            def known_app(profile: str) -> AppInfo | None:
                snapshot = self.inspection.snapshot
                info = snapshot.info
                return info if snapshot.profile == profile and info and info.ok else None

            self._deploy_view = DeployView(
                self.session.project,
                lambda: [s.config for s in self.manager.servers],
                self.runner,
                selected=self.servers_panel.selected_name(),
                known_app=known_app,
            )
            self._deploy_view.scaled.changed.connect(self._on_group_changed)
            self.group.attach(self._deploy_view.scaled)
            self._swap_in("deploy", self._deploy_view)
        return self._deploy_view

    # ----------------------------------------------------------------- requests
    @property
    def requests_view(self) -> RequestsView:
        """The Requests tab, built when first shown or asked for (the selected server's)."""
        if self._requests_view is None:
            from asgideck.gui.tabs.requests.view import RequestsView

            # its own one-thread runner: polling 4 times a second must not light the
            # window's busy indicator (the page's runner), nor queue behind a probe
            view = RequestsView(self._requests_source(), None, root=self.session.project.root)
            view.try_requested.connect(self.try_request)
            view.try_websocket_requested.connect(self._try_websocket)
            view.notice.connect(lambda text: self.message.emit(text, 6000))
            self._requests_view = view
            self._swap_in("requests", view)
        return self._requests_view

    def _requests_source(self) -> ShownServer | None:
        """The selected server as the Requests tab shows it: its records while it records
        (this run's, when it runs; else what its settings say a start would do)."""
        from asgideck.gui.tabs.requests.view import ShownServer
        from asgideck.runtime.recording import RequestLog, records_dir

        name = self.servers_panel.selected_name()
        if not name:
            return None
        server = self.manager.server(name)
        running = self.running_server()
        url = running[1] if running else None
        spec = server.supervisor.spec if server.supervisor is not None else None
        if running is not None and spec is not None:
            recording = spec.record is not None  # this run's truth
        else:
            recording = server.config.recording
        if not recording:
            return ShownServer(name, None, url, running is not None)
        log = self._request_logs.get(name)
        if log is None:
            log = RequestLog(records_dir(self.session.project.root, name))
            self._request_logs[name] = log
        return ShownServer(name, log, url, running is not None)

    def _show_requests(self) -> None:
        """The selection or its server's state changed: the Requests tab follows."""
        if self._requests_view is not None:
            self._requests_view.set_source(self._requests_source())

    def try_request(self, spec: RequestSpec) -> None:
        """Open a recorded request from the Requests tab in Try (method, URL, headers, body)."""
        from asgideck.gui.tabs.workbench.actions import HTTP_PAGE
        from asgideck.runtime.workbench import draft_from_spec

        target = self._target
        view = self.try_view
        draft, notes = draft_from_spec(
            spec,
            base_url=target[1] if target else "",
            root_path=target[2] if target else "",
            authorized=view.workbench.auth is not None,
        )
        view.set_draft(draft)
        view.show_mode(HTTP_PAGE)
        if notes:
            view.banner.show_message(" ".join(n[0].upper() + n[1:] + "." for n in notes), "info")
        else:
            view.banner.clear_message()
        self.show_tab("try")

    def _try_websocket(self, path: str) -> None:
        self.try_view.open_websocket(path)
        self.show_tab("try")

    def focus_filter(self) -> None:
        """Ctrl+F: the filter of the tab in front (variables when it has none)."""
        current = self.tabs.currentWidget()
        if self._requests_view is not None and current is self._requests_view:
            self._requests_view.focus_filter()
        elif current is self.logs_stack:
            view = self.logs_stack.currentWidget()
            if isinstance(view, LogsView):
                view.focus_search()
        elif self._routes_view is not None and current is self._routes_view:
            self._routes_view.focus_filter()
        elif self._try_view is not None and current is self._try_view:
            self._try_view.focus_filter()
        else:
            self.show_tab("profile")
            self.profile_view.focus_filter()

    def add_variable(self) -> None:
        self.show_tab("profile")
        self.profile_view.add_variable()

    # ----------------------------------------------------------------- validation
    def _on_profile_changed(self, _profile: object) -> None:
        if not self._aligning:
            self._align_selection()
        self._drop_service_logs(self.profile_name())
        if self.logs_stack.currentWidget() in self.service_logs.values():
            self._show_server_log()  # another profile's service: the server's log again
        self.services.show_profile(self.profile_name(), reread=True)  # its files may differ
        self.validation = None
        self.validate()
        self.refresh_inspection()
        self._show_showing()

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
        self.validation = result
        self.overview.set_busy(False)
        self.overview.show_validation(result)
        self.message.emit(f"Validated profile {result.profile}", 4000)
        self.validated.emit()

    def _on_validation_failed(self, exc: Exception) -> None:
        self.validation = None
        self.overview.set_busy(False)
        if isinstance(exc, AsgideckError):
            self.overview.show_validation_error(exc)
            self.message.emit(f"Validation failed: {exc}", 8000)
        else:
            present_error(exc)  # a bug, shown as one
        self.validated.emit()

    def start_blockers(self, name: str) -> list[str]:
        """Error-level findings of server ``name``'s profile (asked before it starts)."""
        result = self.validation
        if result is None or result.profile != self.manager.server(name).config.profile:
            return []  # not validated (yet): nothing known to warn about
        lines = [f"{i.env_var}: {i.message}" for i in result.settings.issues]
        if result.settings.error:
            lines.append(result.settings.error)
        lines += [f"{f.key}: {f.message}" for f in result.findings if f.severity == "error"]
        return lines

    # ----------------------------------------------------------------- inspection
    def refresh_inspection(self) -> None:
        """Probe the app under the selected server's profile off the GUI thread, and read
        that server's OpenAPI when it runs (never another server's)."""
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
        self._document = snapshot.document
        self._ws_routes = [entry.path for entry in snapshot.entries if entry.kind == "websocket"]
        if self._workbench is not None:
            self._workbench.set_document(snapshot.document)
        if self._try_view is not None:
            self._try_view.set_websocket_routes(list(self._ws_routes))

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
            view.restart_requested.connect(self._restart_from_logs)
            self.logs[name] = view
            self.logs_stack.addWidget(view)
        return view

    def _show_server_log(self) -> None:
        """The selected server's log in the Logs tab (after a service's was shown)."""
        view = self.logs_for(self.servers_panel.selected_name()) or self.group.log_view()
        self.logs_stack.setCurrentWidget(view if view is not None else self.logs_empty)

    # ----------------------------------------------------------------- services
    def service_log(self, name: str) -> LogsView | None:
        """The log view of service ``name`` of the shown profile (built on first use)."""
        profile = self.services.profile
        services = self.sets.peek(profile) if profile else None
        need = self.services.need(name)
        if profile is None or services is None or need is None:
            return None
        view = self.service_logs.get((profile, name))
        if view is None:
            title = f"Service {name} · profile {profile} — {need.describe()}"
            view = LogsView(ServiceLog(name, services.log_buffer(name)), title=title)
            self.service_logs[(profile, name)] = view
            self.logs_stack.addWidget(view)
        return view

    def show_service_log(self, name: str) -> None:
        """Service ``name`` chosen in the sidebar: its log, in front."""
        view = self.service_log(name)
        if view is not None:
            self.logs_stack.setCurrentWidget(view)
            self.show_tab("logs")

    def _drop_service_logs(self, profile: str | None) -> None:
        """The profile's set is opened again: its services' views follow the old one."""
        for key in [k for k in self.service_logs if k[0] == profile]:
            view = self.service_logs.pop(key)
            if self.logs_stack.currentWidget() is view:
                self._show_server_log()
            view.detach()
            self.logs_stack.removeWidget(view)
            view.deleteLater()

    def _on_needs(self, needs: list[ServiceNeed]) -> None:
        """Show the Mail tab while the profile needs a mail catcher asgideck runs."""
        wanted = any(n.kind == "mail" and n.local for n in needs)
        index = TABS.index("mail")
        if not wanted and self.tabs.currentIndex() == index:
            self.show_tab("overview")
        self.tabs.setTabVisible(index, wanted)
        if wanted and self._wanted_tab == "mail":
            self.tabs.setCurrentIndex(index)  # asked for before the needs were read
        elif wanted and self.tabs.currentIndex() == index:
            self._show_mail()
        elif not self.services.reading:
            self._wanted_tab = None  # read, and this profile needs no mail

    def mail_view(self) -> QWidget | None:
        """The shown profile's Mail tab view, built when first asked for (None without
        a mail service)."""
        profile = self.services.profile
        if profile is None or not any(n.kind == "mail" and n.local for n in self.services.needs):
            return None
        view = self.mail_views.get(profile)
        if view is None:
            from asgideck.gui.tabs.mail.view import MailTab

            mailbox = self.sets.backend.mailbox(self.session.project.root, profile)
            view = MailTab(mailbox, self.runner)
            self.mail_views[profile] = view
            self.mail_stack.addWidget(view)
            self.tab_built.emit("mail")
        return view

    def _show_mail(self) -> None:
        view = self.mail_view()
        self.mail_stack.setCurrentWidget(view if view is not None else self.mail_empty)

    def _restart_from_logs(self, name: str) -> None:
        """Restart pressed on a log view's crash banner: as the sidebar's Restart does."""
        self.servers_panel.select(name)
        self.servers_panel.restart_selected()

    def running_server(self) -> tuple[str, str] | None:
        """(name, URL) of the selected server (or scaled group) when it runs; never another."""
        if self.servers_panel.scaled.selected():
            url = self.servers_panel.scaled.url()
            return (self.group.label(), url) if url is not None else None
        name = self.servers_panel.selected_name()
        status = self.servers_panel.status.get(name) if name else None
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
        """Requests from the Try tab go to the selected server (none when it is not running)."""
        running = self.running_server()
        if running is None:
            self._target = None
        else:
            name, url = running
            root_path = (self.group.config() or self.manager.server(name).config).root_path
            self._target = (name, url, root_path)
        if self._workbench is not None:
            if self._target is None:
                self._workbench.set_target(None, None)
            else:
                self._workbench.set_target(*self._target)

    def _on_server_selected(self, name: str) -> None:
        profile_before = self.profile_name()
        group = self.group.config()
        if (name or group) and not self._aligning:
            wanted = group.profile if group else self.manager.server(name).config.profile
            if wanted != profile_before and wanted in self.session.profile_names:
                self._aligning = True
                try:
                    self.session.select_profile(wanted)  # validates and inspects again
                finally:
                    self._aligning = False
        if self._started and not self._aligning and self.profile_name() == profile_before:
            self.refresh_inspection()  # same profile, another server: its own OpenAPI
        self._update_target()
        view = self.logs_for(name) or self.group.log_view()
        self.logs_stack.setCurrentWidget(view if view is not None else self.logs_empty)
        status = self.servers_panel.status.get(name) if name else None
        self.strip.show_server(
            name or None, status.state if status else "stopped", status.url if status else None
        )
        if group is not None:
            self.group.show_strip(reset=True)
        self._show_requests()
        self._show_showing()

    # ----------------------------------------------------------------- the scaled group
    def _on_group_changed(self) -> None:
        """The scaled group started, stopped or served requests (see ShownGroup)."""
        if self.group.changed():
            self._update_target()
            self._show_showing()

    def _on_server_renamed(self, old: str, new: str) -> None:
        if old in self.logs:
            self.logs[new] = self.logs.pop(old)
        self._request_logs.pop(old, None)  # its records folder is named after the server
        self._update_target()
        self._show_requests()

    def _on_server_removed(self, name: str) -> None:
        self._request_logs.pop(name, None)
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
        self.services.update_all_actions()
        self.api_watch.on_event(name, event)  # a reload: what changed in its API
        selected = self.servers_panel.selected_name()
        if isinstance(event, StateChanged):
            if event.status.state == "running" and event.status.url:
                self._server_names.pop(event.status.url, None)  # the latest name comes last
                self._server_names[event.status.url] = name
                if self._try_view is not None:  # History's Server column
                    self._try_view.name_servers({event.status.url: name})
            view = self.logs_for(name)
            if view is not None:
                view.show_status(event.status)
            if name == selected:
                self.strip.set_state(name, event.status.state, event.status.url)
                if (event.status.state == "running") != (event.previous == "running"):
                    self.refresh_inspection()  # its OpenAPI came or went: never stale routes
                    self._show_requests()
                self._update_target()
                self._show_showing()
        elif isinstance(event, StatsUpdated) and name == selected:
            st = event.stats
            self.strip.set_stats(st.uptime, st.cpu_percent, st.rss, st.processes, st.requests_per_s)

    # ----------------------------------------------------------------- closing
    def close_page(self) -> None:
        """Drop every late result and event, detach the views, stop this project's servers."""
        self.tasks.close()
        self._header = None
        self.servers_panel.tasks.close()
        self.session.profile_changed.disconnect(self._on_profile_changed)
        self.overview.detach()
        self.profile_view.detach()
        if self._diff_view is not None:
            self._diff_view.detach()
        if self._routes_view is not None:
            self._routes_view.detach()
        if self._requests_view is not None:
            self._requests_view.detach()
        if self._deploy_view is not None:
            self._deploy_view.detach()  # ends a hand-off or a scaled group it runs
        self.group.detach()
        self.middleware_view.detach()
        if self._try_view is not None:
            self._try_view.detach()  # closes the workbench too
        elif self._workbench is not None:
            self._workbench.close()
        for view in self.logs.values():
            view.detach()
        for view in self.service_logs.values():
            view.detach()
        for mail in self.mail_views.values():
            detach = getattr(mail, "detach", None)
            if callable(detach):
                detach()
        self.manager.close()  # every server at once: bounded by one grace period
        if self._deploy_view is not None:
            self._deploy_view.scaled.wait_closed()  # stopping alongside the servers
        # then the services, only when the user chose so; the sets' followers always
        self.services.close_section(self.session.profile_names)

    def reload(self) -> None:
        """Re-read the env files (edited outside asgideck); servers keep running."""
        self.session.reload()  # fires profile_changed: views refresh, validation reruns

    @property
    def running_count(self) -> int:
        return sum(1 for s in self.manager.servers if s.running)

    def save_state(self, settings: QSettings) -> None:
        settings.setValue("tab", self.current_tab())
