"""The recorded requests as a table: time, method, path, status, duration, SQL, size.

The model keeps every record it was given (up to ``keep``, oldest dropped first) and
shows those its :class:`RequestFilter` matches, oldest at the top like a Network panel.
New records arrive as one batch per poll: one insert, never one call per record.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor

from asgideck.gui.core.table_models import TableModel
from asgideck.runtime.recording import RequestFilter, RequestRecord

KEEP = 2000
_NO_INDEX = QModelIndex()
_RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
_STATUS_COLOURS = {"3xx": "#2a7ab0", "4xx": "#c77c02", "5xx": "#d0342c", "—": "#d0342c"}


def clock(start: float) -> str:
    """Local wall-clock time with milliseconds: requests a second apart still differ."""
    moment = datetime.fromtimestamp(start)
    return moment.strftime("%H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def size_text(size: int) -> str:
    if size < 1000:
        return f"{size} B"
    if size < 1_000_000:
        return f"{size / 1000:.1f} kB"
    return f"{size / 1_000_000:.1f} MB"


def duration_text(ms: float) -> str:
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:,.0f} ms"


class RequestsModel(TableModel[RequestRecord]):
    COLUMNS = ("Time", "Method", "Path", "Status", "Duration", "SQL", "Size")
    TIME, METHOD, PATH, STATUS, DURATION, SQL, SIZE = range(7)

    def __init__(self, keep: int = KEEP) -> None:
        super().__init__()
        self.keep = keep
        self._all: list[RequestRecord] = []
        self._filter = RequestFilter()
        self._n_plus_one: dict[str, bool] = {}  # by id: painting never recounts statements
        #: asgideck's own requests (its OpenAPI fetches) left out of the list
        self.internal = 0

    # -- what is kept and shown
    @property
    def filter(self) -> RequestFilter:
        return self._filter

    @property
    def total(self) -> int:
        """Records kept, shown or not."""
        return len(self._all)

    def set_records(self, records: Iterable[RequestRecord]) -> None:
        """Everything again (another server, or a fresh read): one reset."""
        kept = list(records)
        mine = [r for r in kept if not r.internal]
        self.internal = len(kept) - len(mine)
        self._all = mine[-self.keep :]
        self._n_plus_one.clear()
        self.set_rows(r for r in self._all if self._filter.matches(r))

    def add_records(self, records: Sequence[RequestRecord]) -> None:
        """A poll's batch: appended in one insert; the oldest beyond ``keep`` leave in one
        remove."""
        mine = [r for r in records if not r.internal]
        self.internal += len(records) - len(mine)
        records = mine
        if not records:
            return
        self._all.extend(records)
        excess = len(self._all) - self.keep
        if excess > 0:
            gone = {r.id for r in self._all[:excess]}
            del self._all[:excess]
            for record_id in gone:
                self._n_plus_one.pop(record_id, None)
            leaving = 0
            while leaving < len(self._rows) and self._rows[leaving].id in gone:
                leaving += 1
            if leaving:
                self.beginRemoveRows(_NO_INDEX, 0, leaving - 1)
                del self._rows[:leaving]
                self.endRemoveRows()
        self.append_rows([r for r in records[-self.keep :] if self._filter.matches(r)])

    def set_filter(self, wanted: RequestFilter) -> None:
        if wanted == self._filter:
            return
        self._filter = wanted
        self.set_rows(r for r in self._all if wanted.matches(r))

    def clear(self) -> None:
        self._all = []
        self.internal = 0
        self._n_plus_one.clear()
        self.set_rows([])

    def flagged(self, record: RequestRecord) -> bool:
        """``record.has_n_plus_one``, counted once per record."""
        known = self._n_plus_one.get(record.id)
        if known is None:
            known = self._n_plus_one[record.id] = record.has_n_plus_one
        return known

    def row_of(self, record_id: str) -> int:
        """The row showing ``record_id``, or -1 (filtered out, or gone)."""
        for number in range(len(self._rows) - 1, -1, -1):  # recent ones are asked for most
            if self._rows[number].id == record_id:
                return number
        return -1

    # -- Qt's side
    def cell(self, row: RequestRecord, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.TextAlignmentRole and column in (
            self.STATUS,
            self.DURATION,
            self.SQL,
            self.SIZE,
        ):
            return _RIGHT
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == self.STATUS and row.status_class in _STATUS_COLOURS:
                return QColor(_STATUS_COLOURS[row.status_class])
            if column == self.SQL and self.flagged(row):
                return QColor(_STATUS_COLOURS["4xx"])
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            return self._tip(row, column)
        if role == Qt.ItemDataRole.UserRole:
            return row.id
        return None

    def _text(self, row: RequestRecord, column: int) -> str:
        if column == self.TIME:
            return clock(row.start)
        if column == self.METHOD:
            return row.method if row.type == "http" else "WS"
        if column == self.PATH:
            return f"{row.path}?{row.query}" if row.query else row.path
        if column == self.STATUS:
            return str(row.status) if row.status is not None else "—"
        if column == self.DURATION:
            return duration_text(row.duration_ms)
        if column == self.SQL:
            count = len(row.sql) + row.dropped.get("sql", 0)
            return (f"{count} ⚠" if self.flagged(row) else str(count)) if count else ""
        return size_text(row.response_size)

    def _tip(self, row: RequestRecord, column: int) -> str | None:
        if column == self.PATH:
            return f"route {row.route}" if row.route else "no route matched"
        if column == self.STATUS and row.exception is not None:
            return f"{row.exception.type}: {row.exception.message}"
        if column == self.STATUS and row.status is None:
            return "no response started"
        if column == self.SQL and self.flagged(row):
            shape, times = row.repeated_sql()[0]
            return f"same statement × {times} — likely N+1:\n{shape}"
        if column == self.TIME:
            return f"worker pid {row.pid}"
        return None
