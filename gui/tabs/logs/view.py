"""Logs tab for one server or service: a virtual list fed by a 25 Hz timer, filters
(matches marked), follow, export, and the crash banner with Restart and Dismiss.

It shows anything with a ``name`` and a ``buffer`` (a ``LogSource``): an app server, or
a service of the sidebar's SERVICES section, whose view carries a title line saying
which service it is (the crash banner is a server's only)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QFontMetrics, QGuiApplication, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
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
from asgideck.gui.core.widgets import ActionBanner, combo_box
from asgideck.gui.tabs.logs.delegate import LogLineDelegate
from asgideck.gui.tabs.logs.model import LEVELS, LogFilter, LogModel
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.servers import Status

REFRESH_MS = 40
#: A tick that brings this many rows is a flood (25 Hz × 2,000 = 50,000 lines/s): nobody
#: reads it line by line, and each repaint of the rows on screen takes the interpreter
#: from the reader threads that drain the pipe. Until a calmer tick, repaint at FLOOD_MS.
FLOOD_ROWS = 2_000
FLOOD_MS = 120
STATUS_CHOICES = (("Any status", ""), ("2xx", "2xx"), ("3xx", "3xx"), ("4xx", "4xx"),
                  ("5xx", "5xx"), ("4xx + 5xx", "errors"))  # fmt: skip


COLUMN_SLACK = 24  # px past the widest line seen, so its end is not under the scrollbar


class LogSource(Protocol):
    """What a log view reads: a name (for messages and the export's file) and the lines."""

    @property
    def name(self) -> str: ...

    @property
    def buffer(self) -> LogBuffer: ...


class LogsView(QWidget):
    #: The user pressed Restart on the crash banner; carries the server's name. The page
    #: restarts it the way the sidebar does (port-in-use dialog and all).
    restart_requested = Signal(str)

    def __init__(
        self, server: LogSource, parent: QWidget | None = None, *, title: str = ""
    ) -> None:
        """``title``: a line above the log saying whose it is (a service's view has one)."""
        super().__init__(parent)
        self.server = server
        self.model = LogModel(server.buffer)
        self.title = QLabel(title)
        self.title.setObjectName("LogTitle")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.title.setVisible(bool(title))

        self.banner = ActionBanner()
        self._regex_warning = ""
        self.restart_button = self.banner.add_button("Restart", "Restart this server")
        self.restart_button.clicked.connect(self._on_restart)
        self.dismiss_button = self.banner.add_button("Dismiss", "Hide this message")
        self.dismiss_button.clicked.connect(self.banner.clear_message)
        self.search = QLineEdit()
        self.search.setPlaceholderText("Filter log lines…  (Ctrl+F)")
        self.search.setClearButtonEnabled(True)
        self.regex = QCheckBox("Regex")
        self.level = combo_box()
        self.level.addItem("Any level", "")
        for name in LEVELS[1:]:  # DEBUG+ and up; "Any level" includes TRACE
            self.level.addItem(f"{name.capitalize()}+", name)
        self.status = combo_box()
        for label, value in STATUS_CHOICES:
            self.status.addItem(label, value)
        self.follow = QToolButton()
        self.follow.setText("Follow")
        self.follow.setCheckable(True)
        self.follow.setChecked(True)
        self.follow.setToolTip("Keep the newest line in view (End)")
        self.clear_button = clear = QToolButton()
        clear.setText("Clear")
        clear.setToolTip("Clear this log (Ctrl+L)")
        clear.clicked.connect(self.clear)
        self.export_button = export = QToolButton()
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
        # Long lines are never cut with "…": the column grows to the widest line shown
        # and the list scrolls sideways; the tooltip has the whole line, wrapped.
        self.list.setTextElideMode(Qt.TextElideMode.ElideNone)
        self.list.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.delegate = LogLineDelegate()
        self.list.setItemDelegate(self.delegate)
        self.list.horizontalHeader().hide()
        self.list.horizontalHeader().setStretchLastSection(False)
        self._mono_metrics = QFontMetrics(theme.mono_font())
        self._widest = 0
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
        layout.addWidget(self.title)
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
        # Actions, not QShortcuts, and explicit keys (never a StandardKey: those differ
        # per platform theme); QWidget.actions() lists them for menus and the clash check.
        for name, text, keys, slot in (
            ("logs.copy", "Copy selected log lines", "Ctrl+C", self.copy_selection),
            ("logs.export", "Export log…", "Ctrl+S", self.export),
            ("logs.clear", "Clear log", "Ctrl+L", self.clear),
            ("logs.follow", "Follow the newest line", "End", lambda: self.follow.setChecked(True)),
        ):
            action = QAction(text, self)
            action.setObjectName(name)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(slot)
            self.addAction(action)

        self.timer = QTimer(self)
        self.timer.setInterval(REFRESH_MS)
        self.timer.timeout.connect(self.refresh)
        self.timer.start()
        self.refresh()

    def refresh(self) -> None:
        """Pull what arrived since the last tick, as one batch."""
        added = self.model.refresh()
        interval = FLOOD_MS if added >= FLOOD_ROWS else REFRESH_MS
        if self.timer.interval() != interval:
            self.timer.setInterval(interval)
        if added:
            self._fit_column()
        if added and self.follow.isChecked():
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
            self._regex_warning = f"Invalid regular expression: {exc}"
            self.banner.show_message(self._regex_warning, "warning")
            return
        if self._regex_warning and self.banner.text() == self._regex_warning:
            self.banner.clear_message()  # only its own warning: a crash banner stays up
        self._regex_warning = ""
        self.delegate.pattern = self.model.pattern
        self._widest = 0
        self._fit_column()
        self.list.viewport().update()
        if self.follow.isChecked():
            self.list.scrollToBottom()

    def _fit_column(self) -> None:
        """Widen the one column to the widest line painted so far (at least the viewport):
        only the rows on screen are measured, so the cost does not grow with the log."""
        count = self.model.rowCount()
        viewport = self.list.viewport()
        if count:
            top = max(0, self.list.rowAt(0))
            bottom = self.list.rowAt(viewport.height() - 1)
            bottom = count - 1 if bottom < 0 else bottom
            rows_per_page = viewport.height() // max(
                1, self.list.verticalHeader().defaultSectionSize()
            )
            if self.follow.isChecked():  # about to scroll to the end: measure what shows there
                top, bottom = max(0, count - rows_per_page - 1), count - 1
            metrics = self._mono_metrics
            for row in range(top, min(bottom, top + 400) + 1):
                line = self.model.line_at(row)
                if line is not None:
                    width = metrics.horizontalAdvance(line.text[:4096])
                    self._widest = max(self._widest, width)
        wanted = max(viewport.width(), self._widest + COLUMN_SLACK)
        if self.list.columnWidth(0) != wanted:
            self.list.setColumnWidth(0, wanted)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_column()

    def _on_follow(self, on: bool) -> None:
        if on:
            self.list.scrollToBottom()

    def _on_scrolled(self, value: int) -> None:
        self._fit_column()
        # Scrolling up pauses following; back at the bottom resumes it.
        at_bottom = value >= self.list.verticalScrollBar().maximum()
        if self.follow.isChecked() != at_bottom and self.list.isVisible():
            self.follow.blockSignals(True)
            self.follow.setChecked(at_bottom)
            self.follow.blockSignals(False)

    def focus_main(self) -> None:
        """Shown as the current tab: the filter has the keys (type to narrow the log;
        Tab reaches the list)."""
        self.search.setFocus(Qt.FocusReason.OtherFocusReason)

    def _on_restart(self) -> None:
        self.banner.clear_message()
        self.restart_requested.emit(self.server.name)

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
                actions=True,
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
            self.banner.show_message(text, "error", actions=True)
        elif status.state == "crash-loop":
            self.banner.show_message(
                f"{self.server.name} crashed repeatedly; asgideck stopped restarting it."
                + (f"\n\n{status.error}" if status.error else ""),
                "error",
                actions=True,
            )
        elif status.state == "starting" and status.diagnosis:
            self.banner.show_message(
                f"{self.server.name} is slow to start: {status.diagnosis}",
                "warning",
                actions=True,
            )
        elif status.state in ("starting", "running"):
            self.banner.clear_message()

    def detach(self) -> None:
        """Stop pulling lines (the server is gone, or the page is closing)."""
        self.timer.stop()
