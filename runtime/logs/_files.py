"""Per-run log files in the user state dir: one capped file per run, old runs pruned.

What a server prints is untrusted: a file that keeps its escape sequences replays them
(a clipboard write, OSC 52; cursor moves that hide lines) when it is ``cat``-ed. So the
file gets :func:`asgideck.runtime.terminal.printable` text: no escape sequences, colour
included, and other control characters shown as ``\\x07``.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from pathlib import Path
from typing import IO

from asgideck.runtime.terminal import printable
from asgideck.runtime.userstate import state_dir

__all__ = ["RunLog", "logs_dir", "prune_run_logs"]


def logs_dir() -> Path:
    path = state_dir() / "logs"
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _open_private(path: Path, mode: str) -> IO[str]:
    """Open a run log for text writing ("a" or "w"), created readable by its owner only.

    A server's output is nobody else's business (it may hold what the masking missed).
    """
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode == "a" else os.O_TRUNC)
    fd = os.open(path, flags, 0o600)
    try:
        return open(fd, mode, encoding="utf-8", errors="replace", newline="\n")
    except BaseException:
        os.close(fd)
        raise


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
        self._remover: threading.Thread | None = None  # deletes the previous ``.1``
        self.error: OSError | None = None
        self._handle: IO[str] | None
        try:
            self._handle = _open_private(path, "a")
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
        """Write a chunk of lines (no trailing newline), escape sequences removed."""
        text = printable(text)
        with self._lock:
            handle = self._handle
            if handle is None:
                return
            try:
                handle.write(text + "\n")  # one write: the file gets one syscall per chunk
                self._written += len(text) + 1
                if self._written > self.cap_bytes:
                    self._rotate(handle)
            except OSError as exc:
                self.error = exc
                self._close_locked()

    def _rotate(self, handle: IO[str]) -> None:
        """The file becomes ``.1``; the previous ``.1`` is deleted on a thread of its own.

        Deleting a 10 MB file frees its blocks (with ``discard``, 10-30 ms): done by
        the reader thread, that is a pipe left undrained while a chatty server waits.
        """
        handle.close()
        previous = self.path.with_name(self.path.name + ".1")
        doomed = previous.with_name(previous.name + ".old")
        self._join_remover()  # at most one file waiting to go
        try:
            # a rename: no blocks freed here; replace, so a ``.old`` left by a process
            # that died mid-delete does not fail it (os.rename does on Windows)
            os.replace(previous, doomed)
        except FileNotFoundError:
            pass
        else:
            self._remover = threading.Thread(
                target=_remove, args=(doomed,), name="asgideck-runlog-rotate", daemon=True
            )
            self._remover.start()
        os.replace(self.path, previous)
        self._handle = _open_private(self.path, "w")
        self._written = 0

    def _join_remover(self) -> None:
        if self._remover is not None:
            self._remover.join()
            self._remover = None

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
            self._join_remover()


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
