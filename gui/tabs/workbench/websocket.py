"""The WebSocket panel: connect to a route, send text or JSON, a filtered message log.

Connecting, sending and closing run on the panel's task scope (they wait on the
network); received messages are pulled from the client's log by a 25 Hz timer
and appended in one batch per tick, like the Logs tab. Detaching closes the
scope (a late result is dropped) and the connection, on a daemon thread: a hung
server would otherwise hold the GUI thread for the close handshake and the
reader's join (seconds each). A connect still under way then closes its own
connection when it finishes, since nobody is left to close it.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections import deque
from collections.abc import Callable

from PySide6.QtCore import QStringListModel, Qt, QTimer
from PySide6.QtGui import QAction, QFontMetrics, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QCompleter,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner, combo_box, muted
from asgideck.gui.tabs.workbench.failures import report
from asgideck.gui.tabs.workbench.models import WsLogModel, arrow_font
from asgideck.runtime.client import WsClient, WsError
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.workbench import Workbench

POLL_MS = 40
DETACH_CLOSE = (1001, "asgideck closed the panel")  # 1001: "going away"
DIRECTIONS = (("All", None), ("Sent", "sent"), ("Received", "received"), ("Events", "event"))


class WsPanel(QWidget):
    def __init__(
        self, workbench: Workbench, runner: TaskRunner, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.scope = runner.scope(self)
        self.client = WsClient()
        self.model = WsLogModel()
        self._busy = False
        self._outbox: deque[Callable[[], None]] = deque()
        self._outbox_lock = threading.Lock()
        self._draining = False

        self.banner = Banner()
        self.path = QLineEdit()
        self.path.setFont(theme.mono_font())
        self.path.setPlaceholderText("/ws/route  or a full ws:// URL")
        self.path.returnPressed.connect(self.toggle_connection)
        self.use_auth = QCheckBox("Send authorization")
        self.use_auth.setChecked(True)
        self.use_auth.setToolTip("Send this server's credentials with the handshake")
        self.connect_button = QPushButton(theme.icon("plug"), "Connect")
        self.connect_button.setToolTip("Connect / close (Ctrl+Shift+O)")
        self.connect_button.clicked.connect(self.toggle_connection)
        self.close_code = QSpinBox()
        self.close_code.setRange(1000, 4999)
        self.close_code.setValue(1000)
        self.close_code.setToolTip("Close code: 1000 (normal), 1001, or 3000–4999 for your app")
        self.close_reason = QLineEdit()
        self.close_reason.setPlaceholderText("close reason")
        self.close_reason.setMaxLength(120)
        self.routes: list[str] = []  # the app's WebSocket routes (set_routes)
        self._prefilled = ""  # the route put into the URL field, until the user edits it
        self.completer = QCompleter([], self)
        self.completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.path.setCompleter(self.completer)
        # Two rows: the window stays usable at 900×600 (one row asked for 520 px).
        top = QHBoxLayout()
        top.addWidget(QLabel("URL"))
        top.addWidget(self.path, 1)
        top.addWidget(self.connect_button)
        closing = QHBoxLayout()
        closing.addWidget(self.use_auth)
        closing.addStretch(1)
        closing.addWidget(QLabel("Close code"))
        closing.addWidget(self.close_code)
        closing.addWidget(self.close_reason, 1)

        self.message = QPlainTextEdit()
        self.message.setFont(theme.mono_font())
        self.message.setPlaceholderText(
            "Message…  Ctrl+Enter sends text, Ctrl+Shift+Enter sends JSON"
        )
        self.message.setMaximumHeight(90)
        self.message.setTabChangesFocus(True)
        self.send_text_button = QPushButton("Send text")
        self.send_text_button.clicked.connect(self.send_text)
        self.send_json_button = QPushButton("Send JSON")
        self.send_json_button.clicked.connect(self.send_json)
        send_row = QHBoxLayout()
        send_row.addWidget(self.message, 1)
        buttons = QVBoxLayout()
        buttons.addWidget(self.send_text_button)
        buttons.addWidget(self.send_json_button)
        send_row.addLayout(buttons)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter messages…  (Ctrl+Shift+F)")
        self.filter.setClearButtonEnabled(True)
        self.direction = combo_box()
        for label, value in DIRECTIONS:
            self.direction.addItem(label, value)
        self.autoscroll = QCheckBox("Autoscroll")
        self.autoscroll.setChecked(True)
        self.clear_button = QPushButton("Clear")
        self.clear_button.clicked.connect(self.model.clear)
        filter_row = QHBoxLayout()
        filter_row.addWidget(self.filter, 1)
        filter_row.addWidget(self.direction)
        filter_row.addWidget(self.autoscroll)
        filter_row.addWidget(self.clear_button)

        self.log = QTableView()
        self.log.setObjectName("WsLog")
        self.log.setModel(self.model)
        self.log.verticalHeader().hide()
        self.log.setShowGrid(False)
        self.log.setWordWrap(False)
        self.log.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.log.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.log.setFont(theme.mono_font())
        header = self.log.horizontalHeader()
        metrics = self.log.fontMetrics()  # fixed widths: no per-row measuring as messages pour in
        header.setSectionResizeMode(WsLogModel.TIME, QHeaderView.ResizeMode.Fixed)
        header.resizeSection(WsLogModel.TIME, metrics.horizontalAdvance("00:00:00.000") + 16)
        header.setSectionResizeMode(WsLogModel.DIRECTION, QHeaderView.ResizeMode.Fixed)
        self.model.arrow_font = arrow_font(self.log.font())
        arrows = QFontMetrics(self.model.arrow_font)
        header.resizeSection(WsLogModel.DIRECTION, arrows.horizontalAdvance("←") + 20)
        self.log.verticalHeader().setDefaultSectionSize(
            max(self.log.verticalHeader().defaultSectionSize(), arrows.height() + 4)
        )
        header.setStretchLastSection(True)
        self.state = muted("Not connected.")

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addLayout(closing)
        layout.addLayout(send_row)
        layout.addLayout(filter_row)
        layout.addWidget(self.log, 1)
        layout.addWidget(self.state)

        self.filter.textChanged.connect(self._apply_filter)
        self.direction.currentIndexChanged.connect(self._apply_filter)
        self.autoscroll.toggled.connect(self._on_autoscroll)
        for keys, slot in (
            ("Ctrl+Return", self.send_text),
            ("Ctrl+Enter", self.send_text),
            ("Ctrl+Shift+Return", self.send_json),
            ("Ctrl+Shift+Enter", self.send_json),
            ("Ctrl+Shift+O", self.toggle_connection),
            ("Ctrl+Shift+F", self.focus_filter),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(action)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.timer.start()
        self._update_state()

    # ------------------------------------------------------------------ actions
    def set_path(self, path: str) -> None:
        self.path.setText(path)

    def set_routes(self, paths: list[str]) -> None:
        """The app's WebSocket routes: offered as completions, the first one prefilled while
        the URL field is empty (or still holds a route prefilled earlier)."""
        self.routes = list(dict.fromkeys(paths))
        self.completer.setModel(QStringListModel(self.routes, self.completer))
        current = self.path.text().strip()
        if current in ("", self._prefilled) and not self.client.connected:
            self._prefilled = self.routes[0] if self.routes else ""
            self.path.setText(self._prefilled)
        tip = "The app's WebSocket routes: " + ", ".join(self.routes) if self.routes else ""
        self.path.setToolTip(tip)

    def toggle_connection(self) -> None:
        if self.client.connected:
            self.close_connection()
        else:
            self.connect_()

    def connect_(self) -> None:
        if self._busy or self.client.connected:
            return
        try:
            url, headers = self.workbench.ws_request(
                self.path.text().strip() or "/", use_auth=self.use_auth.isChecked()
            )
        except AsgideckError as exc:
            self.banner.show_message(str(exc), "error")
            return
        self.banner.clear_message()
        client, scope = self.client, self.scope

        def connect() -> None:
            client.connect(url, headers)
            if not scope.is_open:  # the panel closed meanwhile: its close found nothing to close
                client.close(*DETACH_CLOSE)

        self._run(connect, f"Connecting to {url}…", self._connected)

    def _connected(self, _result: object) -> None:
        self.message.setFocus()

    def close_connection(self) -> bool:
        """Close the conversation with the chosen code and reason."""
        if not self.client.connected or self._busy:
            return False
        code, reason = self.close_code.value(), self.close_reason.text()
        self._run(lambda: self.client.close(code, reason), f"Closing with code {code}…")
        return True

    def send_text(self) -> None:
        text = self.message.toPlainText()
        if self._ready_to_send():
            self._enqueue(lambda: self.client.send_text(text))

    def send_json(self) -> None:
        text = self.message.toPlainText()
        try:
            json.loads(text)
        except ValueError as exc:
            self.banner.show_message(f"Not valid JSON: {exc}", "error")
            return
        if self._ready_to_send():
            self._enqueue(lambda: self.client.send_json(text))

    def _ready_to_send(self) -> bool:
        if not self.client.connected:
            self.banner.show_message("Not connected: connect first (Ctrl+Shift+O).", "warning")
            return False
        self.banner.clear_message()
        return True

    def _enqueue(self, send: Callable[[], None]) -> None:
        """Messages leave in the order they were sent: one worker drains the outbox."""
        with self._outbox_lock:
            self._outbox.append(send)
            if self._draining:
                return
            self._draining = True
        self.scope.run(self._drain, self._drained)

    def _drain(self) -> list[str]:  # on a worker thread
        errors: list[str] = []
        while True:
            with self._outbox_lock:
                if not self._outbox:
                    self._draining = False
                    return errors
                send = self._outbox.popleft()
            try:
                send()
            except WsError as exc:  # reported on the GUI thread; later messages still go
                errors.append(str(exc))

    def _drained(self, errors: list[str]) -> None:
        if errors:
            self.banner.show_message(errors[0], "error")
        self.poll()

    def _run(
        self,
        op: Callable[[], object],
        busy_text: str,
        then: Callable[[object], None] | None = None,
    ) -> None:
        self._busy = True
        self.state.setText(busy_text)
        self._update_buttons()

        def done(result: object) -> None:
            self._busy = False
            self.poll()
            if then is not None:
                then(result)

        def failed(exc: Exception) -> None:
            self._busy = False
            report(exc, lambda message: self.banner.show_message(message, "error"))
            self.poll()

        self.scope.run(op, done, failed=failed)

    # ------------------------------------------------------------------ log
    def poll(self) -> None:
        """Pull what arrived since the last tick, as one batch."""
        added = self.model.append(self.client.messages(self.model.last_seq))
        if added and self.autoscroll.isChecked():
            self.log.scrollToBottom()
        self._update_state()

    def _apply_filter(self, *_args: object) -> None:
        self.model.set_filter(self.filter.text(), self.direction.currentData())
        if self.autoscroll.isChecked():
            self.log.scrollToBottom()

    def _on_autoscroll(self, on: bool) -> None:
        if on:
            self.log.scrollToBottom()

    def focus_filter(self) -> None:
        self.filter.setFocus()
        self.filter.selectAll()

    def _update_state(self) -> None:
        if self._busy:
            self._update_buttons()
            return
        if self.client.connected:
            self.state.setText(f"Connected to {self.client.url}")
        elif self.client.close_code is not None or self.client.url:
            code = self.client.close_code
            reason = self.client.close_reason
            detail = f"code {code}" if code is not None else "no close code"
            self.state.setText(f"Closed ({detail}{': ' + reason if reason else ''}).")
        self._update_buttons()

    def _update_buttons(self) -> None:
        connected = self.client.connected
        self.connect_button.setText("Close" if connected else "Connect")
        self.connect_button.setEnabled(not self._busy)
        for widget in (self.send_text_button, self.send_json_button):
            widget.setEnabled(connected)

    def detach(self) -> None:
        """Drop what is in flight, stop polling, close the connection without waiting for it."""
        self.scope.close()
        self.timer.stop()
        close_in_background(self.client)


def close_in_background(client: WsClient) -> threading.Thread:
    """Close ``client`` (code 1001) and join its reader on a daemon thread; never raises."""

    def close() -> None:
        with contextlib.suppress(WsError):  # nobody is left to tell; the wire is gone anyway
            client.close(*DETACH_CLOSE)

    thread = threading.Thread(target=close, name="asgideck-ws-close", daemon=True)
    thread.start()
    return thread
