"""Request history: every request and its answer, per project, in SQLite, secrets redacted.

Nothing secret is written: each entry goes through a :class:`Redactor`
(``_history_record``) first, and ``secure_delete`` makes deleted entries really
gone from the file, which only its owner may read.

The store is capped (entries and bytes, oldest pruned first) and safe to use
from several threads. A history that cannot be opened, read or written (corrupt,
read-only, a directory, a full disk) raises :class:`HistoryUnavailable`, which is
not a :class:`RequestFailed`: the request itself went through, and a caller shows
its answer and warns about the history. A *corrupt* file (SQLite says it is not a
database, or its pages are damaged) would fail forever, so it is moved aside once
as ``<name>.damaged-<time>`` and a fresh one is started; that one error says so.
"""

from __future__ import annotations

import builtins
import json
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgideck.runtime.client._auth import ApiKeyAuth
from asgideck.runtime.client._errors import RequestFailed
from asgideck.runtime.client._history_record import Redactor, spec_from_dict, spec_to_dict
from asgideck.runtime.client._response import ResponseRecord
from asgideck.runtime.client._spec import RequestSpec, prepare
from asgideck.runtime.errors import AsgideckError, NotFound
from asgideck.runtime.userstate import state_dir

__all__ = ["History", "HistoryEntry", "HistoryUnavailable"]


class HistoryUnavailable(AsgideckError):
    """The history file cannot be opened, read or written; ``str()`` names the file and why.

    Not a :class:`RequestFailed`: whatever was sent was sent, and its answer stands.
    """

    def __init__(
        self, action: str, path: Path, reason: object, moved_to: Path | None = None
    ) -> None:
        self.path = path
        self.reason = str(reason) or type(reason).__name__
        #: Where a corrupt file was moved to (a fresh, empty history took its place).
        self.moved_to = moved_to
        message = f"cannot {action} the request history {path}: {self.reason}"
        if moved_to is not None:
            message += f"; moved it aside to {moved_to} and started a fresh one"
        super().__init__(message)


# SQLite's primary result codes for a file that is no database or whose pages are damaged
# (extended codes carry them in the low byte).
_SQLITE_CORRUPT, _SQLITE_NOTADB = 11, 26


def _is_corrupt(exc: BaseException) -> bool:
    """The file itself is damaged (not a folder, a permission, a lock or a full disk)."""
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (_SQLITE_CORRUPT, _SQLITE_NOTADB)
    text = str(exc)
    return type(exc) is sqlite3.DatabaseError and ("not a database" in text or "malformed" in text)


