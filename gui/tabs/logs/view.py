"""Logs tab for one server: a virtual list fed by a 25 Hz timer, filters, follow, export."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFontMetrics, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import Banner
from asgideck.gui.tabs.logs.model import LEVELS, LogFilter, LogModel
from asgideck.runtime.servers import ManagedServer, Status

REFRESH_MS = 40
STATUS_CHOICES = (("Any status", ""), ("2xx", "2xx"), ("3xx", "3xx"), ("4xx", "4xx"),
                  ("5xx", "5xx"), ("4xx + 5xx", "errors"))  # fmt: skip


class LogsView(QWidget):
    def __init__(self, server: ManagedServer, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.server = server
        self.model = LogModel(server.buffer)

        self.banner = Banner()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter log lines…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.regex = QCheckBox("Regex")
        self.level = QComboBox()
        self.level.addItem("Any level", "")
        for name in LEVELS[1:]:  # DEBUG+ and up; "Any level" includes TRACE
            self.level.addItem(f"{name.capitalize()}+", name)
        self.status = QComboBox()
        for label, value in STATUS_CHOICES:
            self.status.addItem(label, value)
        self.follow = QToolButton()
        self.follow.setText("Follow")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest line in view (End)")
        clear = QToolButton()
        clear.setText("Clear")
        clear.setToolTip("Clear this server's log (Ctrl+L)")
        clear.clicked.connect(self.clear)
        export = QToolButton()
        export.setText("Export…")
        export.setToolTip("Save the shown lines to a file (Ctrl+S)")
        export.clicked.connect(self.export)
        self.count_label = QLabel("")
        self.count_label.setObjectName("Muted")
        # the ring buffer is bounded: say how many lines left the view, never drop silently
        self.dropped_label = QLabel("")
        self.dropped_label.setObjectName("Muted")
        self.dropped_label.hide()

        # A one-column table with fixed row heights, not a QListView: the list view lays
        # out every row again after each insert (measured ~250 ms per tick at 100k rows),
        # the table only asks for the rows it paints.
        self.list = QTableView()
        self.list.setObjectName("LogList")
        self.list.setModel(self.model)
        self.list.setShowGrid(False)
        self.list.setWordWrap(False)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.horizontalHeader().hide()
        self.list.horizontalHeader().setStretchLastSection(True)
        rows = self.list.verticalHeader()
        rows.hide()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(QFontMetrics(theme.mono_font()).height() + 2)
        self.list.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.list.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.list.verticalScrollBar().valueChanged.connect(self._on_scrolled)

        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        for widget in (self.regex, self.level, self.status, self.follow, clear, export):
            bar.addWidget(widget)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(bar)
        layout.addWidget(self.list, 1)
        bottom = QHBoxLayout()
        bottom.addWidget(self.count_label)
        bottom.addStretch(1)
        bottom.addWidget(self.dropped_label)
        layout.addLayout(bottom)

        self.search.textChanged.connect(self._apply_filter)
        self.regex.toggled.connect(self._apply_filter)
        self.level.currentIndexChanged.connect(self._apply_filter)
        self.status.currentIndexChanged.connect(self._apply_filter)
        self.follow.toggled.connect(self._on_follow)
        for keys, slot in (
            (QKeySequence.StandardKey.Copy, self.copy_selection),
            (QKeySequence.StandardKey.Save, self.export),
            ("Ctrl+L", self.clear),
            ("End", lambda: self.follow.setChecked(True)),
        ):
            shortcut = QShortcut(QKeySequence(keys), self)
            shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            shortcut.activated.connect(slot)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        """Pull what arrived since the last tick, as one batch."""
        if self.model.refresh() and self.follow.isChecked():
            self.list.scrollToBottom()
        self.count_label.setText(
            f"{self.model.rowCount():,} shown · {len(self.server.buffer):,} kept · "
            f"{self.server.buffer.total:,} received"
        )
        evicted = self.server.buffer.evicted
        if evicted:
            self.dropped_label.setText(
                f"{evicted:,} earlier line{'s' if evicted != 1 else ''} dropped from view; "
                "the run log file has them"
            )
        self.dropped_label.setVisible(bool(evicted))

    def _apply_filter(self) -> None:
        spec = LogFilter(
            text=self.search.text(),
            regex=self.regex.isChecked(),
            min_level=self.level.currentData() or "",
            status=self.status.currentData() or "",
        )
        try:
            self.model.set_filter(spec)
        except re.error as exc:
            self.banner.show_message(f"Invalid regular expression: {exc}", "warning")
            return
        self.banner.clear_message()
        if self.follow.isChecked():
            self.list.scrollToBottom()

    def _on_follow(self, on: bool) -> None:
        if on:
            self.list.scrollToBottom()

    def _on_scrolled(self, value: int) -> None:
        # Scrolling up pauses following; back at the bottom resumes it.
        at_bottom = value >= self.list.verticalScrollBar().maximum()
        if self.follow.isChecked() != at_bottom and self.list.isVisible():
            self.follow.blockSignals(True)
            self.follow.setChecked(at_bottom)
            self.follow.blockSignals(False)

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()

    def copy_selection(self) -> None:
        rows = sorted({index.row() for index in self.list.selectedIndexes()})
        lines = [line.text for row in rows if (line := self.model.line_at(row)) is not None]
        if lines:
            QGuiApplication.clipboard().setText("\n".join(lines))

    def clear(self) -> None:
        self.model.clear()
        self.refresh()

    def export(self) -> None:
        path, _ = QFileDialog.getSaveFileName(
            self, "Export log", f"{self.server.name}.log", "Log files (*.log *.txt)"
        )
        if not path:
            return
        try:
            count = self.server.buffer.export(Path(path), self.model.visible_lines())
        except OSError as exc:
            self.banner.show_message(f"Could not export the log to {path}: {exc}", "warning")
            return
        self.count_label.setText(f"Exported {count:,} lines to {path}")

    def show_status(self, status: Status) -> None:
        """The crash banner (exit code and the error that killed the server), or while
        it starts slowly, what it waits on and its stack (``Status.diagnosis``)."""
        if status.state == "crashed" and status.message == "not ready":
            self.banner.show_message(
                f"{self.server.name} did not come up.\n\n{status.error or status.diagnosis}",
                "error",
            )
        elif status.state == "crashed":
            code = f" with exit code {status.exit_code}" if status.exit_code is not None else ""
            text = f"{self.server.name} crashed{code}."
            if status.next_restart_in is not None:
                text += f" Restarting in {status.next_restart_in:.0f} s."
            if status.error:
                text += "\n\n" + status.error
            if status.diagnosis:
                text += "\n\n" + status.diagnosis
            self.banner.show_message(text, "error")
        elif status.state == "crash-loop":
            self.banner.show_message(
                f"{self.server.name} crashed repeatedly; asgideck stopped restarting it."
                + (f"\n\n{status.error}" if status.error else ""),
                "error",
            )
        elif status.state == "starting" and status.diagnosis:
            self.banner.show_message(
                f"{self.server.name} is slow to start: {status.diagnosis}", "warning"
            )
        elif status.state in ("starting", "running"):
            self.banner.clear_message()

    def detach(self) -> None:
        """Stop pulling lines (the server is gone, or the page is closing)."""
        self.timer.stop()
