"""A two-level tree over route entries: groups (tag or path prefix), then routes.

Filtering rebuilds the grouping from the prepared entries in one reset, which keeps
each keystroke cheap even with thousands of operations.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics

from asgideck.gui.core import theme
from asgideck.gui.core.table_models import column_title
from asgideck.runtime.inspect import GroupBy, RouteEntry, filter_entries, group_entries

Index = QModelIndex | QPersistentModelIndex
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 1
METHOD_COLOURS = {
    "GET": "#2563eb",
    "POST": "#16a34a",
    "PUT": "#d97706",
    "PATCH": "#0891b2",
    "DELETE": "#dc2626",
    "WS": "#7c3aed",
    "MOUNT": "#6b7280",
}
_GROUP = 0  # internalId of group rows; a route row stores its group's row + 1
ROW_PADDING = 10  # pixels above and below the text of a row together: not cramped


class RoutesModel(QAbstractItemModel):
    COLUMNS = ("Method", "Path", "Summary")

    def __init__(self) -> None:
        super().__init__()
        self._entries: list[RouteEntry] = []
        self._groups: list[tuple[str, list[RouteEntry]]] = []
        self._query = ""
        self._by: GroupBy = "tag"
        self._mono = theme.mono_font()
        self._bold = QFont(self._mono)
        self._bold.setBold(True)
        self._row_height = QFontMetrics(self._mono).height() + ROW_PADDING

    # -- content
    def set_entries(self, entries: Sequence[RouteEntry]) -> None:
        self._entries = list(entries)
        self._regroup()

    def set_filter(self, query: str) -> None:
        self._query = query
        self._regroup()

    def set_group_by(self, by: GroupBy) -> None:
        self._by = by
        self._regroup()

    def _regroup(self) -> None:
        self.beginResetModel()
        self._groups = group_entries(filter_entries(self._entries, self._query), self._by)
        self.endResetModel()

    @property
    def shown(self) -> int:
        """Routes shown, each counted once even when listed under several tags."""
        return len({id(e) for _, entries in self._groups for e in entries})

    def entry(self, index: Index) -> RouteEntry | None:
        if not index.isValid() or index.internalId() == _GROUP:
            return None
        group = self._groups[index.internalId() - 1][1]
        return group[index.row()] if 0 <= index.row() < len(group) else None

    def longest_path(self, limit: int = 2_000) -> str:
        """The longest path shown (of the first ``limit`` routes: sizing stays cheap)."""
        paths = (e.path for _, entries in self._groups for e in entries[:limit])
        return max(paths, key=len, default="")

    def group_names(self) -> list[str]:
        return [name for name, _ in self._groups]

    # -- tree plumbing
    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        if column < 0 or column >= len(self.COLUMNS) or row < 0:
            return QModelIndex()
        if not parent.isValid():
            return (
                self.createIndex(row, column, _GROUP) if row < len(self._groups) else QModelIndex()
            )
        if parent.internalId() != _GROUP or parent.row() >= len(self._groups):
            return QModelIndex()
        if row >= len(self._groups[parent.row()][1]):
            return QModelIndex()
        return self.createIndex(row, column, parent.row() + 1)

    def parent(self, index: Index = QModelIndex()) -> QModelIndex:  # type: ignore[override]  # noqa: B008
        if not index.isValid() or index.internalId() == _GROUP:
            return QModelIndex()
        return self.createIndex(index.internalId() - 1, 0, _GROUP)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if not parent.isValid():
            return len(self._groups)
        if parent.internalId() == _GROUP and parent.column() == 0:
            return len(self._groups[parent.row()][1])
        return 0

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return len(self.COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if index.internalId() == _GROUP:
            return self._group_data(index, role)
        entry = self.entry(index)
        if entry is None:
            return None
        col = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return (entry.method, entry.path, entry.summary or entry.name)[col]
        if role == Qt.ItemDataRole.ForegroundRole and col == 0:
            return QBrush(QColor(METHOD_COLOURS.get(entry.method, "#6b7280")))
        if role == Qt.ItemDataRole.FontRole:
            font = QFont(self._bold if col == 0 else self._mono if col == 1 else QFont())
            font.setStrikeOut(entry.deprecated)
            return font
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(-1, self._row_height)
        if role == Qt.ItemDataRole.ToolTipRole:
            notes = []
            if entry.deprecated:
                notes.append("deprecated")
            if entry.kind == "websocket":
                notes.append("WebSocket route (not in OpenAPI)")
            elif entry.kind == "mount":
                notes.append("mounted app")
            elif not entry.in_schema:
                notes.append("left out of the OpenAPI schema")
            tip = f"{entry.method} {entry.path}" + (f" — {', '.join(notes)}" if notes else "")
            summary = entry.summary or entry.name
            return f"{tip}\n{summary}" if summary else tip
        if role == ENTRY_ROLE:
            return entry
        return None

    def _group_data(self, index: Index, role: int) -> Any:
        if not 0 <= index.row() < len(self._groups):
            return None
        name, entries = self._groups[index.row()]
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
            return f"{name}  ({len(entries)})"
        if role == Qt.ItemDataRole.SizeHintRole:
            return QSize(-1, self._row_height)
        if role == Qt.ItemDataRole.FontRole and index.column() == 0:
            font = QFont()
            font.setBold(True)
            return font
        return None
