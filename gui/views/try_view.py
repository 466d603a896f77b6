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

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication, QImage, QKeySequence
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from gui import theme
from gui.bridge import Bridge
from gui.tasks import TaskRunner
from gui.views.try_auth import AuthorizeDialog, LoginRequest, describe_auth
from gui.views.try_body import body_view
from gui.views.try_composer import Composer
from gui.views.try_history import HistoryPanel
from gui.views.try_load import LoadPanel
from gui.views.try_response import ResponseViewer
from gui.views.try_ws import WsPanel
from gui.widgets import Banner, muted
from runtime.client import (
    Auth,
    RequestCancelled,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    prepare,
)
from runtime.curl import CurlError, from_curl, to_curl, to_httpx
from runtime.history import HistoryEntry
from runtime.openapi import Document, Operation
from runtime.workbench import Target, Workbench
from runtime.workbench_draft import (
    Draft,
    auth_hint,
    draft_from_operation,
    draft_from_spec,
    security_schemes,
)

HTTP_PAGE, WS_PAGE, LOAD_PAGE = range(3)
PROGRESS_MS = 100
IMAGE_MAX_SIDE = 1600


class _Flight:
    """One request in flight: what was sent, when, and how much has arrived (worker-written)."""

    def __init__(self, spec: RequestSpec) -> None:
        self.spec = spec
        self.started = time.perf_counter()
        self.received = -1

    def progress(self, size: int) -> None:  # called on the sender's worker thread
        self.received = size


