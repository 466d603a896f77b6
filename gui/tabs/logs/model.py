"""A virtual list over a ``LogBuffer``: rows are sequence numbers, text is fetched
only for the rows Qt paints. ``refresh()`` (called by a timer) applies whatever
arrived since the last call as one insert, never one call per line."""

from __future__ import annotations

import functools
import re
from array import array
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QAbstractListModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont

from asgideck.gui.core import theme
from asgideck.runtime.logs import LogBuffer, LogLine

Index = QModelIndex | QPersistentModelIndex
LEVELS = ("TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
RANK = {name: rank for rank, name in enumerate(LEVELS)}
LEVEL_COLOURS = {
    "ERROR": "#dc2626",
    "CRITICAL": "#dc2626",
    "WARNING": "#d97706",
    "DEBUG": "#8b8d93",
}
STATUS_COLOURS = {"2": "#16a34a", "3": "#0891b2", "4": "#d97706", "5": "#dc2626"}
SEQ_ROLE = Qt.ItemDataRole.UserRole + 1
_LINE_ROLES = frozenset(
    {
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        SEQ_ROLE,
    }
)
TOOLTIP_MIN_CHARS = 60  # shorter lines are read at a glance: no tooltip in the way
TOOLTIP_WIDTH = 120  # characters per tooltip line: a long log line shown whole, wrapped
TOOLTIP_MAX_CHARS = 16_384  # the buffer's own cap on a line (LogBuffer.max_line_chars)


@dataclass(frozen=True)
class LogFilter:
    """What the user narrowed the log to; an empty filter shows everything."""

    text: str = ""
    regex: bool = False
    min_level: str = ""  # "" = any; else one of LEVELS
    status: str = ""  # "" = any; "2xx".."5xx"; "errors" = 4xx and 5xx

    @property
    def empty(self) -> bool:
        return not (self.text or self.min_level or self.status)

    def compile(self) -> re.Pattern[str] | None:
        """The text pattern; raises re.error for a bad regex (the view shows it)."""
        if not self.text:
            return None
        return re.compile(self.text if self.regex else re.escape(self.text), re.IGNORECASE)


class _Matcher:
    def __init__(self, spec: LogFilter) -> None:
        self.pattern = spec.compile()
        self.min_rank = RANK.get(spec.min_level, -1) if spec.min_level else -1
        self.status = spec.status

    def __call__(self, line: LogLine) -> bool:
        if self.pattern is not None and not self.pattern.search(line.text):
            return False
        if self.min_rank >= 0:
            level = line.level
            if level is None or RANK.get(level, -1) < self.min_rank:
                return False
        if self.status:
            access = line.access
            if access is None:
                return False
            first = str(access.status)[0]
            if self.status == "errors":
                return first in "45"
            return first == self.status[0]
        return True


class LogModel(QAbstractListModel):
    def __init__(self, buffer: LogBuffer) -> None:
        super().__init__()
        self.buffer = buffer
        self._filter = LogFilter()
        self._matcher: _Matcher | None = None
        self._first = 1  # unfiltered: seq of row 0
        self._count = 0
        self._seqs = array("q")  # filtered: the matching seqs
        self._seen = 0  # newest seq looked at
        self._mono = theme.mono_font()

    # -- the filter
    def set_filter(self, spec: LogFilter) -> None:
        """Apply ``spec``; raises re.error (and keeps the old filter) for a bad regex."""
        matcher = None if spec.empty else _Matcher(spec)
        self.beginResetModel()
        self._filter, self._matcher = spec, matcher
        self._seqs = array("q")
        first, last = self.buffer.bounds()
        if matcher is None:
            self._first, self._count = first, max(0, last - first + 1)
        else:
            self._seqs.extend(line.seq for line in self.buffer.since(first - 1) if matcher(line))
        self._seen = last
        self.endResetModel()

    @property
    def pattern(self) -> re.Pattern[str] | None:
        """The text filter's pattern (the view highlights its matches), if any."""
        return self._matcher.pattern if self._matcher is not None else None

    # -- following the buffer
    def refresh(self) -> int:
        """Take in what arrived since the last call; returns the number of new rows."""
        first, last = self.buffer.bounds()
        if last < self._seen:  # the buffer was cleared
            self.set_filter(self._filter)
            return self.rowCount()
        if self._matcher is None:
            return self._refresh_plain(first, last)
        return self._refresh_filtered(first, last)

    def _refresh_plain(self, first: int, last: int) -> int:
        dropped = min(max(0, first - self._first), self._count)
        pending = last - max(self._seen, first - 1)
        if dropped and dropped + pending > self._count // 2:
            self.beginResetModel()  # most rows changed: a reset is cheaper than moves
            self._first, self._count = first, max(0, last - first + 1)
            self._seen = last
            self.endResetModel()
            return pending
        if dropped:
            self.beginRemoveRows(QModelIndex(), 0, dropped - 1)
            self._first += dropped
            self._count -= dropped
            self.endRemoveRows()
        if self._count == 0:
            self._first = max(first, self._seen + 1)
        added = last - (self._first + self._count - 1)
        self._seen = last
        if added > 0:
            self.beginInsertRows(QModelIndex(), self._count, self._count + added - 1)
            self._count += added
            self.endInsertRows()
        return max(0, added)

    def _refresh_filtered(self, first: int, last: int) -> int:
        assert self._matcher is not None
        stale = 0
        while stale < len(self._seqs) and self._seqs[stale] < first:
            stale += 1
        if stale:
            self.beginRemoveRows(QModelIndex(), 0, stale - 1)
            del self._seqs[:stale]
            self.endRemoveRows()
        matcher = self._matcher
        fresh = [line.seq for line in self.buffer.since(self._seen) if matcher(line)]
        self._seen = last
        if fresh:
            start = len(self._seqs)
            self.beginInsertRows(QModelIndex(), start, start + len(fresh) - 1)
            self._seqs.extend(fresh)
            self.endInsertRows()
        return len(fresh)

    def clear(self) -> None:
        self.buffer.clear()
        self.set_filter(self._filter)

    # -- rows
    def seq_at(self, row: int) -> int | None:
        if self._matcher is None:
            return self._first + row if 0 <= row < self._count else None
        return self._seqs[row] if 0 <= row < len(self._seqs) else None

    def line_at(self, row: int) -> LogLine | None:
        seq = self.seq_at(row)
        return self.buffer.get(seq) if seq is not None else None

    def visible_lines(self) -> list[LogLine]:
        """Every line the filter lets through (for export and copy-all)."""
        if self._matcher is None:
            return self.buffer.range(self._first, self._first + self._count)
        wanted = set(self._seqs)
        return [line for line in self.buffer.since(0) if line.seq in wanted]

    @property
    def mono(self) -> QFont:
        """The rows' font (FontRole)."""
        return self._mono

    @staticmethod
    def foreground(line: LogLine) -> QBrush | None:
        """A line's colour (ForegroundRole), for the delegate's paint without data()."""
        return _colour(line)

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        if parent.isValid():
            return 0
        return self._count if self._matcher is None else len(self._seqs)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.FontRole:
            return self._mono
        if role not in _LINE_ROLES:  # a painted row is asked ~8 roles: fetch for these only
            return None
        line = self.line_at(index.row())
        if line is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return line.text
        if role == Qt.ItemDataRole.ForegroundRole:
            return _colour(line)
        if role == Qt.ItemDataRole.ToolTipRole:
            return tooltip(line.text) if len(line.text) > TOOLTIP_MIN_CHARS else None
        if role == SEQ_ROLE:
            return line.seq
        return None


def tooltip(text: str) -> str:
    """The whole line, cut into rows of TOOLTIP_WIDTH characters (a tooltip does not
    wrap plain text by itself and would run off the screen)."""
    text = text[:TOOLTIP_MAX_CHARS]
    return "\n".join(text[i : i + TOOLTIP_WIDTH] for i in range(0, len(text), TOOLTIP_WIDTH))


def _colour(line: LogLine) -> QBrush | None:
    if line.stream == "event":
        return _brush(theme.ACCENT)
    access = line.access
    if access is not None:
        return _brush(STATUS_COLOURS.get(str(access.status)[0], ""))
    colour = LEVEL_COLOURS.get(line.level or "")
    return _brush(colour) if colour else None


@functools.cache
def _brush(colour: str) -> QBrush:
    """One brush per colour, made once (a few colours, asked for on every painted row)."""
    return QBrush(QColor(colour))
