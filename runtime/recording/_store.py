"""``RequestLog``: a server's recorded requests, read back from the agent's files as they
grow, kept bounded.

The agent writes one file per worker process (``<pid>.jsonl``), rotated to
``<pid>.1.jsonl``. Each file is read incrementally: from the offset reached last time,
as long as it is the same file (its inode). A rotated file keeps its inode under its
new name, so it is finished there while the new ``<pid>.jsonl`` starts from 0; a file
that shrank was truncated and is read again from the start. A line still being written
is kept until its newline arrives. One poll reads at most ``max_read`` bytes, shared
between the files, so a burst never stalls the caller; the rest waits for the next poll.

Memory is bounded by ``keep``: the newest records, in start order (the workers' files
merged). No Qt, thread-safe: a reader thread polls while the window reads.

A new start of the server empties the folder and renews its note (``_paths.MARKER``):
the log sees the note change, forgets the previous run and counts ``run`` up, so a
view that kept rows from ``poll()`` knows to drop them.
"""

from __future__ import annotations

import json
import os
import threading
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgideck.runtime.recording._model import RequestRecord, WorkerInfo
from asgideck.runtime.recording._paths import MARKER, RECORD_SUFFIX

__all__ = ["MAX_LINE", "MAX_READ", "RequestLog", "requests_in"]

#: bytes read per poll at most, over all files
MAX_READ = 4 * 1024 * 1024
#: a line longer than this is not kept waiting for its end: skipped as malformed
MAX_LINE = 8 * 1024 * 1024
#: the least a file gets of a poll's budget (a poll shares ``max_read`` between files)
_MIN_SHARE = 64 * 1024
_ROTATED = ".1" + RECORD_SUFFIX


@dataclass
class _File:
    """How far one agent file has been read."""

    name: str
    inode: tuple[int, int]
    offset: int = 0
    pending: bytes = b""  # an incomplete last line
    skipping: bool = False  # inside an over-long line: drop bytes up to its newline


def _start(raw: Any) -> float:
    return float(raw) if isinstance(raw, (int, float)) and not isinstance(raw, bool) else 0.0


def _rotated_name(name: str) -> str:
    """``123.jsonl`` -> ``123.1.jsonl`` (the agent's rotation)."""
    return name[: -len(RECORD_SUFFIX)] + ".1" + RECORD_SUFFIX


