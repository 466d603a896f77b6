"""Requests tab: the selected server's recorded requests, live, with one request's detail.

The page hands the view a :class:`ShownServer` (its RequestLog, URL and whether it
records) and a new one whenever the selection or the server's state changes. While the
tab is shown and the server runs, a timer polls the log on the view's task scope (off the
GUI thread, ~4 Hz); each poll's new records land as one batch. Switching servers reads
the log's kept records once (newest per key wins; a late poll of the old server is
dropped by the scope).

Keyboard: the table takes the focus when the tab is shown; Enter opens the detail;
Ctrl+F reaches the path filter; Copy as curl (Ctrl+Shift+C), Open in Try (Ctrl+T) and
Open Source (F4, PyCharm's "Jump to Source") act on the selected request.
"""

from __future__ import annotations

import hashlib
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from PySide6.QtCore import QByteArray, QItemSelection, QSettings, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner, muted, record_table, shortcut_action
from asgideck.gui.tabs.requests.actions import curl_for, notes_for, spec_for
from asgideck.gui.tabs.requests.detail import RequestDetail
from asgideck.gui.tabs.requests.filters import FilterBar, filter_from_state, filter_state
from asgideck.gui.tabs.requests.model import RequestsModel
from asgideck.runtime import userstate
from asgideck.runtime.editor import editor_command, parse_source
from asgideck.runtime.recording import RequestFilter, RequestRecord

#: how a file is opened when no editor is configured (a test replaces it)
open_url = QDesktopServices.openUrl

POLL_MS = 250
LOAD = "load"
POLL = "poll"
SETTINGS_GROUP = "requests"

NO_SERVER = "Select a server in the sidebar to see the requests it handled."
NOT_RECORDING = (
    "Recording is off for this server: turn on Record requests in its settings "
    "(Server ▸ Edit Server…, Ctrl+Shift+M), then start it again."
)
NOT_RUNNING = "No requests recorded yet: start the server, then send one from Try."
NO_REQUESTS = "No requests yet: send one from Try, or open the app in a browser."
FILTERED_OUT = "The selected request is hidden by the filters: select one in the list."


class RecordSource(Protocol):
    """What the view reads: the runtime's RequestLog (a fake in some tests)."""

    def poll(self) -> list[RequestRecord]: ...
    def records(self) -> list[RequestRecord]: ...
    def clear(self) -> None: ...
    @property
    def dropped(self) -> int: ...
    @property
    def run(self) -> int: ...


@dataclass(frozen=True)
class ShownServer:
    """The server the tab shows: its records, and what it is doing now."""

    name: str
    log: RecordSource | None  # None: the server does not record
    url: str | None = None  # where it answers while it runs
    running: bool = False

    @property
    def recording(self) -> bool:
        return self.log is not None


def window_settings() -> QSettings:
    """The window's settings file; the tab keeps its divider and filters in it per project."""
    return QSettings(str(userstate.config_dir() / "window.ini"), QSettings.Format.IniFormat)


