"""Item models of the Try tab: params tables, response headers, history, WebSocket log.

Each is a :class:`~asgideck.gui.core.table_models.TableModel` (``data()`` never
raises, Anki's rule) and every model passes Qt's model tester.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from asgideck.gui.core import theme
from asgideck.gui.core.table_models import TableModel
from asgideck.runtime.client import HistoryEntry, WsMessage, size_text
from asgideck.runtime.workbench import Field

Index = QModelIndex | QPersistentModelIndex
DISPLAY = Qt.ItemDataRole.DisplayRole
EDIT = Qt.ItemDataRole.EditRole


def status_colour(status: int | None) -> str | None:
    """The severity colour of an HTTP status class (2xx ok ... 5xx error)."""
    if status is None:
        return theme.SEVERITY_COLOURS["error"]
    if status >= 500:
        return theme.SEVERITY_COLOURS["error"]
    if status >= 400:
        return theme.SEVERITY_COLOURS["warning"]
    if status >= 300:
        return theme.SEVERITY_COLOURS["info"]
    if status >= 200:
        return theme.SEVERITY_COLOURS["ok"]
    return None


class ParamsModel(TableModel[Field]):
    """Editable rows of name/value with a "send" checkbox; required rows are marked ``*``.

    Typing a value into an unticked row ticks it: what you fill in is what is sent.
    A :class:`Field` is mutable, so rows are copied on the way in and out: only
    ``setData`` changes them, and every change is announced.
    """

    COLUMNS = ("", "Name", "Value", "Description")
    SEND, NAME, VALUE, DESCRIPTION = range(4)

    def __init__(self, *, value_hint: str = "") -> None:
        super().__init__()
        self.value_hint = value_hint

    def set_rows(self, rows: Iterable[Field]) -> None:
        super().set_rows(replace(row) for row in rows)

    def rows(self) -> list[Field]:
        return [replace(row) for row in self._rows]

    def row(self, row: int) -> Field | None:
        return replace(self._rows[row]) if 0 <= row < len(self._rows) else None

    def add_row(self, name: str = "", value: str = "") -> int:
        self.append_rows([Field(name, value)])
        return len(self._rows) - 1

    def remove_row(self, row: int) -> bool:
        if 0 <= row < len(self._rows) and self._rows[row].required:
            return False  # required rows stay: untick them instead
        return super().remove_row(row)

    def set_value(self, name: str, value: str) -> bool:
        """Fill the first row called ``name`` (ticking it); False when there is none."""
        for row, item in enumerate(self._rows):
            if item.name == name:
                return self.setData(self.index(row, self.VALUE), value)
        return False

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        base = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        column = index.column()
        if column == self.SEND:
            return base | Qt.ItemFlag.ItemIsUserCheckable
        if column == self.VALUE or (column == self.NAME and not self._rows[index.row()].required):
            return base | Qt.ItemFlag.ItemIsEditable
        return base

    def cell(self, item: Field, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.CheckStateRole and column == self.SEND:
            return Qt.CheckState.Checked if item.enabled else Qt.CheckState.Unchecked
        if role in (DISPLAY, EDIT):
            if column == self.NAME:
                return item.name + (" *" if item.required and role == DISPLAY else "")
            if column == self.VALUE:
                return item.value
            if column == self.DESCRIPTION:
                return item.description
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            tip = "Required: must be filled in to send." if item.required else ""
            if column == self.SEND:
                return "Send this row (unticked rows are kept but not sent)"
            if column == self.VALUE and self.value_hint:
                return self.value_hint
            return " ".join(t for t in (tip, item.description) if t) or None
        if role == Qt.ItemDataRole.FontRole and column == self.NAME and item.required:
            font = QFont()
            font.setBold(True)
            return font
        missing = item.required and item.enabled and item.value == ""
        if role == Qt.ItemDataRole.ForegroundRole and column == self.NAME and missing:
            return QBrush(QColor(theme.SEVERITY_COLOURS["error"]))
        return None

    def setData(self, index: Index, value: Any, role: int = EDIT) -> bool:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return False
        item = self._rows[index.row()]
        column = index.column()
        first, last = self.index(index.row(), self.SEND), self.index(index.row(), self.DESCRIPTION)
        if column == self.SEND and role == Qt.ItemDataRole.CheckStateRole:
            item.enabled = Qt.CheckState(value) == Qt.CheckState.Checked
        elif column == self.NAME and role == EDIT and not item.required:
            item.name = str(value).strip()
        elif column == self.VALUE and role == EDIT:
            item.value = str(value)
            item.enabled = item.enabled or item.value != ""
        else:
            return False
        self.dataChanged.emit(first, last)
        return True


class PairsModel(TableModel[tuple[str, str]]):
    """Read-only name/value rows (response headers)."""

    COLUMNS = ("Name", "Value")

    def cell(self, row: tuple[str, str], column: int, role: int) -> Any:
        return row[column] if role in (DISPLAY, Qt.ItemDataRole.ToolTipRole) else None


def origin(url: str) -> str:
    """``scheme://host:port`` of a URL: the server a history entry went to."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class HistoryModel(TableModel[HistoryEntry]):
    """History entries, newest first: when, method, URL, server, status, time, size.

    The Server column names the server an entry went to, from the base URLs the Try
    view knows (:meth:`set_server_names`); an address nobody named shows as host:port.
    """

    COLUMNS = ("When", "Method", "URL", "Server", "Status", "Time", "Size")
    WHEN, METHOD, URL, SERVER, STATUS, TIME, SIZE = range(7)

    def __init__(self) -> None:
        super().__init__()
        self._servers: dict[str, str] = {}
        # What each cell answered, by (row, column, role): the table repaints the whole
        # page whenever the Try tab lays out (every Send), asking ~10 roles per cell, and
        # the entries only change through the signals below, which drop the cache.
        self._cells: dict[tuple[int, int, int], Any] = {}
        for signal in (
            self.modelAboutToBeReset,
            self.modelReset,
            self.rowsInserted,
            self.rowsRemoved,
            self.rowsMoved,
            self.layoutChanged,
            self.dataChanged,
            self.headerDataChanged,
        ):
            signal.connect(self._drop_cells)

    def _drop_cells(self, *_args: object) -> None:
        self._cells.clear()

    def data(self, index: Index, role: int = DISPLAY) -> Any:
        key = (index.row(), index.column(), int(role))
        try:
            return self._cells[key]
        except KeyError:
            value = self._cells[key] = super().data(index, role)
            return value

    def set_server_names(self, names: dict[str, str]) -> None:
        """Base URL (``http://127.0.0.1:8000``) -> server name; the column is redrawn."""
        self._servers = {url.rstrip("/"): name for url, name in names.items()}
        self._cells.clear()
        if self._rows:
            top, bottom = self.index(0, self.SERVER), self.index(len(self._rows) - 1, self.SERVER)
            self.dataChanged.emit(top, bottom)

    def server(self, entry: HistoryEntry) -> str:
        where = origin(entry.url)
        return self._servers.get(where) or urlsplit(entry.url).netloc

    def cell(self, entry: HistoryEntry, column: int, role: int) -> Any:
        if role == DISPLAY:
            return self._display(entry, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            when = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(entry.created))
            server = self.server(entry)
            head = f"{entry.method} {entry.url}" + (f"  ({server})" if server else "")
            if entry.error:
                return f"{head}\n{when} · {entry.error}"
            parts = [when, f"{entry.status} {entry.reason}".strip()]
            parts += [p for p in (self._display(entry, c) for c in (self.TIME, self.SIZE)) if p]
            return f"{head}\n" + " · ".join(parts)
        if role == Qt.ItemDataRole.ForegroundRole and column == self.STATUS:
            colour = status_colour(entry.status)
            return QBrush(QColor(colour)) if colour else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (self.TIME, self.SIZE):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def _display(self, entry: HistoryEntry, column: int) -> Any:
        if column == self.WHEN:
            return time.strftime("%H:%M:%S", time.localtime(entry.created))
        if column == self.METHOD:
            return entry.method
        if column == self.URL:  # the path: the server's address is in the tooltip
            parts = urlsplit(entry.url)
            return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if column == self.SERVER:
            return self.server(entry)
        if column == self.STATUS:
            return str(entry.status) if entry.status is not None else "error"
        if column == self.TIME:
            return f"{entry.elapsed_s * 1000:.0f} ms" if entry.elapsed_s is not None else ""
        if column == self.SIZE:
            return size_text(entry.size) if entry.size is not None else ""
        return None


