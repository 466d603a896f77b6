"""The history list: searchable, newest first; restore a request or send it again.

The panel only shows entries and says what the user picked; the Try view runs
the SQLite queries off the GUI thread and re-applies the current credentials.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal, SignalInstance
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QStyle,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.widgets import muted, section_title
from asgideck.gui.tabs.workbench.models import HistoryModel
from asgideck.runtime.client import HistoryEntry

SEARCH_DELAY_MS = 200
HIDDEN = (HistoryModel.WHEN, HistoryModel.TIME, HistoryModel.SIZE)  # shown in the row's tooltip
URL_ROOM = "/api/v1/item"  # the URL column keeps at least this much room
SERVER_ROOM = "development"  # the Server column grows to about this, then names are elided


class HistoryPanel(QWidget):
    search_changed = Signal(str)
    restore_requested = Signal(object)  # HistoryEntry
    resend_requested = Signal(object)  # HistoryEntry
    delete_requested = Signal(object)  # HistoryEntry

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = HistoryModel()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search history…  (Ctrl+Shift+F)")
        self.search.setClearButtonEnabled(True)
        self.search.addAction(theme.icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.view = QTableView()
        self.view.setObjectName("HistoryTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.view.verticalHeader().hide()
        self.view.setWordWrap(False)
        self.view.setShowGrid(False)
        self.view.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # /api/…/items/{id}
        header = self.view.horizontalHeader()
        for column in range(self.model.columnCount()):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(HistoryModel.URL, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(HistoryModel.SERVER, QHeaderView.ResizeMode.Fixed)
        for column in HIDDEN:  # in the tooltip; the panel is narrow
            self.view.setColumnHidden(column, True)
        # No section narrower than its title ("URL" squeezed read as "JRI"), and room for a
        # readable path beside the other columns (the panel scrolls below that).
        header.setMinimumSectionSize(header.sectionSizeHint(HistoryModel.URL))
        shown = (c for c in range(self.model.columnCount()) if c not in (*HIDDEN, HistoryModel.URL))
        metrics = self.view.fontMetrics()
        self.view.setMinimumWidth(
            sum(header.sectionSizeHint(c) for c in shown)
            + metrics.horizontalAdvance(URL_ROOM)
            + self.view.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent)
            + 2 * self.view.frameWidth()
        )
        self.view.viewport().installEventFilter(self)  # resized: share the width again
        self.model.dataChanged.connect(lambda *_args: self._fit_columns())
        self.view.doubleClicked.connect(lambda _index: self._emit(self.restore_requested))
        self.restore_button = self._tool("edit", "Open in the composer (Enter)")
        self.restore_button.clicked.connect(lambda: self._emit(self.restore_requested))
        self.resend_button = self._tool(
            "send", "Send again with the current credentials (Shift+Enter)"
        )
        self.resend_button.clicked.connect(lambda: self._emit(self.resend_requested))
        self.delete_button = self._tool("minus", "Delete this entry (Delete)")
        self.delete_button.clicked.connect(lambda: self._emit(self.delete_requested))
        self.count = muted("")
        bar = QHBoxLayout()
        bar.addWidget(section_title("History"))
        bar.addStretch(1)
        for button in (self.restore_button, self.resend_button, self.delete_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.search)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.count)

        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(lambda: self.search_changed.emit(self.search.text()))
        self.search.textChanged.connect(self._timer.start)
        for keys, signal in (
            ("Return", self.restore_requested),
            ("Enter", self.restore_requested),
            # Shift+Enter, not Ctrl+R: the window's Start server owns Ctrl+R everywhere.
            ("Shift+Return", self.resend_requested),
            ("Shift+Enter", self.resend_requested),
            ("Delete", self.delete_requested),
        ):
            shortcut = QShortcut(QKeySequence(keys), self.view)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda signal=signal: self._emit(signal))

    def _tool(self, icon: str, tip: str) -> QToolButton:
        button = QToolButton()
        button.setIcon(theme.icon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    def _emit(self, signal: SignalInstance) -> None:
        entry = self.selected_entry()
        if entry is not None:
            signal.emit(entry)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.view.viewport() and event.type() == QEvent.Type.Resize:
            self._fit_columns()
        return super().eventFilter(watched, event)

    def _fit_columns(self) -> None:
        """The Server column takes what its names need (up to about "development"), but
        never the URL's room: the path is what tells entries apart."""
        header = self.view.horizontalHeader()
        metrics = self.view.fontMetrics()
        least = header.sectionSizeHint(HistoryModel.SERVER)
        most = metrics.horizontalAdvance(SERVER_ROOM) + least - metrics.horizontalAdvance("Server")
        wanted = min(max(self.view.sizeHintForColumn(HistoryModel.SERVER), least), most)
        others = sum(header.sectionSize(c) for c in (HistoryModel.METHOD, HistoryModel.STATUS))
        spare = self.view.viewport().width() - others - metrics.horizontalAdvance(URL_ROOM)
        header.resizeSection(HistoryModel.SERVER, max(least, min(wanted, spare)))

    def set_entries(self, entries: list[HistoryEntry], error: str | None = None) -> None:
        selected = self.selected_entry()
        self.model.set_rows(entries)
        self._fit_columns()
        if selected is not None:
            self.select_id(selected.id)
        if error:
            self.count.setText(error)
        else:
            query = self.search.text().strip()
            matching = f" matching {query!r}" if query else ""
            self.count.setText(
                f"{len(entries)} request{'s' if len(entries) != 1 else ''}{matching}"
            )

    def selected_entry(self) -> HistoryEntry | None:
        index = self.view.currentIndex()
        return self.model.row(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        self.view.selectRow(row)
        self.view.setCurrentIndex(self.model.index(row, 0))

    def select_id(self, entry_id: int) -> None:
        for row in range(self.model.rowCount()):
            entry = self.model.row(row)
            if entry is not None and entry.id == entry_id:
                self.select_row(row)
                return

    def focus_search(self) -> None:
        self.search.setFocus()
        self.search.selectAll()
