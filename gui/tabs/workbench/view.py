"""Try tab: compose a request to the running server, see the answer, history, auth, curl,
WebSockets and a quick load test.

The view takes a :class:`~asgideck.runtime.workbench.Workbench` (target server,
document, credentials, sender, history) and the window's
:class:`~asgideck.gui.core.tasks.TaskRunner`. Everything that waits on the
network or the disk runs off the GUI thread; results come back on it through the
view's task scope, only while the view is open. A request goes straight to the
sender's worker thread, which hands its prepared answer home through the scope
(no pool thread waiting in between); cancelling drops the flight, so its answer is
ignored. The history query is a keyed job: only the newest lands. Workbench events
come through the same scope, so the window may change the target from any thread.
The panels and the Authorize dialog own scopes of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import Banner
from asgideck.gui.tabs.workbench.actions import HTTP_PAGE, LOAD_PAGE, WS_PAGE, build_actions
from asgideck.gui.tabs.workbench.auth_dialog import AuthorizeDialog, describe_auth
from asgideck.gui.tabs.workbench.auth_flow import AuthFlow
from asgideck.gui.tabs.workbench.composer import Composer
from asgideck.gui.tabs.workbench.elided import ElidedLabel
from asgideck.gui.tabs.workbench.failures import report
from asgideck.gui.tabs.workbench.flight import Fetched, Flight, fetcher
from asgideck.gui.tabs.workbench.history import HistoryPanel
from asgideck.gui.tabs.workbench.load import LoadPanel
from asgideck.gui.tabs.workbench.response import ResponseViewer
from asgideck.gui.tabs.workbench.save import ask_target, write_body
from asgideck.gui.tabs.workbench.steady import LayoutFirewall
from asgideck.gui.tabs.workbench.websocket import WsPanel
from asgideck.runtime import userstate
from asgideck.runtime.client import (
    Auth,
    CurlError,
    HistoryEntry,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    from_curl,
    prepare,
    to_curl,
    to_httpx,
)
from asgideck.runtime.openapi import Document, Operation
from asgideck.runtime.workbench import (
    Draft,
    Target,
    Workbench,
    auth_hint,
    draft_from_operation,
    draft_from_spec,
)

__all__ = ["HTTP_PAGE", "LOAD_PAGE", "WS_PAGE", "TryView"]

PROGRESS_MS = 100
# "Sending…" (and the Cancel label) show only when the answer takes longer than a frame:
# a quick answer then paints once, the sending state never flashes (a deferred indicator).
SENDING_AFTER_MS = 16
# The history entry is written a frame after the answer is shown: handing it to the pool
# wakes a thread that competes with the GUI thread (and its GIL) while the answer paints.
RECORD_AFTER_MS = 16
HISTORY = "history"  # the view's keyed job: the newest query lands
SETTINGS_GROUP = "try"
# The top row's buttons: short labels (the action's full name is in the tooltip and the menu).
TOP_BUTTONS = (("authorize", "Authorize…"), ("copy_curl", "curl"), ("copy_httpx", "httpx"),
               ("paste_curl", "Paste curl"))  # fmt: skip


def window_settings() -> QSettings:
    """The window's settings file, where the Try tab keeps its dividers (group ``try``)."""
    return QSettings(str(userstate.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class TryView(QWidget):
    def __init__(
        self,
        workbench: Workbench,
        runner: TaskRunner,
        parent: QWidget | None = None,
        *,
        settings: QSettings | None = None,
    ) -> None:
        """``settings`` keeps the dividers where the user put them (default: the window's
        settings file)."""
        super().__init__(parent)
        self.workbench = workbench
        self.runner = runner
        self.scope = runner.scope(self)
        self.settings = settings if settings is not None else window_settings()
        self._flight: Flight | None = None  # the request in flight, on screen
        # answered or failed requests whose history entry is not written yet (_record)
        self._unrecorded: list[tuple[RequestSpec, ResponseRecord | None, str | None]] = []
        self._servers: dict[str, str] = {}  # base URL -> server name, for History's column

        self.banner = Banner()
        self.target_label = ElidedLabel("")
        self.target_label.setObjectName("Chip")
        self.auth_label = ElidedLabel("", hide_empty=True)
        self.auth_label.setObjectName("Muted")
        self.status = ElidedLabel("", hide_empty=True)
        self.status.setObjectName("Muted")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.composer = Composer()
        self.response = ResponseViewer()
        self.history = HistoryPanel()
        self.ws_panel = WsPanel(workbench, runner)
        self.load_panel = LoadPanel(workbench, runner, self.build_spec)
        self.auth_flow = AuthFlow(
            workbench,
            runner,
            self,
            say=self.status.setText,
            warn=lambda message: self.banner.show_message(message, "warning"),
        )

        right = QSplitter(Qt.Orientation.Vertical)
        right.setObjectName("composer_response")
        right.setChildrenCollapsible(False)
        right.addWidget(self.composer)
        right.addWidget(self.response)
        right.setStretchFactor(1, 1)
        right.setSizes([300, 420])
        self.vertical_split = right
        self.http_page = QSplitter(Qt.Orientation.Horizontal)
        self.http_page.setObjectName("history_composer")
        self.http_page.setChildrenCollapsible(False)
        self.http_page.addWidget(self.history)
        self.http_page.addWidget(right)
        self.http_page.setStretchFactor(1, 1)
        self.http_page.setSizes([300, 700])  # History: method, path, server, status
        self.modes = QTabWidget()
        self.modes.setDocumentMode(True)
        self.modes.addTab(self.http_page, theme.icon("send"), "HTTP")
        self.modes.addTab(self.ws_panel, theme.icon("plug"), "WebSocket")
        # The results page scrolls rather than making the whole tab (and window) taller.
        load_scroll = QScrollArea()
        load_scroll.setWidget(self.load_panel)
        load_scroll.setWidgetResizable(True)
        load_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.modes.addTab(load_scroll, theme.icon("gauge"), "Load test")
        self.modes.currentChanged.connect(self._on_mode)
        # A new status, summary or button label must not repaint the whole tab (steady.py).
        self.layout_firewall = LayoutFirewall(self.modes)

        self.actions_: dict[str, QAction] = build_actions(self, tab=self)
        top = QHBoxLayout()
        top.addWidget(self.target_label)
        top.addWidget(self.auth_label, 1)
        self.top_buttons: list[QToolButton] = []
        for name, short in TOP_BUTTONS:
            action = self.actions_[name]
            action.setIconText(short)  # the button's label; menus show the full text
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
            top.addWidget(button)
            self.top_buttons.append(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 2)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.modes, 1)
        layout.addWidget(self.status)

        self.composer.send_clicked.connect(self._on_send_clicked)
        self.composer.authorize_clicked.connect(self.authorize)
        self.response.save_button.clicked.connect(self.save_body)
        self.history.search_changed.connect(lambda _text: self.refresh_history())
        self.history.restore_requested.connect(self.restore)
        self.history.resend_requested.connect(self.resend)
        self.history.delete_requested.connect(self.delete_entry)

        self._progress = QTimer(self)
        self._progress.setInterval(PROGRESS_MS)
        self._progress.timeout.connect(self._show_progress)
        self._sending = QTimer(self)
        self._sending.setSingleShot(True)
        self._sending.setInterval(SENDING_AFTER_MS)
        self._sending.timeout.connect(self._show_sending)
        # History entries are written once the answer has painted (RECORD_AFTER_MS).
        # QTimer.singleShot(0, …) would not do: it is a posted call, run before the
        # low-priority paint request.
        self._storing = QTimer(self)
        self._storing.setSingleShot(True)
        self._storing.setInterval(RECORD_AFTER_MS)
        self._storing.timeout.connect(self._store_records)

        self._target_handler = self.scope.wrap(self._on_target_changed)
        self._document_handler = self.scope.wrap(self._on_document_changed)
        self._auth_handler = self.scope.wrap(self._on_auth_changed)
        workbench.target_changed.connect(self._target_handler)
        workbench.document_changed.connect(self._document_handler)
        workbench.auth_changed.connect(self._auth_handler)
        self._on_target_changed(workbench.target)
        self.restore_state()
        for splitter in (self.http_page, self.vertical_split):
            splitter.splitterMoved.connect(lambda _pos, _index: self.save_state())
        self.refresh_history()

    # ------------------------------------------------------------------ window conventions
    def actions(self) -> list[QAction]:
        """The view's actions with explicit shortcuts, for the window's Request menu and its
        shortcut list: send, cancel, copy as curl, the WebSocket and load-test panels, auth…"""
        return list(self.actions_.values())

    def menu_actions(self) -> list[QAction]:
        """The same as :meth:`actions` (the name the window used before)."""
        return self.actions()

    def focus_main(self) -> None:
        """The tab became current: focus the mode page's main control (the URL bar on the HTTP
        page), so Ctrl+Enter, Alt+1/2/3 and Ctrl+Shift+A work at once."""
        page = self.modes.currentIndex()
        if page == WS_PAGE:
            self.ws_panel.path.setFocus(Qt.FocusReason.OtherFocusReason)
        elif page == LOAD_PAGE:
            self.load_panel.run_button.setFocus(Qt.FocusReason.OtherFocusReason)
        else:
            self.composer.url.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ dividers
    def save_state(self, settings: QSettings | None = None) -> None:
        """Remember the dividers (called whenever the user moves one)."""
        store = settings if settings is not None else self.settings
        store.beginGroup(SETTINGS_GROUP)
        store.setValue("history_split", self.http_page.saveState())
        store.setValue("composer_split", self.vertical_split.saveState())
        store.endGroup()

    def restore_state(self, settings: QSettings | None = None) -> None:
        """Put the dividers back where the user left them (a damaged value is ignored)."""
        store = settings if settings is not None else self.settings
        store.beginGroup(SETTINGS_GROUP)
        for key, splitter in (
            ("history_split", self.http_page),
            ("composer_split", self.vertical_split),
        ):
            value = store.value(key)
            if isinstance(value, QByteArray):
                splitter.restoreState(value)
        store.endGroup()

    def show_mode(self, page: int) -> None:
        self.modes.setCurrentIndex(page)

    def _on_mode(self, page: int) -> None:
        if page == LOAD_PAGE:
            self.load_panel.refresh_request()
        focused = QApplication.focusWidget()
        if focused is not None and self.isAncestorOf(focused):
            self.focus_main()  # Alt+1/2/3: the new page's main control, never a hidden one

    # ------------------------------------------------------------------ opening
    def open_operation(self, op: Operation) -> None:
        """Prefill the composer from a route (params, required marks, body example, auth)."""
        self.composer.set_draft(draft_from_operation(self.workbench.document, op))
        self.banner.clear_message()
        self._update_auth_text()
        self.show_mode(HTTP_PAGE)
        self.load_panel.refresh_request()

    def open_websocket(self, path: str) -> None:
        self.ws_panel.set_path(path)
        self.show_mode(WS_PAGE)
        self.ws_panel.path.setFocus()

    def set_draft(self, draft: Draft) -> None:
        self.composer.set_draft(draft)
        self._update_auth_text()

    # ------------------------------------------------------------------ sending
    def _on_send_clicked(self) -> None:
        if self._flight is not None:
            self.cancel()
        else:
            self.send()

    def build_spec(self) -> RequestSpec:
        """The composer's request as it would be sent (raises RequestFailed with the reason)."""
        draft = self.composer.draft()
        missing = draft.missing()
        if missing:
            raise RequestFailed("Fill in before sending: " + ", ".join(missing) + ".")
        if draft.body_kind == "json" and not self.composer.validate_body():
            raise RequestFailed(f"The JSON body is not valid. {self.composer.json_status.text()}")
        spec = self.workbench.build_spec(draft, use_auth=self.composer.use_auth.isChecked())
        prepare(spec)  # header names, URL scheme, body encoding: fail here, not on the wire
        return spec

    def send(self) -> bool:
        """Send the composer's request in the background; False when it cannot be sent."""
        if self._flight is not None:
            self.status.setText("A request is in flight: Esc cancels it.")
            return False
        try:
            spec = self.build_spec()
        except RequestFailed as exc:
            self.banner.show_message(str(exc), "warning")
            return False
        self.banner.clear_message()
        sender = self.workbench.sender
        flight = Flight(spec, sender.deadline)
        self._flight = flight
        self.actions_["cancel"].setEnabled(True)  # Esc works at once; the label follows
        self._sending.start()
        self._progress.start()

        def landed(outcome: Fetched | Exception) -> None:
            self._landed(flight, outcome)

        land = self.scope.expect(landed)  # the busy light stays on until it reports
        try:
            sender.submit(spec, fetcher(land), flight.progress)
        except RequestFailed as exc:  # e.g. the sender was closed: shown as any failure
            land(exc)
        return True

    def _show_sending(self) -> None:
        """The answer takes longer than a frame: show that it is on its way."""
        flight = self._flight
        if flight is not None:
            self.composer.set_sending(True)
            self.response.show_pending(flight.what)

    def cancel(self) -> None:
        """Stop the request in flight (Esc): its answer, or its cancellation, is dropped."""
        flight = self._flight
        if flight is None:
            return
        self.workbench.cancel()
        self._land()  # the flight is dropped: its answer (or cancellation) is ignored
        self.response.show_error(f"Cancelled after {flight.elapsed():.1f} s.", cancelled=True)

    def _land(self) -> None:
        """The request in flight is over: the composer can send again."""
        self._flight = None
        self._progress.stop()
        self._sending.stop()
        self.composer.set_sending(False)
        self.actions_["cancel"].setEnabled(False)

    def _landed(self, flight: Flight, outcome: Fetched | Exception) -> None:
        """The sender's answer, on the GUI thread while the view is open (the scope); only
        the flight on screen lands, not one the user cancelled."""
        if flight is not self._flight:
            return
        if isinstance(outcome, Exception):
            self._failed(flight, outcome)
        else:
            self._sent(flight, outcome)

    def _sent(self, flight: Flight, result: Fetched) -> None:
        self._land()
        record, view, image = result
        self.response.show_response(record, view, image)  # type: ignore[arg-type]
        self._record(flight.spec, record, None)

    def _failed(self, flight: Flight, exc: Exception) -> None:
        self._land()
        if not isinstance(exc, RequestFailed):
            self.response.clear()
            present_error(exc)
            return
        self.response.show_error(str(exc))
        self._record(flight.spec, None, str(exc))

    def _show_progress(self) -> None:
        flight = self._flight
        if flight is not None:
            self.response.show_progress(flight.received, flight.elapsed(), flight.deadline)

    # ------------------------------------------------------------------ history
    def _record(self, spec: RequestSpec, record: ResponseRecord | None, error: str | None) -> None:
        """Store the exchange once the answer is painted: handing the write to the pool
        costs the GUI thread a thread wake-up, which the answer should not wait for.
        :meth:`detach` stores what is still waiting, so no entry is lost."""
        self._unrecorded.append((spec, record, error))
        if not self._storing.isActive():
            self._storing.start()

    def _store_records(self) -> None:
        self._storing.stop()
        waiting, self._unrecorded = self._unrecorded, []
        if waiting:  # one job, so two answers close together are stored in their order
            self.scope.run(
                self._writer(waiting),
                lambda _none: self.refresh_history(),
                failed=self._history_failed("This request was not saved to the history"),
            )

    def _writer(
        self, waiting: list[tuple[RequestSpec, ResponseRecord | None, str | None]]
    ) -> Callable[[], None]:
        workbench = self.workbench

        def write() -> None:
            failure: Exception | None = None
            for spec, record, error in waiting:
                try:
                    workbench.record(spec, record, error)
                except Exception as exc:  # the others are still written; the first is told
                    failure = failure or exc
            if failure is not None:
                raise failure

        return write

    def refresh_history(self) -> None:
        """Query the history (the search's matches) again; an older query's answer is dropped."""
        search = self.history.search.text().strip()
        workbench = self.workbench
        self.scope.run(
            lambda: workbench.recent(search),
            self.history.set_entries,
            key=HISTORY,
            failed=self._history_failed("The history cannot be read"),
        )

    def _history_failed(self, what: str) -> Callable[[Exception], None]:
        """A ``failed`` callback: the history's own errors go under the list, as ``what: why``."""

        def show(message: str) -> None:
            self.history.count.setText(f"{what}: {message}")

        return lambda exc: report(exc, show)

    def restore(self, entry: HistoryEntry) -> Draft:
        """Open a history entry in the composer (the current credentials apply when sent)."""
        draft, notes = self.workbench.restore(entry)
        self.set_draft(draft)
        self.show_mode(HTTP_PAGE)
        if notes:
            self.banner.show_message(" ".join(n[0].upper() + n[1:] + "." for n in notes), "info")
        else:
            self.banner.clear_message()
        return draft

    def resend(self, entry: HistoryEntry) -> bool:
        """Restore an entry and send it again with this server's current credentials."""
        if self._flight is not None:
            self.status.setText("A request is in flight: Esc cancels it.")
            return False
        self.restore(entry)
        return self.send()

    def delete_entry(self, entry: HistoryEntry) -> None:
        workbench = self.workbench
        self.scope.run(
            lambda: workbench.history.delete(entry.id),
            lambda _none: self.refresh_history(),
            failed=self._history_failed("Could not delete the entry"),
        )

    # ------------------------------------------------------------------ clipboard
    def copy_curl(self) -> str | None:
        """Copy the composer's request as one shell-quoted curl command (credentials included)."""
        return self._copy("curl command", to_curl)

    def copy_httpx(self) -> str | None:
        return self._copy("httpx snippet", to_httpx)

    def _copy(self, what: str, render: Callable[[RequestSpec], str]) -> str | None:
        """Put exactly what Send would send on the clipboard; the status line says when that
        includes credentials. None (and a banner) when the request cannot be built."""
        try:
            text = render(self.build_spec())
        except (RequestFailed, CurlError) as exc:
            self.banner.show_message(f"Cannot copy as {what}: {exc}", "warning")
            return None
        QGuiApplication.clipboard().setText(text)
        secret = (
            " It includes this server's credentials."
            if self.composer.use_auth.isChecked() and self.workbench.auth
            else ""
        )
        self.status.setText(f"Copied the {what} to the clipboard.{secret}")
        return text

    def paste_curl(self, text: str | None = None) -> bool:
        """Fill the composer from a curl command (the clipboard's, unless given); a URL that
        points at the current server becomes a path relative to it."""
        command = text if text is not None else QGuiApplication.clipboard().text()
        try:
            spec = from_curl(command)
        except CurlError as exc:
            shown = command.strip().splitlines()[0][:60] if command.strip() else "nothing"
            self.banner.show_message(f"Not a curl command I can read ({shown!r}): {exc}", "warning")
            return False
        target = self.workbench.target
        draft, notes = draft_from_spec(
            spec,
            base_url=target.base_url if target else "",
            root_path=target.root_path if target else "",
        )
        self.set_draft(draft)
        self.show_mode(HTTP_PAGE)
        message = "Filled the composer from the curl command."
        self.status.setText(message + (" " + " ".join(notes) if notes else ""))
        self.banner.clear_message()
        return True

    # ------------------------------------------------------------------ auth
    def authorize(self) -> AuthorizeDialog | None:
        """Open the Authorize dialog for the current server (Ctrl+Shift+A)."""
        return self.auth_flow.open(self.composer.draft().security)

    def _update_auth_text(self) -> None:
        auth = self.workbench.auth
        hint = auth_hint(self.workbench.document, self.composer.draft())
        self.composer.set_auth_text(hint, describe_auth(auth))
        self.auth_label.setText(describe_auth(auth) if self.workbench.target else "")

    # ------------------------------------------------------------------ workbench events
    def _on_target_changed(self, target: Target | None) -> None:
        self.workbench.sender.drop_connections()  # kept-alive ones went to the old target
        if target is None:
            self.target_label.setText("No server running")
            self.composer.set_base("(no server: type a full URL)")
        else:
            self.target_label.setText(f"{target.name} · {target.api_url}")
            self.composer.set_base(target.api_url)
            self.name_servers({target.base_url: target.name})
        self._update_auth_text()

    def name_servers(self, names: dict[str, str]) -> None:
        """Which server each base URL belongs to, for History's Server column (the view also
        learns every server it sends to; later names for the same URL win)."""
        self._servers.update({url.rstrip("/"): name for url, name in names.items()})
        self.history.model.set_server_names(self._servers)

    def set_websocket_routes(self, paths: list[str]) -> None:
        """The app's WebSocket routes (from the inspection): the WebSocket panel offers them
        and prefills the first while its URL is empty."""
        self.ws_panel.set_routes(paths)

    def _on_document_changed(self, _doc: Document | None) -> None:
        self._update_auth_text()

    def _on_auth_changed(self, _auth: Auth | None) -> None:
        self._update_auth_text()

    # ------------------------------------------------------------------ files
    def save_body(self) -> None:
        """Ask where to save the shown response's body (Ctrl+S), then save it."""
        record = self.response.record
        target = ask_target(self, record) if record is not None else None
        if target is not None:
            self.save_body_to(target)

    def save_body_to(self, target: Path) -> None:
        """Write the shown response's whole body off the GUI thread; the status line says how
        much, the banner why not (no such folder, no permission, disk full)."""
        record = self.response.record
        if record is None:
            return

        def cannot(why: str) -> None:
            self.banner.show_message(f"Could not save the body: {why}", "error")

        self.scope.run(
            lambda: write_body(record, target),
            lambda size: self.status.setText(f"Saved {size:,} bytes to {target}"),
            failed=lambda exc: report(exc, cannot, OSError),
        )

    def focus_filter(self) -> None:
        """Ctrl+F from the window: the history search, or the WebSocket log's filter."""
        if self.modes.currentIndex() == WS_PAGE:
            self.ws_panel.focus_filter()
        else:
            self.history.focus_search()

    # ------------------------------------------------------------------ lifetime
    def detach(self) -> None:
        """The page closes: drop every late result (scopes), stop listening and timers, cancel
        the request, close the panels, the dialog, the WebSocket and the sender. Idempotent."""
        self._store_records()  # the last answers' history entries, before the scope closes
        self.scope.close()
        self._progress.stop()
        self._sending.stop()
        self.workbench.target_changed.disconnect(self._target_handler)
        self.workbench.document_changed.disconnect(self._document_handler)
        self.workbench.auth_changed.disconnect(self._auth_handler)
        self.workbench.cancel()
        self.load_panel.detach()
        self.ws_panel.detach()
        self.auth_flow.close()
        self.response.clear()
        self.workbench.close()