_ARROWS = {"sent": "→", "received": "←", "event": "•"}
#: Out and in in two colours (readable on light and dark), the arrows drawn large.
WS_COLOURS = {"sent": "#ea580c", "received": theme.SEVERITY_COLOURS["ok"]}
ARROW_SCALE = 1.8


def arrow_font(base: QFont | None = None) -> QFont:
    """The WebSocket log's direction arrows: bold and ARROW_SCALE times the text's size."""
    font = QFont(base) if base is not None else QFont()
    size = font.pointSizeF()
    if size > 0:
        font.setPointSizeF(size * ARROW_SCALE)
    else:
        font.setPixelSize(round(font.pixelSize() * ARROW_SCALE))
    font.setBold(True)
    return font


class WsLogModel(TableModel[WsMessage]):
    """The WebSocket message log, filtered by text and direction, bounded to ``limit`` rows."""

    COLUMNS = ("Time", "", "Message")
    TIME, DIRECTION, TEXT = range(3)

    def __init__(self, limit: int = 10_000) -> None:
        super().__init__()
        self.limit = limit
        self._all: deque[WsMessage] = deque(maxlen=limit)
        self._text = ""
        self._direction: str | None = None
        self.arrow_font = arrow_font()  # the log view sets it from its own font

    @property
    def last_seq(self) -> int:
        return self._all[-1].seq if self._all else 0

    def _keep(self, message: WsMessage) -> bool:
        if self._direction is not None and message.direction != self._direction:
            return False
        return self._text in message.text.lower()

    def append(self, messages: Sequence[WsMessage]) -> int:
        """Add a batch (one insert for all); returns how many rows became visible."""
        if not messages:
            return 0
        self._all.extend(messages)
        shown = [m for m in messages if self._keep(m)]
        overflow = len(self._rows) + len(shown) - self.limit
        if overflow > 0:
            drop = min(overflow, len(self._rows))
            if drop:
                self.beginRemoveRows(QModelIndex(), 0, drop - 1)
                del self._rows[:drop]
                self.endRemoveRows()
            shown = shown[-self.limit :]
        self.append_rows(shown)
        return len(shown)

    def set_filter(self, text: str = "", direction: str | None = None) -> None:
        self._text, self._direction = text.lower(), direction
        self.set_rows(m for m in self._all if self._keep(m))

    def clear(self) -> None:
        self._all.clear()
        self.set_rows(())

    def cell(self, message: WsMessage, column: int, role: int) -> Any:
        if role == DISPLAY:
            if column == self.TIME:
                stamp = time.strftime("%H:%M:%S", time.localtime(message.time))
                return f"{stamp}.{int(message.time * 1000) % 1000:03d}"
            if column == self.DIRECTION:
                return _ARROWS.get(message.direction, "")
            if column == self.TEXT:
                return message.text if len(message.text) <= 2000 else message.text[:2000] + " …"
            return None
        if role == Qt.ItemDataRole.ToolTipRole and column == self.DIRECTION:
            return message.direction
        if role == Qt.ItemDataRole.ForegroundRole:
            if message.direction == "event":
                return QBrush(QColor(theme.SEVERITY_COLOURS["info"]))
            if column == self.DIRECTION and message.direction in WS_COLOURS:
                return QBrush(QColor(WS_COLOURS[message.direction]))
        if column == self.DIRECTION:
            if role == Qt.ItemDataRole.FontRole:
                return self.arrow_font
            if role == Qt.ItemDataRole.TextAlignmentRole:
                return int(Qt.AlignmentFlag.AlignCenter)
        return None