class RequestsView(QWidget):
    #: Open in Try: a RequestSpec for the Try tab's composer
    try_requested = Signal(object)
    #: Open in Try of a WebSocket session: its path, for Try's WebSocket page
    try_websocket_requested = Signal(str)
    #: a short notice for the window's status bar ("Copied as curl."): never a layout change
    notice = Signal(str)

    def __init__(
        self,
        source: ShownServer | None,
        runner: TaskRunner | None = None,
        *,
        root: Path | None = None,
        settings: QSettings | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """``runner``: where the polls run; None: a one-thread runner of the view's own
        (the window's gets none of its 4 polls a second, so its busy light stays calm);
        ``root``: the project folder, for source links and for keeping its choices apart."""
        super().__init__(parent)
        self.source: ShownServer | None = None
        self._dropped = 0  # requests the agent could not hand over (asgideck was slow)
        self._run = 0  # the log's run the rows belong to: a new start resets them
        self.root = root
        self.scope = (runner if runner is not None else TaskRunner(self, threads=1)).scope(self)
        self.settings = settings if settings is not None else window_settings()
        key = hashlib.sha1(str(root).encode()).hexdigest()[:12] if root else "default"
        self._settings_group = f"{SETTINGS_GROUP}/{key}"

        self.banner = Banner()
        self.filters = FilterBar()
        self.model = RequestsModel()
        self.table = record_table(self.model, "RequestsTable")
        self.table.verticalHeader().setDefaultSectionSize(22)
        header = self.table.horizontalHeader()
        for column in range(len(RequestsModel.COLUMNS)):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(RequestsModel.PATH, QHeaderView.ResizeMode.Stretch)
        for column, width in ((0, 100), (1, 70), (3, 60), (4, 90), (5, 60), (6, 80)):
            header.resizeSection(column, width)
        self.table.selectionModel().selectionChanged.connect(self._on_selection)
        self.table.activated.connect(lambda _index: self.open_detail())  # Enter, double-click
        self.empty = muted(NO_SERVER)
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.list_stack = QStackedWidget()
        self.list_stack.addWidget(self.empty)
        self.list_stack.addWidget(self.table)
        self.detail = RequestDetail()
        self.detail.source_requested.connect(self.open_source)
        self.status = muted("")

        self.curl_action = shortcut_action(
            self, "Copy as &curl", "Ctrl+Shift+C", self.copy_curl, icon="copy"
        )
        self.try_action = shortcut_action(
            self, "Open in &Try", "Ctrl+T", self.open_in_try, icon="send"
        )
        self.source_action = shortcut_action(
            self, "Open &Source", "F4", self.open_endpoint_source, icon="edit"
        )
        self.clear_action = shortcut_action(
            self, "C&lear Requests", "Ctrl+L", self.clear, icon="minus"
        )
        tips = {
            self.curl_action: "Copy the selected request as a curl command",
            self.try_action: "Open the selected request in the Try tab, prefilled",
            self.source_action: "Open the endpoint's source in your editor",
            self.clear_action: "Forget the requests shown (the server keeps recording)",
        }
        bar = QHBoxLayout()
        bar.addWidget(self.filters, 1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.status, 1)
        for action, tip in tips.items():
            shortcut = action.shortcut().toString()
            action.setToolTip(f"{tip} ({shortcut})")
            button = QToolButton()
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            buttons.addWidget(button)

        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(bar)
        top_layout.addWidget(self.list_stack, 1)
        top_layout.addLayout(buttons)
        self.split = QSplitter(Qt.Orientation.Vertical)
        self.split.setObjectName("RequestsSplit")
        self.split.addWidget(top)
        self.split.addWidget(self.detail)
        self.split.setStretchFactor(0, 1)
        self.split.setStretchFactor(1, 1)
        self.split.setSizes([300, 320])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(self.split, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.restore_state()
        self.filters.changed.connect(self._on_filter)
        self.split.splitterMoved.connect(lambda _pos, _index: self.save_state())
        self.set_source(source)

    # ------------------------------------------------------------------ window conventions
    def actions(self) -> list[QAction]:
        """Copy as curl, Open in Try, Open Source, Clear Requests (the window lists them)."""
        return [self.curl_action, self.try_action, self.source_action, self.clear_action]

    def focus_main(self) -> None:
        """The table takes the keyboard, on a row so arrows and Enter work at once (the
        path filter while there is no table to show)."""
        if self.list_stack.currentWidget() is not self.table:
            if self.filters.isEnabled():
                self.filters.path.setFocus(Qt.FocusReason.OtherFocusReason)
            return
        if not self.table.currentIndex().isValid() and self.model.rowCount() > 0:
            self.table.selectRow(self.model.rowCount() - 1)
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    def focus_filter(self) -> None:
        self.filters.path.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.filters.path.selectAll()

    def detach(self) -> None:
        """The page closes: stop polling and drop whatever is in flight."""
        self.timer.stop()
        self.scope.close()

    def save_state(self) -> None:
        """Keep the divider and the filters (per project)."""
        self.settings.beginGroup(self._settings_group)
        self.settings.setValue("split", self.split.saveState())
        for key, value in filter_state(self.filters.value()).items():
            self.settings.setValue(f"filter_{key}", value)
        self.settings.endGroup()

    def restore_state(self) -> None:
        self.settings.beginGroup(self._settings_group)
        split = self.settings.value("split")
        if isinstance(split, QByteArray):
            self.split.restoreState(split)
        state: dict[str, Any] = {}
        for key in filter_state(RequestFilter()):
            state[key] = self.settings.value(f"filter_{key}")
        self.settings.endGroup()
        wanted = filter_from_state(state)
        self.filters.set_value(wanted)
        self.model.set_filter(wanted)

    # ------------------------------------------------------------------ the source
    def set_source(self, source: ShownServer | None) -> None:
        """Show ``source``'s requests (another server: read its kept records again)."""
        old = self.source
        self.source = source
        same_log = old is not None and source is not None and old.log is source.log
        if not same_log:
            self.scope.forget(POLL)
            self.scope.forget(LOAD)
            self.model.clear()
            self._dropped = 0
            self.detail.show_record(None)
            self.banner.clear_message()
            if source is not None and source.log is not None:
                log = source.log

                def load() -> tuple[list[RequestRecord], int, int]:
                    log.poll()
                    return log.records(), log.dropped, log.run

                self.scope.run(load, self._on_loaded, key=LOAD, failed=self._failed)
        elif source is not None and old is not None and old.running and not source.running:
            self.poll()  # what the last requests before the stop wrote
        self._update_timer()
        self._update()

    def _update_timer(self) -> None:
        source = self.source
        live = source is not None and source.log is not None and source.running
        if live and self.isVisible():
            self.timer.start()
        else:
            self.timer.stop()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._update_timer()
        self.poll()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self.timer.stop()

    def poll(self) -> None:
        """Read what the server wrote since the last poll (off the GUI thread)."""
        source = self.source
        if source is None or source.log is None:
            return
        if self.scope.pending(LOAD) or self.scope.pending(POLL):
            return  # one read at a time: a batch is never lost to a newer one
        log = source.log

        def read() -> tuple[list[RequestRecord], int, int]:
            return log.poll(), log.dropped, log.run

        self.scope.run(read, self._on_polled, key=POLL, failed=self._failed)

    def _on_loaded(self, result: tuple[list[RequestRecord], int, int]) -> None:
        records, self._dropped, self._run = result
        self.model.set_records(records)
        self.table.scrollToBottom()
        self._update()

    def _on_polled(self, result: tuple[list[RequestRecord], int, int]) -> None:
        records, dropped, run = result
        new_run = run != self._run
        if not records and dropped == self._dropped and not new_run:
            return
        self._dropped = dropped
        scroll = self.table.verticalScrollBar()
        following = scroll.value() >= scroll.maximum() - 2
        if new_run:  # a new start emptied the files: the list is that run's, as the log's
            self._run = run
            self.model.set_records(records)
        else:
            self.model.add_records(records)
        if following:
            self.table.scrollToBottom()
        if self.selected() is None and self.detail.record is not None:
            self.detail.show_record(None)  # it was pushed out by newer requests
        self._update()

    def _failed(self, exc: Exception) -> None:
        name = self.source.name if self.source is not None else "?"
        self.banner.show_message(f"Requests of {name}: could not read the records: {exc}")

    def clear(self) -> None:
        """Forget the requests shown; the server records on."""
        source = self.source
        self.model.clear()
        self.detail.show_record(None)
        self._update()
        if source is not None and source.log is not None:
            self.scope.forget(POLL)
            self.scope.run(source.log.clear, lambda _r: None, key=LOAD, failed=self._failed)

    # ------------------------------------------------------------------ shown state
    def empty_text(self) -> str:
        """What the list says instead of rows (empty: the rows are shown)."""
        source = self.source
        if source is None:
            return NO_SERVER
        if source.log is None:
            return NOT_RECORDING
        if self.model.total:
            return ""
        return NO_REQUESTS if source.running else NOT_RUNNING

    def _update(self) -> None:
        text = self.empty_text()
        self.empty.setText(text)
        self.list_stack.setCurrentWidget(self.empty if text else self.table)
        self.filters.setEnabled(self.source is not None and self.source.log is not None)
        shown, total = self.model.rowCount(), self.model.total
        if total and shown < total:
            self.status.setText(f"{shown:,} of {total:,} requests match the filters")
        elif total:
            self.status.setText(f"{total:,} request{'s' if total != 1 else ''}")
        else:
            self.status.setText("")
        if self.model.internal:
            self.status.setText(
                f"{self.status.text()} · {self.model.internal:,} of asgideck's own hidden".lstrip(
                    " ·"
                )
            )
        if self._dropped:
            self.status.setText(
                f"{self.status.text()} · {self._dropped:,} dropped by the recorder "
                "(asgideck read too slowly)".lstrip(" ·")
            )
        record = self.selected()
        self.try_action.setEnabled(record is not None)
        self.curl_action.setEnabled(record is not None and record.type == "http")
        self.source_action.setEnabled(
            record is not None and record.endpoint is not None and bool(record.endpoint.source)
        )
        self.clear_action.setEnabled(total > 0)

    def _on_filter(self, wanted: RequestFilter) -> None:
        current = self.selected()
        self.model.set_filter(wanted)
        row = self.model.row_of(current.id) if current is not None else -1
        if row >= 0:
            self.table.selectRow(row)
        elif current is not None or self.detail.record is not None:
            # as devtools do: a request the filters hide is not shown below either
            self.table.clearSelection()
            self.detail.show_record(None, FILTERED_OUT)
        self._update()
        self.save_state()

    # ------------------------------------------------------------------ selection
    def selected(self) -> RequestRecord | None:
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def select(self, record_id: str) -> bool:
        row = self.model.row_of(record_id)
        if row >= 0:
            self.table.selectRow(row)
            self.table.scrollTo(self.model.index(row, 0))
        return row >= 0

    def _on_selection(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        record = self.selected()
        if record is not None and record is not self.detail.record:
            self.detail.show_record(record)
        self._update()

    def open_detail(self) -> None:
        """Enter on a row: its detail, with the keyboard in it (never a collapsed pane)."""
        record = self.selected()
        if record is None:
            return
        self.detail.show_record(record)
        sizes = self.split.sizes()
        if len(sizes) == 2 and sizes[1] < 80:
            self.split.setSizes([sum(sizes) // 2, sum(sizes) - sum(sizes) // 2])
        self.detail.pages.setFocus(Qt.FocusReason.OtherFocusReason)

    # ------------------------------------------------------------------ actions
    def base_url(self, record: RequestRecord) -> str:
        """Where the request goes again: the server's URL, else the Host it was sent to."""
        if self.source is not None and self.source.url:
            return self.source.url
        host = next((v for k, v in record.request_headers if k.lower() == "host"), "127.0.0.1")
        return f"{record.scheme}://{host}"

    def copy_curl(self) -> str | None:
        record = self.selected()
        if record is None or record.type != "http":
            return None
        text = curl_for(record, self.base_url(record))
        QGuiApplication.clipboard().setText(text)
        notes = notes_for(record)
        self._notice("Copied as curl" + (f" ({'; '.join(notes)})" if notes else "") + ".")
        return text

    def open_in_try(self) -> None:
        record = self.selected()
        if record is not None and record.type == "websocket":
            self.try_websocket_requested.emit(record.path)
        elif record is not None:
            self.try_requested.emit(spec_for(record, self.base_url(record)))

    def open_endpoint_source(self) -> None:
        record = self.selected()
        if record is not None and record.endpoint is not None and record.endpoint.source:
            self.open_source(record.endpoint.source)

    def open_source(self, source: str) -> None:
        """Open ``source`` ("relative/path.py:LINE") in the user's editor."""
        root = self.root if self.root is not None else Path.cwd()
        file, line = parse_source(source, root)
        command = editor_command(file, line)
        shown = source if source.rpartition(":")[2].isdigit() else f"{source}:{line}"
        if command is None:
            if open_url(QUrl.fromLocalFile(str(file))):
                return
            QGuiApplication.clipboard().setText(shown)
            self.banner.show_message(
                f"No editor found for {shown} (copied to the clipboard): set $VISUAL or "
                "$EDITOR, or install a handler for .py files.",
                "warning",
            )
            return
        try:
            subprocess.Popen(command, start_new_session=True)  # the editor outlives us
        except OSError as exc:
            QGuiApplication.clipboard().setText(shown)
            self.banner.show_message(
                f"Could not start the editor {command[0]} for {shown} (copied to the "
                f"clipboard): {exc}",
                "warning",
            )

    def _notice(self, text: str) -> None:
        """A passing notice: the window's status bar shows it (the layout stays put)."""
        self.notice.emit(text)


__all__ = ["RecordSource", "RequestsView", "ShownServer"]
