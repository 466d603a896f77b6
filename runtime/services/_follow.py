"""A service's log file, followed into a ``LogBuffer`` (the Logs tab shows services as
it shows servers). A service writes to its file, not to a pipe, because it outlives
the asgideck that started it; so a reader here looks at the file a few times a second
while the set is open, from its recent end, and starts over when the file is replaced.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import IO

from asgideck.runtime.logs import LineSplitter, LogBuffer

__all__ = ["LogFollower"]

#: How much of an existing log is read when following starts.
BACKLOG_BYTES = 64 * 1024
#: How often the file is looked at (a file gives no wake-up as a pipe does).
POLL_S = 0.2
_CHUNK = 65536


class LogFollower:
    """One thread copying new lines of ``path`` into ``buffer`` until :meth:`close`."""

    def __init__(self, path: Path, buffer: LogBuffer, *, name: str = "service") -> None:
        self.path = path
        self.buffer = buffer
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"asgideck-follow-{name}", daemon=True
        )
        self._thread.start()

    def close(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        handle: IO[bytes] | None = None
        splitter = LineSplitter()
        identity: tuple[int, int] | None = None
        try:
            while not self._stop.is_set():
                handle, identity, splitter = self._reopen_if_replaced(handle, identity, splitter)
                if handle is not None:
                    self._drain(handle, splitter)
                self._stop.wait(POLL_S)
            if handle is not None:
                self._drain(handle, splitter)
        finally:
            if handle is not None:
                handle.close()

    def _reopen_if_replaced(
        self, handle: IO[bytes] | None, identity: tuple[int, int] | None, splitter: LineSplitter
    ) -> tuple[IO[bytes] | None, tuple[int, int] | None, LineSplitter]:
        """The open file, reopened when the path now names another file (rotated at a
        start) or the file shrank; first opened near its end (:data:`BACKLOG_BYTES`)."""
        try:
            info = self.path.stat()
        except OSError:
            return handle, identity, splitter
        now = (info.st_dev, info.st_ino)
        if handle is not None and now == identity and info.st_size >= handle.tell():
            return handle, identity, splitter
        first = handle is None and identity is None
        if handle is not None:
            self._drain(handle, splitter)
            handle.close()
        try:
            handle = open(self.path, "rb")  # noqa: SIM115 - held across polls, closed in _run
        except OSError:
            return None, identity, splitter
        splitter = LineSplitter()
        if first and info.st_size > BACKLOG_BYTES:
            handle.seek(info.st_size - BACKLOG_BYTES)
            handle.readline()  # from the next whole line
        return handle, now, splitter

    def _drain(self, handle: IO[bytes], splitter: LineSplitter) -> None:
        while True:
            try:
                data = handle.read(_CHUNK)
            except OSError:
                return
            if not data:
                return
            text = splitter.feed(data)
            if text is not None:
                self.buffer.append_text("stdout", text)
