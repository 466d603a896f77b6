"""Server log lines: the bounded ring buffer the reader loop (``_reader``) fills.

Ingestion is the hot path (a chatty server prints hundreds of thousands of
lines a second), so nothing here costs Python work per line on the way in:
chunks are stored in preallocated parallel arrays by slice assignment, and
level / access fields / ANSI spans are parsed (``_parse``) only when a
``LogLine`` is looked at.
"""

from __future__ import annotations

import threading
import time
from array import array
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from asgideck.runtime.logs._parse import (
    ANSI_RE,
    STREAMS,
    AccessFields,
    Span,
    Stream,
    decode_spans,
    parse_access,
    parse_level,
)

__all__ = ["LogBuffer", "LogLine"]

_STREAM_CODE = {name: i for i, name in enumerate(STREAMS)}

# --------------------------------------------------------------------------- lines


class LogLine:
    """One line. ``text`` has ANSI escapes stripped; level/access/spans are parsed on demand."""

    __slots__ = ("_raw", "seq", "stream", "text", "time")

    def __init__(self, seq: int, time: float, stream: Stream, text: str, raw: str | None = None):
        self.seq = seq
        self.time = time
        self.stream: Stream = stream
        self.text = text
        self._raw = raw

    @property
    def raw(self) -> str:
        """The line as printed, ANSI escapes included."""
        return self._raw if self._raw is not None else self.text

    @property
    def level(self) -> str | None:
        if self.stream == "event":  # "asgideck: ERROR: ..." from the supervisor
            return parse_level(self.text.removeprefix("asgideck: "), "stdout") or "INFO"
        return parse_level(self.text, self.stream)

    @property
    def access(self) -> AccessFields | None:
        return parse_access(self.text) if self.stream != "event" else None

    @property
    def spans(self) -> tuple[Span, ...]:
        return decode_spans(self.raw)

    def __repr__(self) -> str:
        return f"LogLine({self.seq}, {self.stream}, {self.text!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LogLine):
            return NotImplemented
        return (self.seq, self.time, self.stream, self.raw) == (
            other.seq,
            other.time,
            other.stream,
            other.raw,
        )

    __hash__ = None  # type: ignore[assignment]


# --------------------------------------------------------------------------- buffer


