"""A two-level tree over route entries: groups (tag or path prefix), then routes.

Filtering rebuilds the grouping from the prepared entries in one reset, and only when
the rows shown change. The shape of the tree (rows, columns, parents) lives in
QStandardItemModel's C++ tables: a group is one item whose child table has a row per
route, left empty. QTreeView lays out every row it shows after a reset and asks the
model for each one's index, parent and children; answered in C++, that costs nothing per
route, where a Python ``index``/``rowCount`` cost three Python calls per route per
keystroke (two thirds of a keystroke on GitHub's 1,223 operations). Only ``data`` is
Python, called for the cells painted, and it hands out fonts and brushes made once.
"""

from __future__ import annotations

from collections.abc import Sequence
from operator import is_
from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QSize, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetrics, QStandardItem, QStandardItemModel

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
_DISPLAY = Qt.ItemDataRole.DisplayRole
_SIZE = Qt.ItemDataRole.SizeHintRole
_FONT = Qt.ItemDataRole.FontRole
_FOREGROUND = Qt.ItemDataRole.ForegroundRole
_GROUP_FLAGS = Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsEnabled
ROW_PADDING = 10  # pixels above and below the text of a row together: not cramped


class RoutesModel(QStandardItemModel):
    """Groups at the top level, their routes below; the view must not edit (the empty
    cells of a child table answer the default flags, editable among them)."""

    COLUMNS = ("Method", "Path", "Summary")

    def __init__(self) -> None:
        super().__init__(0, len(self.COLUMNS))
        self._entries: list[RouteEntry] = []
        self._groups: list[tuple[str, list[RouteEntry]]] = []
        self._query = ""
        self._last: tuple[list[str], list[RouteEntry]] = ([], [])  # words, what they matched
        self._by: GroupBy = "tag"
        self._mono = theme.mono_font()
        self._bold = QFont(self._mono)
        self._bold.setBold(True)
        self._row_height = QFontMetrics(self._mono).height() + ROW_PADDING
        # Painting asks for these per cell per frame: made once, handed out as they are.
        self._size = QSize(-1, self._row_height)
        self._fonts = {
            (col, struck): _font(base, struck)
            for col, base in enumerate((self._bold, self._mono, QFont()))
            for struck in (False, True)
        }
        self._group_font = QFont()
        self._group_font.setBold(True)
        self._brushes: dict[str, QBrush] = {}

    # -- content
    def set_entries(self, entries: Sequence[RouteEntry]) -> None:
        self._entries = list(entries)
        self._regroup(force=True)

    def set_filter(self, query: str) -> bool:
        """Show the entries matching ``query``; False when the rows shown stay exactly the
        same (no reset: the view keeps its layout, the costly part of a keystroke)."""
        self._query = query
        return self._regroup()

    def set_group_by(self, by: GroupBy) -> None:
        self._by = by
        self._regroup(force=True)

    def _matching(self) -> list[RouteEntry]:
        """filter_entries over all entries, or over the last result when the query only
        narrows it (each earlier word still inside its successor: "rep" -> "repo pu")."""
        words = self._query.lower().split()
        last, matched = self._last
        narrows = bool(last) and len(words) >= len(last) and all(map(str.__contains__, words, last))
        found = filter_entries(matched if narrows else self._entries, self._query)
        self._last = (words, found)
        return found

    def _regroup(self, *, force: bool = False) -> bool:
        if force:
            self._last = ([], [])
        groups = group_entries(self._matching(), self._by)
        if not force and _same_groups(groups, self._groups):
            return False
        self.beginResetModel()
        self.blockSignals(True)  # one reset, not a signal per row removed and inserted
        try:
            self.setRowCount(0)
            self.setRowCount(len(groups))
            for row, (_name, entries) in enumerate(groups):
                item = QStandardItem()
                item.setFlags(_GROUP_FLAGS)
                item.setColumnCount(len(self.COLUMNS))
                item.setRowCount(len(entries))
                self.setItem(row, 0, item)
        finally:
            self.blockSignals(False)
        self._groups = groups
        self.endResetModel()
        return True

    @property
    def shown(self) -> int:
        """Routes shown, each counted once even when listed under several tags."""
        return len({id(e) for _, entries in self._groups for e in entries})

    def entry(self, index: Index) -> RouteEntry | None:
        if not index.isValid():
            return None
        parent = index.parent()
        if not parent.isValid() or not 0 <= parent.row() < len(self._groups):
            return None
        group = self._groups[parent.row()][1]
        return group[index.row()] if 0 <= index.row() < len(group) else None

    def longest_path(self, limit: int = 2_000) -> str:
        """The longest path shown (of the first ``limit`` routes: sizing stays cheap)."""
        paths = (e.path for _, entries in self._groups for e in entries[:limit])
        return max(paths, key=len, default="")

    def group_names(self) -> list[str]:
        return [name for name, _ in self._groups]

    # -- what the tree shows
    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        return column_title(self.COLUMNS, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        parent = index.parent()
        if not parent.isValid():
            return self._group_data(index, role)
        group = parent.row()
        if not 0 <= group < len(self._groups):
            return None
        entries = self._groups[group][1]
        row = index.row()
        if not 0 <= row < len(entries):
            return None
        entry = entries[row]
        col = index.column()
        if role == _DISPLAY:
            return (entry.method, entry.path, entry.summary or entry.name)[col]
        if role == _SIZE:
            return self._size
        if role == _FONT:
            return self._fonts[(col, entry.deprecated)]
        if role == _FOREGROUND:
            return self._brush(entry.method) if col == 0 else None
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

    def _brush(self, method: str) -> QBrush:
        brush = self._brushes.get(method)
        if brush is None:
            brush = QBrush(QColor(METHOD_COLOURS.get(method, "#6b7280")))
            self._brushes[method] = brush
        return brush

    def _group_data(self, index: Index, role: int) -> Any:
        if not 0 <= index.row() < len(self._groups):
            return None
        name, entries = self._groups[index.row()]
        if role == _DISPLAY and index.column() == 0:
            return f"{name}  ({len(entries)})"
        if role == _SIZE:
            return self._size
        if role == _FONT and index.column() == 0:
            return self._group_font
        return None


def _same_groups(
    a: list[tuple[str, list[RouteEntry]]], b: list[tuple[str, list[RouteEntry]]]
) -> bool:
    """The same groups holding the very same entries, in the same order."""
    return len(a) == len(b) and all(
        name_a == name_b and len(rows_a) == len(rows_b) and all(map(is_, rows_a, rows_b))
        for (name_a, rows_a), (name_b, rows_b) in zip(a, b, strict=True)
    )


def _font(base: QFont, struck: bool) -> QFont:
    font = QFont(base)
    font.setStrikeOut(struck)
    return font
