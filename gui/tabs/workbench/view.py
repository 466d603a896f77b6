"""Try tab: compose a request to the running server, see the answer, history, auth, curl,
WebSockets and a quick load test.

The view takes a :class:`~runtime.workbench.Workbench` (target server, document,
credentials, sender, history) and the window's :class:`~gui.tasks.TaskRunner`.
Everything that waits on the network or the disk runs on the runner; results
come back on the GUI thread, where a request that was cancelled or replaced in
the meantime is ignored. Workbench events arrive through a :class:`Bridge`, so
the window may change the target from any thread.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.bridge import Bridge
from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner, muted
from asgideck.gui.tabs.workbench.actions import HTTP_PAGE, LOAD_PAGE, WS_PAGE, build_actions
from asgideck.gui.tabs.workbench.auth_dialog import AuthorizeDialog, describe_auth
from asgideck.gui.tabs.workbench.auth_flow import open_authorize
from asgideck.gui.tabs.workbench.body import body_view
from asgideck.gui.tabs.workbench.clipboard import copy_request
from asgideck.gui.tabs.workbench.clipboard import paste_curl as paste_curl_into
from asgideck.gui.tabs.workbench.composer import Composer
from asgideck.gui.tabs.workbench.flight import Fetched, Flight
from asgideck.gui.tabs.workbench.flight import decode_image as _decode_image
from asgideck.gui.tabs.workbench.history import HistoryPanel
from asgideck.gui.tabs.workbench.load import LoadPanel
from asgideck.gui.tabs.workbench.response import ResponseViewer
from asgideck.gui.tabs.workbench.save import ask_and_save, save_to
from asgideck.gui.tabs.workbench.websocket import WsPanel
from asgideck.runtime.client import (
    Auth,
    HistoryEntry,
    RequestCancelled,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    prepare,
    to_curl,
    to_httpx,
)
from asgideck.runtime.openapi import Document, Operation
from asgideck.runtime.workbench import Draft, Target, Workbench, auth_hint, draft_from_operation

__all__ = ["HTTP_PAGE", "LOAD_PAGE", "WS_PAGE", "TryView"]

PROGRESS_MS = 100


class TryView(QWidget):
    def __init__(
        self, workbench: Workbench, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.runner = runner
        self.bridge = Bridge(self)
        self.auth_dialog: AuthorizeDialog | None = None
        self._flight: Flight | None = None
        self._history_generation = 0
        self._detached = False

        self.banner = Banner()
        self.target_label = QLabel("")
        self.target_label.setObjectName("Chip")
        self.auth_label = QLabel("")
        self.auth_label.setObjectName("Muted")
        self.status = muted("")

        self.composer = Composer()
        self.response = ResponseViewer()
        self.history = HistoryPanel()
        self.ws_panel = WsPanel(workbench, runner)
        self.load_panel = LoadPanel(workbench, runner, self._load_spec)

        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.composer)
        right.addWidget(self.response)
        right.setStretchFactor(1, 1)
        right.setSizes([300, 420])
        self.http_page = QSplitter(Qt.Orientation.Horizontal)
        self.http_page.addWidget(self.history)
        self.http_page.addWidget(right)
        self.http_page.setStretchFactor(1, 1)
        self.http_page.setSizes([260, 740])
        self.modes = QTabWidget()
        self.modes.setDocumentMode(True)
        self.modes.addTab(self.http_page, theme.icon("send"), "HTTP")
        self.modes.addTab(self.ws_panel, theme.icon("plug"), "WebSocket")
        self.modes.addTab(self.load_panel, theme.icon("gauge"), "Load test")
        self.modes.currentChanged.connect(self._on_mode)

        self.actions_: dict[str, QAction] = build_actions(self)
        top = QHBoxLayout()
        top.addWidget(self.target_label)
        top.addWidget(self.auth_label, 1)
        for name in ("authorize", "copy_curl", "copy_httpx", "paste_curl"):
            button = QToolButton()
            button.setDefaultAction(self.actions_[name])
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setAutoRaise(True)
            top.addWidget(button)
        layout = QVBoxLayout(self)
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

        self._target_handler = self.bridge.wrap(self._on_target_changed)
        self._document_handler = self.bridge.wrap(self._on_document_changed)
        self._auth_handler = self.bridge.wrap(self._on_auth_changed)
        workbench.target_changed.connect(self._target_handler)
        workbench.document_changed.connect(self._document_handler)
        workbench.auth_changed.connect(self._auth_handler)
        self._on_target_changed(workbench.target)
        self.refresh_history()

    # ------------------------------------------------------------------ modes
    def menu_actions(self) -> list[QAction]:
        """The view's actions, with their shortcuts, for the window's Request menu."""
        return list(self.actions_.values())

    def show_mode(self, page: int) -> None:
        self.modes.setCurrentIndex(page)

    def _on_mode(self, page: int) -> None:
        if page == LOAD_PAGE:
            self.load_panel.refresh_request()

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
        if self._detached:
            return False
        if self._flight is not None:
            self.status.setText("A request is in flight: Esc cancels it.")
            return False
        try:
            spec = self.build_spec()
        except RequestFailed as exc:
            self.banner.show_message(str(exc), "warning")
            return False
        self.banner.clear_message()
        flight = Flight(spec)
        self._flight = flight
        self.composer.set_sending(True)
        self.actions_["cancel"].setEnabled(True)
        self.response.show_pending(f"{spec.method} {spec.build_url()}")
        self._progress.start()
        workbench = self.workbench

        def op() -> Fetched:
            record = workbench.send(spec, flight.progress)
            return record, body_view(record), _decode_image(record)

        self.runner.run(
            op, lambda result: self._sent(flight, result), lambda exc: self._failed(flight, exc)
        )
        return True

    def cancel(self) -> None:
        """Stop the request in flight (Esc)."""
        if self._flight is not None:
            self.workbench.cancel()

    def _land(self, flight: Flight) -> bool:
        """True when ``flight`` is still the one on screen (and the view is alive)."""
        if self._detached or flight is not self._flight:
            return False
        self._flight = None
        self._progress.stop()
        self.composer.set_sending(False)
        self.actions_["cancel"].setEnabled(False)
        return True

    def _sent(self, flight: Flight, result: Fetched) -> None:
        if not self._land(flight):
            return
        record, view, image = result
        self.response.show_response(record, view, image)  # type: ignore[arg-type]
        self._record(flight.spec, record, None)

    def _failed(self, flight: Flight, exc: Exception) -> None:
        if not self._land(flight):
            return
        if isinstance(exc, RequestCancelled):
            elapsed = flight.elapsed()
            self.response.show_error(f"Cancelled after {elapsed:.1f} s.", cancelled=True)
            return
        message = str(exc) if isinstance(exc, RequestFailed) else f"Unexpected error: {exc!r}"
        self.response.show_error(message)
        self._record(flight.spec, None, message)

    def _show_progress(self) -> None:
        flight = self._flight
        if flight is not None:
            self.response.show_progress(flight.received, flight.elapsed())

    # ------------------------------------------------------------------ history
    def _record(self, spec: RequestSpec, record: ResponseRecord | None, error: str | None) -> None:
        workbench = self.workbench
        self.runner.run(
            lambda: workbench.record(spec, record, error),
            lambda _id: self.refresh_history(),
            lambda exc: self._history_failed(f"This request was not saved to the history: {exc}"),
        )

    def refresh_history(self) -> None:
        if self._detached:
            return
        self._history_generation += 1
        generation = self._history_generation
        search = self.history.search.text().strip()
        workbench = self.workbench

        def done(entries: list[HistoryEntry]) -> None:
            if not self._detached and generation == self._history_generation:
                self.history.set_entries(entries)

        self.runner.run(
            lambda: workbench.recent(search),
            done,
            lambda exc: self._history_failed(f"The history cannot be read: {exc}"),
        )

    def _history_failed(self, message: str) -> None:
        if not self._detached:
            self.history.count.setText(message)

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
        self.runner.run(
            lambda: workbench.history.delete(entry.id),
            lambda _none: self.refresh_history(),
            lambda exc: self._history_failed(f"Could not delete the entry: {exc}"),
        )

    # ------------------------------------------------------------------ clipboard
    def copy_curl(self) -> str | None:
        """Copy the composer's request as one shell-quoted curl command (credentials included)."""
        return copy_request(self, "curl command", to_curl)

    def copy_httpx(self) -> str | None:
        return copy_request(self, "httpx snippet", to_httpx)

    def paste_curl(self, text: str | None = None) -> bool:
        """Fill the composer from a curl command (the clipboard's, unless given)."""
        return paste_curl_into(self, text)

    # ------------------------------------------------------------------ auth
    def authorize(self) -> AuthorizeDialog | None:
        """Open the Authorize dialog for the current server (Ctrl+Shift+A)."""
        return open_authorize(self)

    def _update_auth_text(self) -> None:
        auth = self.workbench.auth
        hint = auth_hint(self.workbench.document, self.composer.draft())
        self.composer.set_auth_text(hint, describe_auth(auth))
        self.auth_label.setText(describe_auth(auth) if self.workbench.target else "")

    # ------------------------------------------------------------------ workbench events
    def _on_target_changed(self, target: Target | None) -> None:
        if self._detached:
            return
        if target is None:
            self.target_label.setText("No server running")
            self.composer.set_base("(no server: type a full URL)")
        else:
            self.target_label.setText(f"{target.name} · {target.api_url}")
            self.composer.set_base(target.api_url)
        self._update_auth_text()

    def _on_document_changed(self, _doc: Document | None) -> None:
        if not self._detached:
            self._update_auth_text()

    def _on_auth_changed(self, _auth: Auth | None) -> None:
        if not self._detached:
            self._update_auth_text()

    def _load_spec(self) -> RequestSpec:
        return self.build_spec()

    # ------------------------------------------------------------------ files
    def save_body(self) -> None:
        ask_and_save(self)

    def save_body_to(self, target: Path) -> None:
        """Write the whole body (from its temp file when it was too large to keep)."""
        save_to(self, target)

    def focus_filter(self) -> None:
        """Ctrl+F from the window: the history search, or the WebSocket log's filter."""
        if self.modes.currentIndex() == WS_PAGE:
            self.ws_panel.focus_filter()
        else:
            self.history.focus_search()

    # ------------------------------------------------------------------ lifetime
    @property
    def detached(self) -> bool:
        """True once :meth:`detach` ran: results that arrive later are dropped."""
        return self._detached

    def detach(self) -> None:
        """Stop timers, cancel what is in flight, close the WebSocket and the sender."""
        if self._detached:
            return
        self._detached = True
        self._progress.stop()
        self.workbench.target_changed.disconnect(self._target_handler)
        self.workbench.document_changed.disconnect(self._document_handler)
        self.workbench.auth_changed.disconnect(self._auth_handler)
        self.workbench.cancel()
        self.load_panel.detach()
        self.ws_panel.detach()
        if self.auth_dialog is not None:
            self.auth_dialog.reject()
        self.response.clear()
        self.workbench.close()
