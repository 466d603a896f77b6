"""``<records>/<pid>.jsonl``: one process's lines, a worker header first, rotated at 8 MiB.

Only the writer thread (and the exit flush) writes here. A folder that disappears,
a file removed under us, a full disk: the write reports False (the caller counts
the lines as dropped) and the next write tries again; nothing is raised. A line a
full disk cut short is ended before the next one, so only that line is lost.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from collections.abc import Callable
from typing import Any

ROTATE_BYTES = 8 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
RETRY_AFTER = 1.0  # seconds between attempts to open a file that could not be opened


class RecordFile:
    def __init__(self, folder: str, pid: int, header: Callable[[], dict[str, Any]]) -> None:
        self.folder = folder
        self.path = os.path.join(folder, f"{pid}.jsonl")
        self.old = os.path.join(folder, f"{pid}.1.jsonl")
        self.header = header
        self.fd: int | None = None
        self.size = 0
        self.created_folder = False
        self.failed_at = 0.0
        self.lock = threading.Lock()

    @property
    def opened(self) -> bool:
        return self.fd is not None

    def _open(self) -> bool:
        if time.monotonic() - self.failed_at < RETRY_AFTER:
            return False
        try:
            if not self.created_folder:
                os.makedirs(self.folder, exist_ok=True)
                self.created_folder = True
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            header = (json.dumps(self.header(), separators=(",", ":")) + "\n").encode("utf-8")
            if _ends_inside_a_line(fd):  # a write cut short (disk full): end that line
                header = b"\n" + header
            os.write(fd, header)
        except Exception:
            self.failed_at = time.monotonic()
            return False
        self.fd = fd
        self.size = os.fstat(fd).st_size
        return True

    def _gone(self) -> bool:
        """The file was removed or replaced under us (the reader cleared the folder)."""
        try:
            return self.fd is None or os.fstat(self.fd).st_nlink == 0
        except OSError:
            return True

    def close(self) -> None:
        with self.lock:
            self._close()

    def _close(self) -> None:
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None

    def write(self, lines: list[str]) -> bool:
        """Append ``lines`` (opening, reopening or rotating as needed); False: not written."""
        with self.lock:
            if self.fd is not None and self._gone():
                self._close()
            if self.fd is None and not self._open():
                return False
            if not lines:
                return True
            try:
                for data in _chunks(lines):
                    if self.size + len(data) > ROTATE_BYTES and self.size > 0:
                        self._rotate()
                        if self.fd is None and not self._open():
                            return False
                    assert self.fd is not None
                    view = memoryview(data)
                    while view:
                        written = os.write(self.fd, view)
                        view = view[written:]
                    self.size += len(data)
                return True
            except Exception:
                self._close()
                self.failed_at = time.monotonic()
                return False

    def _rotate(self) -> None:
        self._close()
        with contextlib.suppress(OSError):
            os.replace(self.path, self.old)
        self._open()


def _ends_inside_a_line(fd: int) -> bool:
    """The file's last byte is not a newline: an earlier write stopped mid-line."""
    try:
        size = os.fstat(fd).st_size
        return size > 0 and os.pread(fd, 1, size - 1) != b"\n"
    except (AttributeError, OSError):  # no pread (Windows): as before
        return False


def _chunks(lines: list[str], most: int = CHUNK_BYTES) -> Any:
    """``lines`` as encoded pieces of about ``most`` bytes (whole lines, each encoded once
    per piece): rotation is checked between pieces, so a file stays near ROTATE_BYTES
    even with big records."""
    piece: list[str] = []
    size = 0
    for line in lines:
        # bytes, not characters: a CJK record is up to 3 bytes a character
        n = len(line) if line.isascii() else len(line.encode("utf-8", "replace"))
        if piece and size + n > most:
            yield ("\n".join(piece) + "\n").encode("utf-8", "replace")
            piece, size = [], 0
        piece.append(line)
        size += n + 1
    if piece:
        yield ("\n".join(piece) + "\n").encode("utf-8", "replace")