def _decode_image(record: ResponseRecord) -> QImage | None:
    """A preview of an image body (on a worker thread: QImage is thread-safe)."""
    if not record.is_image or record.truncated or not record.body:
        return None
    image = QImage.fromData(record.body)
    if image.isNull():
        return None
    if max(image.width(), image.height()) > IMAGE_MAX_SIDE:
        image = image.scaled(
            IMAGE_MAX_SIDE,
            IMAGE_MAX_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


class TryView(QWidget):
    def __init__(
        self, workbench: Workbench, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.runner = runner
        self.bridge = Bridge(self)
        self.auth_dialog: AuthorizeDialog | None = None
        self._flight: _Flight | None = None
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

        self.actions_: dict[str, QAction] = {}
        self._build_actions()
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

    # ------------------------------------------------------------------ actions
    def _build_actions(self) -> None:
        """Every action has a shortcut; the page-specific ones only work on their page."""
        page, composer = self.http_page, self.composer
        specs: list[tuple[str, str, tuple[str, ...], Callable[[], object], QWidget, str | None]]
        specs = [
            ("send", "Send request", ("Ctrl+Return", "Ctrl+Enter"), self.send, page, "send"),
            ("cancel", "Cancel request", ("Esc",), self.cancel, page, "stop"),
            ("focus_url", "Edit URL", ("Ctrl+L",), composer.focus_url, page, None),
            ("focus_method", "Choose method", ("Ctrl+M",), composer.method.setFocus, page, None),
            ("body_kind", "Choose body kind", ("Ctrl+Shift+B",), self._focus_body_kind, page, None),
            ("toggle_pretty", "Pretty / raw body", ("Ctrl+Shift+P",),
             self.response.pretty_button.toggle, page, None),
            ("save_body", "Save response body…", ("Ctrl+S",), self.save_body, page, None),
            ("search_history", "Search history", ("Ctrl+Shift+F",), self.history.focus_search,
             page, "search"),
            ("authorize", "Authorize…", ("Ctrl+Shift+A",), self.authorize, self, "shield"),
            ("copy_curl", "Copy as curl", ("Ctrl+Shift+C",), self.copy_curl, self, "copy"),
            ("copy_httpx", "Copy as httpx", ("Ctrl+Alt+C",), self.copy_httpx, self, "copy"),
            ("paste_curl", "Paste curl", ("Ctrl+Alt+V",), self.paste_curl, self, "terminal"),
            ("mode_http", "HTTP requests", ("Alt+1",), lambda: self.show_mode(HTTP_PAGE), self,
             None),
            ("mode_ws", "WebSocket", ("Alt+2",), lambda: self.show_mode(WS_PAGE), self, None),
            ("mode_load", "Load test", ("Alt+3",), lambda: self.show_mode(LOAD_PAGE), self, None),
        ]  # fmt: skip
        for name, text, keys, slot, owner, icon in specs:
            action = QAction(text, self)
            if icon:
                action.setIcon(theme.icon(icon))
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.setToolTip(f"{text} ({keys[0]})")
            # triggered(bool) would hand ``checked`` to a slot with an optional argument.
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            owner.addAction(action)
            self.actions_[name] = action
        self.actions_["cancel"].setEnabled(False)

    def menu_actions(self) -> list[QAction]:
        """The view's actions, with their shortcuts, for the window's Request menu."""
        return list(self.actions_.values())

    def show_mode(self, page: int) -> None:
        self.modes.setCurrentIndex(page)

    def _on_mode(self, page: int) -> None:
        if page == LOAD_PAGE:
            self.load_panel.refresh_request()

    def _focus_body_kind(self) -> None:
        self.composer.tabs.setCurrentIndex(3)
        self.composer.body_kind.setFocus()

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
        flight = _Flight(spec)
        self._flight = flight
        self.composer.set_sending(True)
        self.actions_["cancel"].setEnabled(True)
        self.response.show_pending(f"{spec.method} {spec.build_url()}")
        self._progress.start()
        workbench = self.workbench

        def op() -> tuple[ResponseRecord, object, QImage | None]:
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

    def _land(self, flight: _Flight) -> bool:
        """True when ``flight`` is still the one on screen (and the view is alive)."""
        if self._detached or flight is not self._flight:
            return False
        self._flight = None
        self._progress.stop()
        self.composer.set_sending(False)
        self.actions_["cancel"].setEnabled(False)
        return True

    def _sent(self, flight: _Flight, result: tuple[ResponseRecord, object, QImage | None]) -> None:
        if not self._land(flight):
            return
        record, view, image = result
        self.response.show_response(record, view, image)  # type: ignore[arg-type]
        self._record(flight.spec, record, None)

    def _failed(self, flight: _Flight, exc: Exception) -> None:
        if not self._land(flight):
            return
        if isinstance(exc, RequestCancelled):
            elapsed = time.perf_counter() - flight.started
            self.response.show_error(f"Cancelled after {elapsed:.1f} s.", cancelled=True)
            return
        message = str(exc) if isinstance(exc, RequestFailed) else f"Unexpected error: {exc!r}"
        self.response.show_error(message)
        self._record(flight.spec, None, message)

    def _show_progress(self) -> None:
        flight = self._flight
        if flight is not None:
            self.response.show_progress(flight.received, time.perf_counter() - flight.started)

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

    # ------------------------------------------------------------------ curl
    def copy_curl(self) -> str | None:
        """Copy the composer's request as one shell-quoted curl command (credentials included)."""
        return self._copy("curl command", to_curl)

    def copy_httpx(self) -> str | None:
        return self._copy("httpx snippet", to_httpx)

    def _copy(self, what: str, render: object) -> str | None:
        try:
            text = render(self.build_spec())  # type: ignore[operator]
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
        return str(text)

    def paste_curl(self, text: str | None = None) -> bool:
        """Fill the composer from a curl command (the clipboard's, unless given)."""
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
        target = self.workbench.target
        if target is None:
            self.banner.show_message(
                "Start a server first: credentials belong to a server.", "warning"
            )
            return None
        if self.auth_dialog is not None:
            self.auth_dialog.raise_()
            return self.auth_dialog
        dialog = AuthorizeDialog(
            security_schemes(self.workbench.document), self.workbench.auth, target.name, self
        )
        wanted = self.composer.draft().security
        if wanted:
            dialog.select_scheme(wanted[0])
        dialog.login_requested.connect(lambda request: self._login(dialog, target, request))
        dialog.auth_ready.connect(lambda auth: self._authorized(dialog, target, auth))
        dialog.logout_requested.connect(lambda: self._logout(dialog, target))
        dialog.finished.connect(lambda _code: self._dialog_closed(dialog))
        self.auth_dialog = dialog
        dialog.open()
        return dialog

    def _dialog_closed(self, dialog: AuthorizeDialog) -> None:
        if self.auth_dialog is dialog:
            self.auth_dialog = None
        dialog.deleteLater()

    def _login(self, dialog: AuthorizeDialog, target: Target, request: LoginRequest) -> None:
        dialog.set_busy(True)
        workbench = self.workbench
        self.runner.run(
            lambda: workbench.login(
                request.token_url, request.username, request.password, request.scopes
            ),
            lambda auth: self._authorized(dialog, target, auth),
            lambda exc: None if self._detached else dialog.show_error(str(exc)),
        )

    def _authorized(self, dialog: AuthorizeDialog, target: Target, auth: Auth) -> None:
        if self._detached:
            return
        self.workbench.set_auth(auth, target.name)
        self.status.setText(f"{describe_auth(auth)} (server {target.name})")
        dialog.accept()

    def _logout(self, dialog: AuthorizeDialog, target: Target) -> None:
        self.workbench.set_auth(None, target.name)
        self.status.setText(f"Logged out of {target.name}.")
        dialog.accept()

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
        record = self.response.record
        if record is None:
            return
        name = Path(record.url.split("?", 1)[0]).name or "response"
        path, _ = QFileDialog.getSaveFileName(self, "Save response body", name)
        if path:
            self.save_body_to(Path(path))

    def save_body_to(self, target: Path) -> None:
        """Write the whole body (from its temp file when it was too large to keep)."""
        record = self.response.record
        if record is None:
            return

        def op() -> int:
            if record.body_file is not None and record.body_file.exists():
                shutil.copyfile(record.body_file, target)
            else:
                target.write_bytes(record.body)
            return target.stat().st_size

        self.runner.run(
            op,
            lambda size: self.status.setText(f"Saved {size:,} bytes to {target}"),
            lambda exc: self.banner.show_message(f"Could not save the body: {exc}", "error"),
        )

    def focus_filter(self) -> None:
        """Ctrl+F from the window: the history search, or the WebSocket log's filter."""
        if self.modes.currentIndex() == WS_PAGE:
            self.ws_panel.focus_filter()
        else:
            self.history.focus_search()

    # ------------------------------------------------------------------ lifetime
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