class RequestLog:
    """The recorded requests of one server (its records folder), newest ``keep`` kept.

    ``poll()`` reads what the agent appended since the last poll and returns the new
    requests in start order. ``records()`` is the whole window (oldest first, start
    order: a request read late from a slow worker's file takes its place by start time).
    """

    def __init__(self, directory: Path, *, keep: int = 2000, max_read: int = MAX_READ) -> None:
        if keep < 1:
            raise ValueError("keep must be at least 1")
        self.directory = Path(directory)
        self.keep = keep
        self.max_read = max(1, max_read)
        self._read_lock = threading.Lock()  # one poll at a time (files, offsets)
        self._lock = threading.Lock()  # what the readers of the log see
        self._files: dict[tuple[int, int], _File] = {}
        self._records: deque[RequestRecord] = deque()
        self._by_id: dict[str, RequestRecord] = {}
        self._workers: dict[int, WorkerInfo] = {}
        # each worker's stack (its header's layers): format-2 lines name their layers only
        # there; kept across clear() (the files are not read again), dropped by a new run
        self._stacks: dict[int, tuple[str, ...]] = {}
        self._drops: dict[int, int] = {}  # cumulative per pid (the agent's "dropped" lines)
        self._malformed = 0
        self._caught_up = False  # nothing read yet
        self._total = 0
        self._run = 0
        self._marker: tuple[int, int] | None = None  # the note's inode: renewed by a start

    # ------------------------------------------------------------------ reading side

    @property
    def dropped(self) -> int:
        """Requests the agents could not hand over (asgideck was slow), all workers."""
        with self._lock:
            return sum(self._drops.values())

    @property
    def malformed(self) -> int:
        """Lines skipped because they were not JSON or not a record (a damaged file)."""
        with self._lock:
            return self._malformed

    @property
    def total(self) -> int:
        """Requests read since the log was made or cleared (more than ``keep``: some fell off)."""
        with self._lock:
            return self._total

    @property
    def caught_up(self) -> bool:
        """The last poll read everything the files had (False before the first poll), so
        ``while not log.caught_up: log.poll()`` reads a folder to its end."""
        with self._lock:
            return self._caught_up

    def records(self) -> list[RequestRecord]:
        """The newest ``keep`` requests, oldest first."""
        with self._lock:
            return list(self._records)

    def find(self, record_id: str) -> RequestRecord | None:
        with self._lock:
            return self._by_id.get(record_id)

    def workers(self) -> list[WorkerInfo]:
        """Every worker process seen (its file's first line), in start order."""
        with self._lock:
            return sorted(self._workers.values(), key=lambda w: (w.started, w.pid))

    @property
    def run(self) -> int:
        """How many new starts of the server the log has seen (0 at first): when it
        changes, the previous run's requests are gone from ``records()``."""
        with self._lock:
            return self._run

    def clear(self) -> None:
        """Forget the requests read so far (the files are not read again: only new ones show)."""
        with self._lock:
            self._forget()

    def _forget(self) -> None:
        """(lock held) Nothing read so far is shown."""
        self._records.clear()
        self._by_id.clear()
        self._drops.clear()
        self._workers.clear()
        self._malformed = 0
        self._total = 0

    # ------------------------------------------------------------------ polling

    def poll(self) -> list[RequestRecord]:
        """Read what was appended since the last poll (at most ``max_read`` bytes);
        the new requests, in start order: at most ``keep`` of them (the older ones of a
        bigger burst would fall out of the window at once; ``total`` counts them)."""
        with self._read_lock:
            if self._new_run():
                self._files.clear()
                self._stacks.clear()
                with self._lock:
                    self._forget()
                    self._run += 1
            chunks, caught_up = self._read_files()
            raws: list[dict[str, Any]] = []
            workers: list[WorkerInfo] = []
            drops: dict[int, int] = {}
            malformed = sum(self._parse(line, raws, workers, drops) for line in chunks)
            stacks = self._stacks
            for worker in workers:  # a file's header comes before its requests
                stacks[worker.pid] = worker.layers
            # only the newest ``keep`` of a burst can stay: the rest are never built
            raws.sort(key=lambda raw: _start(raw.get("start")))
            requests = []
            for raw in raws[-self.keep :]:
                pid = raw.get("pid")
                record = RequestRecord.from_json(
                    raw, stacks.get(pid, ()) if type(pid) is int else ()
                )
                if record is None:
                    malformed += 1
                else:
                    requests.append(record)
            with self._lock:
                self._caught_up = caught_up
                self._malformed += malformed
                self._total += len(raws)
                for worker in workers:
                    self._workers[worker.pid] = worker
                    drops[worker.pid] = max(drops.get(worker.pid, 0), worker.dropped)
                for pid, count in drops.items():
                    self._drops[pid] = max(self._drops.get(pid, 0), count)
                self._add(requests)
            return requests

    @staticmethod
    def _parse(
        line: bytes,
        requests: list[dict[str, Any]],
        workers: list[WorkerInfo],
        drops: dict[int, int],
    ) -> int:
        """Sort one line into its list (a request stays a dict until it is known to be
        kept); 1 when it is malformed, else 0."""
        if not line.strip():
            return 0
        try:
            raw = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            return 1
        if not isinstance(raw, dict):
            return 1
        kind = raw.get("type")
        if kind == "worker":
            worker = WorkerInfo.from_json(raw)
            if worker is None:
                return 1
            workers.append(worker)
            return 0
        if kind == "dropped":
            pid, count = raw.get("pid"), raw.get("count")
            if not isinstance(pid, int) or not isinstance(count, int):
                return 1
            drops[pid] = max(drops.get(pid, 0), count)
            return 0
        if kind not in (None, "request"):
            return 0  # a line of a newer agent: not ours to judge
        if not isinstance(raw.get("method"), str) or not isinstance(raw.get("path"), str):
            return 1
        requests.append(raw)
        return 0

    def _add(self, requests: list[RequestRecord]) -> None:
        """Append (lock held): in start order, trimmed to ``keep``."""
        if not requests:
            return
        if self._records and requests[0].start < self._records[-1].start:
            merged = sorted([*self._records, *requests], key=lambda r: r.start)[-self.keep :]
            self._records = deque(merged)
            self._by_id = {r.id: r for r in merged}
            return
        for record in requests[-self.keep :]:
            if len(self._records) >= self.keep:
                old = self._records.popleft()
                if self._by_id.get(old.id) is old:
                    del self._by_id[old.id]
            self._records.append(record)
            self._by_id[record.id] = record

    def _new_run(self) -> bool:
        """The folder's note was renewed since the last poll: a new start emptied it."""
        try:
            st = os.stat(self.directory / MARKER)
        except OSError:
            return False
        marker = (st.st_dev, st.st_ino)
        renewed = self._marker is not None and marker != self._marker
        self._marker = marker
        return renewed

    def _read_files(self) -> tuple[list[bytes], bool]:
        """Complete lines appended to the agent's files since the last poll, and whether
        everything there was has been read."""
        found = self._scan()
        live: dict[tuple[int, int], _File] = {}
        for name, inode, size in found:
            state = self._files.get(inode)
            if state is not None and state.name != name and name != _rotated_name(state.name):
                state = None  # the inode of a removed file, reused by another
            if state is None or size < state.offset:
                state = _File(name, inode)  # new, or truncated: from the start
            state.name = name
            live[inode] = state
        self._files = live  # files gone (cleared, or the old rotation removed) are forgotten
        waiting = [(self._files[inode], size) for _name, inode, size in found]
        waiting = [(state, size) for state, size in waiting if size > state.offset]
        if not waiting:
            return [], True
        share = max(_MIN_SHARE, self.max_read // len(waiting))
        budget = self.max_read
        lines: list[bytes] = []
        caught_up = True
        # rotated files (older) first, so a worker's requests come in the order written
        waiting.sort(key=lambda item: (not item[0].name.endswith(_ROTATED), item[0].name))
        for state, size in waiting:
            if budget <= 0:
                caught_up = False
                break
            want = min(size - state.offset, share, budget)
            data = self._read(state, want)
            budget -= len(data)
            if state.offset < size:
                caught_up = False
            lines.extend(self._split(state, data))
        return lines, caught_up

    def _scan(self) -> list[tuple[str, tuple[int, int], int]]:
        try:
            entries = list(os.scandir(self.directory))
        except OSError:
            return []
        found = []
        for entry in entries:
            if not entry.name.endswith(RECORD_SUFFIX):
                continue
            try:
                st = entry.stat()
            except OSError:
                continue
            found.append((entry.name, (st.st_dev, st.st_ino), st.st_size))
        return found

    def _read(self, state: _File, want: int) -> bytes:
        try:
            with open(self.directory / state.name, "rb") as handle:
                if os.fstat(handle.fileno()).st_ino != state.inode[1]:
                    return b""  # replaced between the scan and now: next poll
                handle.seek(state.offset)
                data = handle.read(want)
        except OSError:
            return b""
        state.offset += len(data)
        return data

    @staticmethod
    def _split(state: _File, data: bytes) -> Iterable[bytes]:
        """Complete lines of ``data`` after what the file left pending; keeps the rest."""
        if state.skipping:
            end = data.find(b"\n")
            if end < 0:
                return []
            state.skipping = False
            data = data[end + 1 :]
        buffer = state.pending + data if state.pending else data
        *complete, rest = buffer.split(b"\n")
        if len(rest) > MAX_LINE:
            state.pending = b""
            state.skipping = True
            complete.append(b"\x00")  # counted as one malformed line
        else:
            state.pending = rest
        return complete


def requests_in(directory: Path, *, keep: int = 2000) -> list[RequestRecord]:
    """Everything a folder holds now, read to the end (tests, one-shot readers)."""
    log = RequestLog(directory, keep=keep)
    while not log.caught_up:
        log.poll()
    return log.records()
