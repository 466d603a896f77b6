"""The reader loop: a server's pipe, drained in chunks into a ``LogBuffer``.

One ``os.read`` per chunk and one buffer append per chunk: ``LineSplitter`` cuts
the bytes at the last newline and decodes them in C, so no Python work is spent
per line on the way in.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Callable

from asgideck.runtime.logs._buffer import LogBuffer
from asgideck.runtime.logs._parse import Stream

__all__ = ["COALESCE_BELOW", "COALESCE_S", "LineSplitter", "pump"]


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


COALESCE_S = 0.05  # how long a reader may let a trickle of output gather
PIPE_BYTES = 1 << 20  # a flood's pipe, grown (Linux): a sixteenth of the reads and wake-ups
COALESCE_BELOW = 4096  # a read smaller than this is a trickle


def pump(
    fd: int,
    stream: Stream,
    buffer: LogBuffer,
    on_chunk: Callable[[str], None] | None = None,
    chunk_size: int = 65536,
    transform: Callable[[str], str] | None = None,
    coalesce_s: float = 0.0,
) -> None:
    """Drain ``fd`` until EOF into ``buffer``: the reader thread's loop.

    One ``os.read`` per chunk, one buffer append per chunk; ``transform`` may
    rewrite a chunk first (secret masking); ``on_chunk`` then sees each decoded
    chunk of complete lines (markers, counters, the run's file). With
    ``coalesce_s``, a small read is followed by that pause, so a server logging one
    access line per request is drained in batches rather than with a wake-up (and a
    GIL round) per line; the pipe holds what arrives meanwhile, and the GUI only
    looks every 40 ms.
    """
    splitter = LineSplitter()
    if sys.platform == "linux" and chunk_size < PIPE_BYTES:
        chunk_size = max(chunk_size, _grow_pipe(fd))
    read = os.read
    append = buffer.append_text
    pause = time.sleep
    while True:
        try:
            data = read(fd, chunk_size)
        except OSError:
            break
        if not data:
            break
        if coalesce_s and len(data) < COALESCE_BELOW:
            pause(coalesce_s)
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


def _grow_pipe(fd: int) -> int:
    """Ask for a PIPE_BYTES pipe buffer; returns its size now (0: not a pipe, or refused:
    the pipe-max-size limit or a file). Each read and append costs the same per chunk
    whatever its size, so a flood drained in bigger chunks costs less per line."""
    import fcntl

    with contextlib.suppress(OSError, AttributeError):
        return int(fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES))
    return 0


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