class LogBuffer:
    """Thread-safe bounded ring of log lines with monotonically increasing ``seq`` (from 1).

    Bounded by ``capacity`` lines and ``max_chars`` characters (oldest lines go
    first); lines longer than ``max_line_chars`` are cut. Writers call
    ``append_text``/``append_many`` once per chunk (one lock acquisition);
    readers poll ``since(seq)`` (the GUI timer) or, for a virtual list,
    ``bounds()`` + ``get(seq)`` for painted rows only.
    """

    def __init__(
        self,
        capacity: int = 100_000,
        *,
        max_chars: int = 64 << 20,
        max_line_chars: int = 16_384,
    ) -> None:
        if capacity < 1:
            raise ValueError(f"capacity: {capacity} must be at least 1")
        self.capacity = capacity
        self.max_chars = max_chars
        self.max_line_chars = max_line_chars
        self._lock = threading.Lock()
        self._text: list[str] = [""] * capacity
        self._time = array("d", bytes(8 * capacity))
        self._stream = bytearray(capacity)
        self._raw: dict[int, str] = {}
        self._raw_order: deque[int] = deque()
        self._total = 0  # seq of the newest line
        self._first = 1  # seq of the oldest retained line
        self._chars = 0
        self._evicted = 0  # lines pushed out by the bounds (not by ``clear``)

    # -- writing

    def append(self, stream: Stream, text: str, when: float | None = None) -> int:
        """Append one line (e.g. an event); returns its seq."""
        return self.append_text(stream, text, when)

    def append_text(self, stream: Stream, text: str, when: float | None = None) -> int:
        """Append a chunk of lines joined by "\\n" (no trailing newline); returns the last seq."""
        lines = text.split("\n")
        # what the lines hold is known from the chunk: no pass over the lines for it
        return self._append(stream, lines, when, "\x1b" in text, len(text) - len(lines) + 1)

    def append_many(self, stream: Stream, lines: Sequence[str], when: float | None = None) -> int:
        """Append lines under one lock acquisition; returns the seq of the last one."""
        return self._append(stream, lines, when, any("\x1b" in line for line in lines))

    def _append(
        self,
        stream: Stream,
        lines: Sequence[str],
        when: float | None,
        escapes: bool,
        chars: int | None = None,
    ) -> int:
        """``chars``: the lines' total length when the caller knows it (None: counted)."""
        n = len(lines)
        if n == 0:
            return self._total
        if when is None:
            when = time.time()
        code = _STREAM_CODE[stream]
        raw_lines: Sequence[str] | None = None
        if escapes:
            raw_lines = lines
            lines = [ANSI_RE.sub("", ln) if "\x1b" in ln else ln for ln in lines]
            chars = None
        limit = self.max_line_chars
        # no line can be longer than all of them together: most chunks skip the scan
        if (chars is None or chars > limit) and max(map(len, lines)) > limit:
            lines = [ln if len(ln) <= limit else _cut(ln, limit) for ln in lines]
            chars = None
        cap = self.capacity
        with self._lock:
            first_before = self._first
            skipped = max(0, n - cap)
            if skipped:
                lines = lines[skipped:]
                if raw_lines is not None:
                    raw_lines = raw_lines[skipped:]
                self._total += skipped
                n = cap
            start = self._total + 1
            pos = (start - 1) % cap
            first_part = min(n, cap - pos)
            if skipped or first_part < n:
                chars = None  # the lines are stored in parts: each part counts its own
            self._put(pos, lines, 0, first_part, when, code, chars)
            if first_part < n:
                self._put(0, lines, first_part, n, when, code)
            self._total += n
            self._first = max(self._first, self._total - cap + 1)
            if raw_lines is not None:
                for i, raw in enumerate(raw_lines):
                    if "\x1b" in raw:
                        self._raw[start + i] = raw
                        self._raw_order.append(start + i)
            if self._chars > self.max_chars:
                self._evict_chars()
            self._evicted += self._first - first_before
            self._drop_raw()
            return self._total

    def _put(
        self,
        pos: int,
        lines: Sequence[str],
        lo: int,
        hi: int,
        when: float,
        code: int,
        chars: int | None = None,
    ) -> None:
        k = hi - lo
        end = pos + k
        new = lines[lo:hi] if (lo or hi != len(lines)) else lines
        if chars is None:
            chars = sum(map(len, new))
        if self._total >= pos + 1:  # the slots held lines before (the ring came round)
            chars -= sum(map(len, self._text[pos:end]))
        self._chars += chars
        self._text[pos:end] = new
        self._time[pos:end] = array("d", (when,)) * k
        self._stream[pos:end] = bytes((code,)) * k

    def _evict_chars(self) -> None:
        cap = self.capacity
        while self._chars > self.max_chars and self._first <= self._total:
            block = max(1, (self._total - self._first + 1) // 8)
            for seq in range(self._first, self._first + block):
                i = (seq - 1) % cap
                self._chars -= len(self._text[i])
                self._text[i] = ""
            self._first += block

    def _drop_raw(self) -> None:
        order, first = self._raw_order, self._first
        while order and order[0] < first:
            self._raw.pop(order.popleft(), None)

    def clear(self) -> None:
        """Forget every line; seq numbers keep counting up."""
        with self._lock:
            self._text = [""] * self.capacity
            self._raw.clear()
            self._raw_order.clear()
            self._chars = 0
            self._first = self._total + 1

    # -- reading

    @property
    def total(self) -> int:
        """Lines ever appended (== seq of the newest line)."""
        return self._total

    @property
    def evicted(self) -> int:
        """Lines the bounds pushed out so far (oldest first): a view that shows the buffer
        says this many earlier lines are gone from it (the run's log file has them)."""
        return self._evicted

    @property
    def last_seq(self) -> int:
        return self._total

    @property
    def first_seq(self) -> int:
        """Seq of the oldest retained line (``last_seq + 1`` when empty)."""
        return self._first

    def __len__(self) -> int:
        return self._total - self._first + 1

    def bounds(self) -> tuple[int, int]:
        """(first_seq, last_seq) read atomically."""
        with self._lock:
            return self._first, self._total

    @property
    def chars(self) -> int:
        """Characters currently held (what ``max_chars`` bounds)."""
        return self._chars

    def _line(self, seq: int) -> LogLine:
        i = (seq - 1) % self.capacity
        text = self._text[i]
        return LogLine(seq, self._time[i], STREAMS[self._stream[i]], text, self._raw.get(seq))

    def get(self, seq: int) -> LogLine | None:
        with self._lock:
            if self._first <= seq <= self._total:
                return self._line(seq)
            return None

    def range(self, start: int, stop: int) -> list[LogLine]:
        """Retained lines with ``start <= seq < stop``."""
        with self._lock:
            lo, hi = max(start, self._first), min(stop - 1, self._total)
            return [self._line(s) for s in range(lo, hi + 1)]

    def since(self, seq: int, limit: int | None = None) -> list[LogLine]:
        """Lines newer than ``seq`` (oldest first; at most ``limit``, the oldest ones)."""
        with self._lock:
            lo = max(seq + 1, self._first)
            hi = self._total if limit is None else min(self._total, lo + limit - 1)
            return [self._line(s) for s in range(lo, hi + 1)]

    def texts_since(self, seq: int) -> tuple[int, list[str]]:
        """(last seq, texts of the lines newer than ``seq``): the cheapest way to follow."""
        with self._lock:
            lo, hi = max(seq + 1, self._first), self._total
            if lo > hi:
                return hi, []
            cap = self.capacity
            a, b = (lo - 1) % cap, (hi - 1) % cap
            if a <= b:
                return hi, self._text[a : b + 1]
            return hi, self._text[a:] + self._text[: b + 1]

    def tail(self, n: int, since_seq: int = 0) -> list[LogLine]:
        """The newest ``n`` lines, none older than ``since_seq``."""
        with self._lock:
            lo = max(self._first, self._total - n + 1, since_seq)
            return [self._line(s) for s in range(lo, self._total + 1)]

    def snapshot(self) -> list[LogLine]:
        return self.since(0)

    def __iter__(self) -> Iterator[LogLine]:
        return iter(self.snapshot())

    def export(self, path: Path, lines: Iterable[LogLine] | None = None) -> int:
        """Write lines (default: everything retained) to ``path`` as text; returns the count."""
        items = self.snapshot() if lines is None else lines
        count = 0
        with open(path, "w", encoding="utf-8", newline="\n") as handle:
            for line in items:
                handle.write(line.text)
                handle.write("\n")
                count += 1
        return count


def _cut(line: str, limit: int) -> str:
    return f"{line[:limit]}… [{len(line) - limit} more characters]"