def _inode(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_dev, st.st_ino


@dataclass(frozen=True)
class HistoryEntry:
    """One stored request (redacted) and what came back."""

    id: int
    project: str
    created: float
    method: str
    url: str
    spec: Mapping[str, Any]
    status: int | None
    reason: str
    elapsed_s: float | None
    size: int | None
    content_type: str
    response_headers: tuple[tuple[str, str], ...]
    response_body: bytes
    body_truncated: bool
    error: str | None


_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    project TEXT NOT NULL,
    created REAL NOT NULL,
    method TEXT NOT NULL,
    url TEXT NOT NULL,
    spec TEXT NOT NULL,
    status INTEGER,
    reason TEXT NOT NULL DEFAULT '',
    elapsed_s REAL,
    size INTEGER,
    content_type TEXT NOT NULL DEFAULT '',
    response_headers TEXT NOT NULL DEFAULT '[]',
    response_body BLOB NOT NULL DEFAULT x'',
    body_truncated INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    bytes INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_project ON entries (project, id);
"""
_COLUMNS = (
    "id, project, created, method, url, spec, status, reason, elapsed_s, size, content_type,"
    " response_headers, response_body, body_truncated, error"
)


class History:
    """The history database (``state_dir()/history.sqlite3`` unless ``path`` is given)."""

    def __init__(
        self,
        path: Path | None = None,
        *,
        max_entries: int = 5000,
        max_body: int = 256 * 1024,
        max_bytes: int = 64 * 2**20,
    ) -> None:
        self.path = path if path is not None else state_dir() / "history.sqlite3"
        self.max_entries = max_entries
        self.max_body = max_body
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        try:
            self._db, self._file = self._connect()
        except (sqlite3.Error, OSError) as exc:
            if not _is_corrupt(exc):
                raise HistoryUnavailable("open", self.path, exc) from None
            moved = self._move_aside(_inode(self.path), "open", exc)
            db, _file = self._connect_or_raise("open")
            db.close()  # the fresh file is ready for the next History(); this one reports
            raise HistoryUnavailable("open", self.path, exc, moved) from None

    def _connect(self) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        """The database (created if missing) and the identity of the file it opened."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch(mode=0o600, exist_ok=True)  # requests are nobody else's business
        identity = _inode(self.path)
        db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        try:
            db.execute("PRAGMA secure_delete = ON")
            db.execute("PRAGMA auto_vacuum = INCREMENTAL")
            db.executescript(_SCHEMA)
        except BaseException:
            db.close()
            raise
        return db, identity

    def _connect_or_raise(self, action: str) -> tuple[sqlite3.Connection, tuple[int, int] | None]:
        try:
            return self._connect()
        except (sqlite3.Error, OSError) as exc:
            raise HistoryUnavailable(action, self.path, exc) from None

    def _move_aside(self, identity: tuple[int, int] | None, action: str, why: object) -> Path:
        """Rename the corrupt file (and any journal beside it) to ``<name>.damaged-<time>``.

        Only the file found damaged is moved: if another process already replaced it with
        a fresh one, that one is left alone (and the new name is the one it chose).
        """
        stamp = time.strftime("%Y%m%d-%H%M%S")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        number = 1
        while target.exists():
            target = self.path.with_name(f"{self.path.name}.damaged-{stamp}-{number}")
            number += 1
        if identity is None or _inode(self.path) != identity:
            raise HistoryUnavailable(action, self.path, f"{why} (it was replaced meanwhile)")
        try:
            os.rename(self.path, target)
            for suffix in ("-journal", "-wal", "-shm"):
                journal = self.path.with_name(self.path.name + suffix)
                if journal.exists():
                    os.rename(journal, target.with_name(target.name + suffix))
        except OSError as exc:
            raise HistoryUnavailable(action, self.path, f"{why}; moving it aside: {exc}") from None
        return target

    @contextmanager
    def _using(self, action: str) -> Iterator[sqlite3.Connection]:
        """The database under the lock; its failures become :class:`HistoryUnavailable`."""
        with self._lock:
            try:
                yield self._db
            except (sqlite3.Error, OSError) as exc:
                if not _is_corrupt(exc):
                    raise HistoryUnavailable(action, self.path, exc) from None
                # Damage found after opening: a fresh file, so the next call works.
                self._db.close()
                try:
                    moved = self._move_aside(self._file, action, exc)
                finally:
                    self._db, self._file = self._connect_or_raise(action)
                raise HistoryUnavailable(action, self.path, exc, moved) from None

    # --- writing -----------------------------------------------------------------------

    def add(
        self,
        project: str,
        spec: RequestSpec,
        response: ResponseRecord | None,
        error: str | None = None,
    ) -> int:
        """Store one request (redacted) and its answer or error; returns the entry id.

        Raises :class:`HistoryUnavailable` when the file cannot take it.
        """
        api_key = spec.auth.name if isinstance(spec.auth, ApiKeyAuth) else None
        redactor = Redactor([api_key] if api_key else [])
        spec_data = spec_to_dict(spec, redactor, self.max_body)
        try:
            url = redactor.url(prepare(spec).url)
        except RequestFailed:
            url = spec_data["url"]
        status = reason = elapsed = size = None
        content_type, headers, body, truncated = "", [], b"", False
        if response is not None:
            headers = redactor.headers(response.headers)
            body, truncated = self._response_body(response, redactor)
            status, reason = response.status, response.reason
            elapsed, size, content_type = response.elapsed_s, response.size, response.content_type
        # The second pass: secrets found anywhere are scrubbed everywhere.
        spec_json = json.dumps(redactor.deep_scrub(spec_data), ensure_ascii=False)
        headers_json = json.dumps(redactor.deep_scrub(headers), ensure_ascii=False)
        url = redactor.scrub(url)
        body = redactor.scrub_bytes(body)
        error = redactor.scrub(error) if error else None
        row_bytes = len(spec_json) + len(headers_json) + len(body) + len(url) + len(error or "")
        with self._using("write to") as db:
            cursor = db.execute(
                "INSERT INTO entries (project, created, method, url, spec, status, reason,"
                " elapsed_s, size, content_type, response_headers, response_body, body_truncated,"
                " error, bytes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    project,
                    time.time(),
                    spec.method.upper(),
                    url,
                    spec_json,
                    status,
                    reason or "",
                    elapsed,
                    size,
                    content_type,
                    headers_json,
                    body,
                    int(truncated),
                    error,
                    row_bytes,
                ),
            )
            entry_id = cursor.lastrowid
            self._prune()
        assert entry_id is not None
        return entry_id

    def _response_body(self, response: ResponseRecord, redactor: Redactor) -> tuple[bytes, bool]:
        body = response.body[: self.max_body]
        truncated = response.truncated or len(response.body) > self.max_body
        if response.is_binary:
            return body, truncated
        text = body.decode("utf-8", errors="replace")
        if not truncated:
            text = redactor.text_body(text, response.content_type)
        else:
            text = redactor.text(redactor.mask_json_pairs(text))
        return text.encode("utf-8"), truncated

    def _prune(self) -> None:
        db = self._db
        db.execute(
            "DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY id DESC"
            " LIMIT -1 OFFSET ?)",
            (self.max_entries,),
        )
        (total,) = db.execute("SELECT COALESCE(SUM(bytes), 0) FROM entries").fetchone()
        if total > self.max_bytes:
            # Walk from the newest; delete everything older than where the budget runs out.
            running = 0
            cutoff = None
            for entry_id, size in db.execute("SELECT id, bytes FROM entries ORDER BY id DESC"):
                running += size
                if running > self.max_bytes:
                    cutoff = entry_id
                    break
            if cutoff is not None:
                db.execute("DELETE FROM entries WHERE id <= ?", (cutoff,))
        db.execute("PRAGMA incremental_vacuum")

    # --- reading -----------------------------------------------------------------------

    def list(self, project: str, search: str = "", limit: int = 200) -> builtins.list[HistoryEntry]:
        """Newest first; ``search`` matches method, URL, status, request and response text."""
        sql = f"SELECT {_COLUMNS} FROM entries WHERE project = ?"
        params: list[Any] = [project]
        if search:
            sql += (
                " AND instr(lower(method || ' ' || url || ' ' || COALESCE(status, '') || ' '"
                " || reason || ' ' || spec || ' ' || COALESCE(error, '') || ' '"
                " || CAST(response_body AS TEXT)), ?) > 0"
            )
            params.append(search.lower())
        sql += " ORDER BY id DESC LIMIT ?"
        params.append(limit)
        with self._using("read") as db:
            rows = db.execute(sql, params).fetchall()
        return [_entry(row) for row in rows]

    def get(self, entry_id: int) -> HistoryEntry:
        with self._using("read") as db:
            row = db.execute(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,)).fetchone()
        if row is None:
            raise NotFound(f"history entry {entry_id} does not exist (pruned or deleted)")
        return _entry(row)

    def spec_of(self, entry: HistoryEntry) -> RequestSpec:
        """The entry's request, ready to send again (secrets are ``****``: re-apply auth)."""
        return spec_from_dict(entry.spec)

    def projects(self) -> builtins.list[str]:
        with self._using("read") as db:
            rows = db.execute("SELECT DISTINCT project FROM entries ORDER BY project")
            return [row[0] for row in rows]

    def count(self, project: str | None = None) -> int:
        with self._using("read") as db:
            if project is None:
                (count,) = db.execute("SELECT COUNT(*) FROM entries").fetchone()
            else:
                (count,) = db.execute(
                    "SELECT COUNT(*) FROM entries WHERE project = ?", (project,)
                ).fetchone()
        return int(count)

    # --- deleting ----------------------------------------------------------------------

    def delete(self, entry_id: int) -> None:
        with self._using("write to") as db:
            db.execute("DELETE FROM entries WHERE id = ?", (entry_id,))
            db.execute("PRAGMA incremental_vacuum")

    def clear(self, project: str | None = None) -> None:
        """Delete one project's entries, or all of them."""
        with self._using("write to") as db:
            if project is None:
                db.execute("DELETE FROM entries")
            else:
                db.execute("DELETE FROM entries WHERE project = ?", (project,))
            db.execute("PRAGMA incremental_vacuum")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _entry(row: Sequence[Any]) -> HistoryEntry:
    (entry_id, project, created, method, url, spec, status, reason, elapsed, size) = row[:10]
    content_type, headers, body, truncated, error = row[10:]
    return HistoryEntry(
        id=entry_id,
        project=project,
        created=created,
        method=method,
        url=url,
        spec=json.loads(spec),
        status=status,
        reason=reason,
        elapsed_s=elapsed,
        size=size,
        content_type=content_type,
        response_headers=tuple((k, v) for k, v in json.loads(headers)),
        response_body=bytes(body),
        body_truncated=bool(truncated),
        error=error,
    )
