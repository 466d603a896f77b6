"""Server log lines: parsing, a bounded ring buffer, per-run log files.

Ingestion is the hot path (a chatty server prints hundreds of thousands of
lines a second), so nothing here costs Python work per line on the way in:
chunks are decoded and split in C, stored in preallocated parallel arrays by
slice assignment, and level / access fields / ANSI spans are parsed only when a
``LogLine`` is looked at. Readers: ``LineSplitter`` turns pipe bytes into text.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from array import array
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Literal

from runtime.userstate import state_dir

__all__ = [
    "PLAIN",
    "STREAMS",
    "AccessFields",
    "LineSplitter",
    "LogBuffer",
    "LogLine",
    "RunLog",
    "Span",
    "Stream",
    "Style",
    "count_status_classes",
    "decode_spans",
    "error_excerpt",
    "logs_dir",
    "parse_access",
    "parse_level",
    "prune_run_logs",
    "pump",
    "strip_ansi",
]

Stream = Literal["stdout", "stderr", "event"]
STREAMS: tuple[Stream, Stream, Stream] = ("stdout", "stderr", "event")
_STREAM_CODE = {name: i for i, name in enumerate(STREAMS)}

# --------------------------------------------------------------------------- parsing

_LEVEL_NAMES = {
    "CRITICAL": "CRITICAL",
    "FATAL": "CRITICAL",
    "ERROR": "ERROR",
    "WARNING": "WARNING",
    "WARN": "WARNING",
    "INFO": "INFO",
    "DEBUG": "DEBUG",
    "TRACE": "TRACE",
}
# uvicorn "INFO:     ...", logging's "ERROR:root:...", gunicorn "[2024-.. +0000] [pid] [INFO] ..."
_LEVEL_RE = re.compile(
    r"(?:(?P<u>CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG|TRACE):(?:\s|[\w.]+:)"
    r"|\[[^\]]*\] \[\d+\] \[(?P<g>CRITICAL|FATAL|ERROR|WARNING|WARN|INFO|DEBUG)\] )"
)
_TRACEBACK_RE = re.compile(
    r'(?:Traceback \(most recent call last\):|  File "|\w[\w.]*(?:Error|Exception|Exit|Group)\b:?)'
)
# uvicorn:  INFO:     127.0.0.1:5000 - "GET / HTTP/1.1" 200 OK
# uvicorn-worker:     127.0.0.1:5000 - "GET / HTTP/1.1" 200
# gunicorn (CLF):     127.0.0.1 - - [25/Nov/2026:00:10:16 +0000] "GET / HTTP/1.1" 200 2 "-" "curl"
_ACCESS_RE = re.compile(
    r"(?:[A-Z]+:\s+)?(?:\[[^\]]*\] \[\d+\] \[[A-Z]+\] )?"
    r'(?P<client>[^\s"]+) (?:- |\S+ \S+ \[[^\]]*\] )'
    r'"(?P<method>[A-Z]+) (?P<path>[^\s"]*)(?: HTTP/[\d.]+)?" (?P<status>\d{3})\b'
)
# Scans whole chunks (starts with a literal, so the regex engine skips ahead fast).
_STATUS_RE = re.compile(r'HTTP/[\d.]+" ([1-5])\d\d\b')


def parse_level(text: str, stream: Stream = "stderr") -> str | None:
    """The log level a line announces ("INFO", "ERROR"...), traceback lines count as ERROR."""
    m = _LEVEL_RE.match(text)
    if m is not None:
        return _LEVEL_NAMES[m.group("u") or m.group("g")]
    if stream == "stderr" and _TRACEBACK_RE.match(text):
        return "ERROR"
    return None


@dataclass(frozen=True, slots=True)
class AccessFields:
    client: str
    method: str
    path: str
    status: int

    @property
    def status_class(self) -> str:
        return f"{self.status // 100}xx"


def parse_access(text: str) -> AccessFields | None:
    """Fields of a uvicorn / uvicorn-worker / gunicorn access line, else None."""
    if '" ' not in text:
        return None
    m = _ACCESS_RE.match(text)
    if m is None:
        return None
    return AccessFields(m["client"], m["method"], m["path"], int(m["status"]))


def count_status_classes(text: str, counts: dict[str, int]) -> int:
    """Add the status classes ("2xx"...) of the access lines in ``text``; return how many."""
    if "HTTP/" not in text:
        return 0
    n = 0
    for m in _STATUS_RE.finditer(text):
        key = m.group(1) + "xx"
        counts[key] = counts.get(key, 0) + 1
        n += 1
    return n


# --------------------------------------------------------------------------- ANSI

_ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")
_SGR_RE = re.compile(r"\x1b\[([0-9;:]*)m")
_BASIC = ("black", "red", "green", "yellow", "blue", "magenta", "cyan", "white")


def strip_ansi(text: str) -> str:
    return _ANSI_RE.sub("", text) if "\x1b" in text else text


@dataclass(frozen=True, slots=True)
class Style:
    """Colours are names ("red", "bright_red") or "#rrggbb"; None means the view's default."""

    fg: str | None = None
    bg: str | None = None
    bold: bool = False
    dim: bool = False
    italic: bool = False
    underline: bool = False


PLAIN = Style()


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style = PLAIN


def _color256(n: int) -> str:
    if n < 8:
        return _BASIC[n]
    if n < 16:
        return "bright_" + _BASIC[n - 8]
    if n < 232:
        n -= 16
        steps = (0, 95, 135, 175, 215, 255)
        r, g, b = steps[n // 36], steps[(n // 6) % 6], steps[n % 6]
    else:
        r = g = b = 8 + (n - 232) * 10
    return f"#{r:02x}{g:02x}{b:02x}"


def _apply_sgr(style: Style, params: str) -> Style:
    codes = [int(p) if p.isdigit() else 0 for p in params.replace(":", ";").split(";")]
    fg, bg = style.fg, style.bg
    bold, dim, italic, underline = style.bold, style.dim, style.italic, style.underline
    i = 0
    while i < len(codes):
        c = codes[i]
        if c == 0:
            fg = bg = None
            bold = dim = italic = underline = False
        elif c == 1:
            bold = True
        elif c == 2:
            dim = True
        elif c == 3:
            italic = True
        elif c == 4:
            underline = True
        elif c == 22:
            bold = dim = False
        elif c == 23:
            italic = False
        elif c == 24:
            underline = False
        elif 30 <= c <= 37:
            fg = _BASIC[c - 30]
        elif 90 <= c <= 97:
            fg = "bright_" + _BASIC[c - 90]
        elif 40 <= c <= 47:
            bg = _BASIC[c - 40]
        elif 100 <= c <= 107:
            bg = "bright_" + _BASIC[c - 100]
        elif c == 39:
            fg = None
        elif c == 49:
            bg = None
        elif c in (38, 48) and i + 1 < len(codes):
            color: str | None = None
            if codes[i + 1] == 5 and i + 2 < len(codes):
                color = _color256(codes[i + 2] % 256)
                i += 2
            elif codes[i + 1] == 2 and i + 4 < len(codes):
                r, g, b = (min(255, v) for v in codes[i + 2 : i + 5])
                color = f"#{r:02x}{g:02x}{b:02x}"
                i += 4
            if c == 38:
                fg = color
            else:
                bg = color
        i += 1
    return Style(fg, bg, bold, dim, italic, underline)


def decode_spans(raw: str) -> tuple[Span, ...]:
    """Split a line with ANSI SGR escapes into styled spans (other escapes are dropped)."""
    if "\x1b" not in raw:
        return (Span(raw),) if raw else ()
    spans: list[Span] = []
    style = PLAIN
    pos = 0
    for m in _SGR_RE.finditer(raw):
        chunk = strip_ansi(raw[pos : m.start()])
        if chunk:
            spans.append(Span(chunk, style))
        style = _apply_sgr(style, m.group(1))
        pos = m.end()
    tail = strip_ansi(raw[pos:])
    if tail:
        spans.append(Span(tail, style))
    return tuple(spans)


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


class LineSplitter:
    """Pipe bytes -> complete lines as one decoded text chunk; keeps the partial last line.

    Splitting on b"\\n" before decoding means a multi-byte character is never
    cut; undecodable bytes become U+FFFD. A line longer than ``max_pending``
    bytes without a newline is emitted as it is rather than held forever.
    """

    __slots__ = ("_pending", "max_pending")

    def __init__(self, max_pending: int = 1 << 20) -> None:
        self._pending = b""
        self.max_pending = max_pending

    def feed(self, data: bytes) -> str | None:
        if self._pending:
            data = self._pending + data
        cut = data.rfind(b"\n")
        if cut < 0:
            if len(data) > self.max_pending:
                self._pending = b""
                return _decode(data)
            self._pending = data
            return None
        self._pending = data[cut + 1 :]
        return _decode(data[:cut])

    def flush(self) -> str | None:
        """The partial last line at EOF, if any."""
        data, self._pending = self._pending, b""
        return _decode(data) if data else None


def pump(
    fd: int,
    stream: Stream,
    buffer: LogBuffer,
    on_chunk: Callable[[str], None] | None = None,
    chunk_size: int = 65536,
    transform: Callable[[str], str] | None = None,
) -> None:
    """Drain ``fd`` until EOF into ``buffer``: the reader thread's loop.

    One ``os.read`` per chunk, one buffer append per chunk; ``transform`` may
    rewrite a chunk first (secret masking); ``on_chunk`` then sees each decoded
    chunk of complete lines (markers, counters, the run's file).
    """
    splitter = LineSplitter()
    read = os.read
    append = buffer.append_text
    while True:
        try:
            data = read(fd, chunk_size)
        except OSError:
            break
        if not data:
            break
        text = splitter.feed(data)
        if text is not None:
            if transform is not None:
                text = transform(text)
            append(stream, text)
            if on_chunk is not None:
                on_chunk(text)
    tail = splitter.flush()
    if tail is not None:
        if transform is not None:
            tail = transform(tail)
        append(stream, tail)
        if on_chunk is not None:
            on_chunk(tail)


def _decode(data: bytes) -> str:
    text = data.decode("utf-8", "replace")
    if "\r" in text:
        text = text.replace("\r\n", "\n")
        if "\r" in text:  # progress bars: keep what a terminal would finally show
            text = "\n".join(_overwrite(line) for line in text.split("\n"))
    return text


def _overwrite(line: str) -> str:
    if "\r" not in line:
        return line
    parts = [p for p in line.split("\r") if p]
    return parts[-1] if parts else ""


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

    # -- writing

    def append(self, stream: Stream, text: str, when: float | None = None) -> int:
        """Append one line (e.g. an event); returns its seq."""
        return self._append(stream, text.split("\n"), when, "\x1b" in text)

    def append_text(self, stream: Stream, text: str, when: float | None = None) -> int:
        """Append a chunk of lines joined by "\\n" (no trailing newline); returns the last seq."""
        return self._append(stream, text.split("\n"), when, "\x1b" in text)

    def append_many(self, stream: Stream, lines: Sequence[str], when: float | None = None) -> int:
        """Append lines under one lock acquisition; returns the seq of the last one."""
        return self._append(stream, lines, when, any("\x1b" in line for line in lines))

    def _append(
        self, stream: Stream, lines: Sequence[str], when: float | None, escapes: bool
    ) -> int:
        n = len(lines)
        if n == 0:
            return self._total
        if when is None:
            when = time.time()
        code = _STREAM_CODE[stream]
        raw_lines: Sequence[str] | None = None
        if escapes:
            raw_lines = lines
            lines = [_ANSI_RE.sub("", ln) if "\x1b" in ln else ln for ln in lines]
        limit = self.max_line_chars
        if max(map(len, lines)) > limit:
            lines = [ln if len(ln) <= limit else _cut(ln, limit) for ln in lines]
        cap = self.capacity
        with self._lock:
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
            self._put(pos, lines, 0, first_part, when, code)
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
            self._drop_raw()
            return self._total

    def _put(
        self, pos: int, lines: Sequence[str], lo: int, hi: int, when: float, code: int
    ) -> None:
        k = hi - lo
        end = pos + k
        old = self._text[pos:end]
        new = lines[lo:hi] if (lo or hi != len(lines)) else lines
        self._chars += sum(map(len, new)) - sum(map(len, old))
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


# --------------------------------------------------------------------------- excerpt


def _is_record(line: str) -> bool:
    return _LEVEL_RE.match(line) is not None


#: Exceptions that only report another failure (the worker's traceback is the real one).
_WRAPPER_EXCEPTIONS = (
    "gunicorn.errors.HaltServer",
    "SystemExit",
    "KeyboardInterrupt",
    "click.exceptions.Exit",
    "asyncio.exceptions.CancelledError",
)


def _traceback_block(lines: Sequence[str], start: int, max_lines: int) -> list[str]:
    """The final frame (with its source/caret lines) and the exception lines after ``start``."""
    j = start + 1
    frame_at = None
    while j < len(lines) and lines[j][:1] in (" ", "\t", "|", "+"):
        if lines[j].lstrip(" |+").startswith('File "'):
            frame_at = j
        j += 1
    frame = list(lines[frame_at:j][:6]) if frame_at is not None else []
    exc: list[str] = []
    while j < len(lines) and not _is_record(lines[j]) and len(exc) < max_lines:
        exc.append(lines[j])
        j += 1
    return [*frame, *exc][-max_lines:]


def error_excerpt(lines: Sequence[str], max_lines: int = 24) -> str | None:
    """The lines that explain a failure.

    The last traceback that is not a mere wrapper (gunicorn's HaltServer,
    SystemExit) as final frame + exception, else the last ERROR lines, else the
    last few lines.
    """
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return None
    starts = [
        i
        for i, ln in enumerate(lines)
        if "Traceback (most recent call last):" in ln or "Exception Group Traceback" in ln
    ]
    blocks = [b for b in (_traceback_block(lines, i, max_lines) for i in reversed(starts)) if b]
    for block in blocks:
        exception = next((ln for ln in block if ln[:1] not in (" ", "\t")), "")
        if not exception.startswith(_WRAPPER_EXCEPTIONS):
            return "\n".join(block)
    if blocks:
        return "\n".join(blocks[0])
    errors = [
        ln
        for ln in lines[-200:]
        if parse_level(ln, "stdout") in ("ERROR", "CRITICAL")
        or ln.startswith(("Error:", "error:"))
        or ": error:" in ln
        or "No module named" in ln
    ]
    if errors:
        return "\n".join(errors[-5:])
    return "\n".join(lines[-10:])


# --------------------------------------------------------------------------- files


def logs_dir() -> Path:
    path = state_dir() / "logs"
    path.mkdir(parents=True, exist_ok=True)
    return path


def prune_run_logs(
    directory: Path, keep: int = 30, max_total_bytes: int = 200 << 20, spare: Path | None = None
) -> list[Path]:
    """Delete the oldest run logs beyond ``keep`` files or ``max_total_bytes``; returns them."""
    files: list[tuple[float, int, Path]] = []
    for path in directory.glob("*.log*"):
        try:
            st = path.stat()
        except OSError:
            continue
        files.append((st.st_mtime, st.st_size, path))
    files.sort(reverse=True)
    removed: list[Path] = []
    total = 0
    for index, (_mtime, size, path) in enumerate(files):
        total += size
        if path == spare or (index < keep and total <= max_total_bytes):
            continue
        try:
            path.unlink()
            removed.append(path)
        except OSError:
            pass
    return removed


class RunLog:
    """One run's log file, capped at ``cap_bytes`` (rotates once to ``<name>.1``).

    Written by the reader threads (thread-safe); an I/O error disables the file
    instead of disturbing the server.
    """

    def __init__(self, path: Path, cap_bytes: int = 10 << 20) -> None:
        self.path = path
        self.cap_bytes = cap_bytes
        self._lock = threading.Lock()
        self._written = 0
        self.error: OSError | None = None
        self._handle: IO[str] | None
        try:
            self._handle = open(path, "a", encoding="utf-8", errors="replace", newline="\n")  # noqa: SIM115
        except OSError as exc:
            self._handle, self.error = None, exc

    @classmethod
    def create(cls, name: str, cap_bytes: int = 10 << 20, keep: int = 30) -> RunLog:
        """A new file in ``logs_dir()`` named after ``name``; prunes old run logs."""
        directory = logs_dir()
        safe = re.sub(r"[^\w.-]+", "_", name)[:80]
        path = directory / f"{time.strftime('%Y%m%d-%H%M%S')}-{safe}.log"
        log = cls(path, cap_bytes)
        prune_run_logs(directory, keep=keep, spare=path)
        return log

    def write(self, text: str) -> None:
        """Write a chunk of lines (no trailing newline)."""
        with self._lock:
            handle = self._handle
            if handle is None:
                return
            try:
                handle.write(text)
                handle.write("\n")
                self._written += len(text) + 1
                if self._written > self.cap_bytes:
                    self._rotate(handle)
            except OSError as exc:
                self.error = exc
                self._close_locked()

    def _rotate(self, handle: IO[str]) -> None:
        handle.close()
        os.replace(self.path, self.path.with_name(self.path.name + ".1"))
        self._handle = open(self.path, "w", encoding="utf-8", errors="replace", newline="\n")  # noqa: SIM115
        self._written = 0

    def flush(self) -> None:
        with self._lock:
            if self._handle is not None:
                try:
                    self._handle.flush()
                except OSError as exc:
                    self.error = exc
                    self._close_locked()

    def _close_locked(self) -> None:
        if self._handle is not None:
            with contextlib.suppress(OSError):
                self._handle.close()
            self._handle = None

    def close(self) -> None:
        with self._lock:
            self._close_locked()
