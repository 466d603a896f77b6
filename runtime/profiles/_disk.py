"""An env file as it is on disk right now, and replacing it only while it still is.

Edits are optimistic: read a :class:`Snapshot` (bytes plus the stat fields that say
which version of the file they are), compute the new text, then
:func:`replace_if_unchanged` writes a temp file beside it and moves it over the file
only if a last re-read still finds that snapshot. Before anything is read for an edit,
:func:`settled` waits out another program that is mid-save, so an edit is never based
on a file that is empty or half-written.

How "mid-save" is told apart from "saved" (there is no portable lock editors honour):

- a version asgideck itself wrote in this process is complete;
- a version older than ``quiet`` (by its mtime), or one that did not change while
  watched for ``quiet``, is complete;
- a version that replaced the one being watched (a new inode: an atomic save by
  rename) is complete once it is non-empty and ends with a line break;
- an empty file, or one cut to a partial last line shorter than a version seen
  before, is what an editor leaves between truncating and writing: it is believed only
  once left alone for ``EMPTY_QUIET_FACTOR`` times ``quiet`` (1.5 s), unless the last
  version known here (the edit's base, asgideck's own last write, the last settled read)
  was empty too; a file that vanished during an edit must stay gone for ``quiet``.
  A caller that knows what the user saw (:class:`Seen`) refuses an emptied file outright
  (``_edit``).

Two asgideck writers (processes or threads) take turns for the last re-read and the
rename: an advisory ``flock`` on the file's folder (:func:`edit_turn`), where the
platform has one. An edit that lost five races holds the turn for its further
retries, so a busy writer cannot starve it.

What is left: a writer that pauses longer than ``quiet`` in the middle of an in-place
save (after its first complete line), or longer than 1.5 s after truncating, or that
creates a new file and fills it line by line, still looks finished; and
another program (one that does not take that lock) saving between the last re-read
and the rename (microseconds) still loses its write. Both windows are far smaller
than the edit-to-save window they replace.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import stat
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.profiles._read import MAX_FILE_BYTES, EnvFileError, check_env_stat

__all__ = [
    "EMPTY_QUIET_FACTOR",
    "QUIET",
    "SETTLE_TIMEOUT",
    "Seen",
    "Snapshot",
    "edit_turn",
    "replace_if_unchanged",
    "seen",
    "settled",
    "snapshot",
]

#: how long a file must be left alone before an in-place save is taken as finished (s)
QUIET = 0.1
#: how long an edit waits for another program to finish saving before it refuses (s)
SETTLE_TIMEOUT = 1.0
#: an emptied (or cut) file must be left alone this many times ``QUIET`` to be believed:
#: an editor saving in place truncates first, and may take a moment before it writes
EMPTY_QUIET_FACTOR = 15
_POLL = 0.01
_LOCK_POLL = 0.001
_thread_lock = threading.Lock()  # flock is per open file: threads of one process share it

try:
    import fcntl
except ImportError:  # Windows: no flock; the last re-read alone narrows the window
    fcntl = None  # type: ignore[assignment]

# Versions this process wrote itself: (dev, ino, size, mtime_ns, digest) by path.
_written: dict[str, tuple[int, int, int, int, str]] = {}
# The size of the last settled version read here, by path.
_last_size: dict[str, int] = {}


@dataclass(frozen=True)
class Snapshot:
    """One version of a file: its bytes and which version they are."""

    data: bytes
    dev: int
    ino: int
    size: int
    mtime_ns: int
    mode: int
    uid: int
    gid: int
    digest: str
    #: nothing changed while it was read (same size and mtime before and after)
    steady: bool

    @property
    def version(self) -> tuple[int, int, int, int, str]:
        return (self.dev, self.ino, self.size, self.mtime_ns, self.digest)


@dataclass(frozen=True)
class Seen:
    """What a caller read (and showed the user): enough to tell the file was emptied since."""

    size: int
    lines: int
    digest: str

    @classmethod
    def of(cls, data: bytes) -> Seen:
        lines = data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
        return cls(size=len(data), lines=lines, digest=hashlib.sha256(data).hexdigest())


def seen(path: Path) -> Seen | None:
    """What ``path`` holds now, for a caller that shows it and edits it later
    (``set_value(..., loaded=...)``); ``None`` when there is no file."""
    snap = snapshot(path)
    return Seen.of(snap.data) if snap is not None else None


def same(a: Snapshot | None, b: Snapshot | None) -> bool:
    """Both absent, or the same version of the file."""
    if a is None or b is None:
        return a is b
    return a.version == b.version


def snapshot(path: Path) -> Snapshot | None:
    """``path``'s bytes and version now; ``None`` when nothing is there."""
    try:
        check_env_stat(path, os.stat(path))  # never open a FIFO or a directory
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
        try:
            before = os.fstat(fd)
            check_env_stat(path, before)
            chunks, total = [], 0
            while total <= MAX_FILE_BYTES:
                chunk = os.read(fd, 1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
            after = os.fstat(fd)
        finally:
            os.close(fd)
    except FileNotFoundError:
        return None
    except PermissionError:
        raise EnvFileError(path, "cannot read it: permission denied") from None
    except OSError as exc:
        raise EnvFileError(path, f"cannot read it: {exc.strerror or exc}") from None
    data = b"".join(chunks)
    if len(data) > MAX_FILE_BYTES:
        raise EnvFileError(path, f"grew past {MAX_FILE_BYTES} bytes while being read")
    steady = (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns) and len(
        data
    ) == after.st_size
    return Snapshot(
        data=data,
        dev=after.st_dev,
        ino=after.st_ino,
        size=after.st_size,
        mtime_ns=after.st_mtime_ns,
        mode=stat.S_IMODE(after.st_mode),
        uid=after.st_uid,
        gid=after.st_gid,
        digest=hashlib.sha256(data).hexdigest(),
        steady=steady,
    )


def _looks_whole(snap: Snapshot) -> bool:
    return snap.steady and snap.data.endswith((b"\n", b"\r"))


def _suspect(path: Path, snap: Snapshot, earlier: list[int]) -> bool:
    """Whether ``snap`` may be an editor's truncated file between truncate and write.

    ``earlier``: sizes of versions seen before it (the edit's base, the first version
    this settle saw). An empty file is suspect unless every version known here was empty
    too (nothing known: suspect); a partial last line is suspect when shorter than a
    version known here.
    """
    key = str(path)
    written = _written.get(key)
    if written == snap.version:
        return False
    known = [*earlier, *([written[2]] if written else [])]
    known += [_last_size[key]] if key in _last_size else []
    if not snap.data:
        return not known or any(known)
    return not snap.data.endswith((b"\n", b"\r")) and any(size > snap.size for size in known)


def _complete(
    path: Path,
    snap: Snapshot | None,
    watched: float,
    base: Snapshot | None,
    quiet: float,
    earlier: list[int],
) -> bool:
    """Whether ``snap`` (unchanged since ``watched``, a monotonic time) is a finished save."""
    left_alone = time.monotonic() - watched
    if snap is None:  # gone: finished only if it was not there to begin with, or stays gone
        return base is None or left_alone >= quiet
    if not snap.steady:
        return False
    if _written.get(str(path)) == snap.version:
        return True
    age = (time.time_ns() - snap.mtime_ns) / 1e9
    wait = EMPTY_QUIET_FACTOR * quiet if _suspect(path, snap, earlier) else quiet
    return age >= wait or left_alone >= wait


def settled(
    path: Path,
    *,
    base: Snapshot | None = None,
    quiet: float | None = None,
    timeout: float | None = None,
) -> Snapshot | None:
    """``path`` once no other program is mid-save (see the module docstring).

    ``base`` is what an edit started from, if it did: the file gone or emptied since
    then is trusted only after a quiet time (much longer for an emptied one).
    Raises :class:`EnvFileError` when the file keeps changing for ``timeout`` seconds
    (an emptied file is given its longer quiet time even when that is longer).
    ``quiet`` and ``timeout`` default to the module's ``QUIET`` and ``SETTLE_TIMEOUT``
    as they are at the call.
    """
    quiet = QUIET if quiet is None else quiet
    timeout = SETTLE_TIMEOUT if timeout is None else timeout
    started = time.monotonic()
    current = snapshot(path)
    watched = time.monotonic()
    earlier = [base.size] if base is not None else []
    if current is not None and current.data:
        earlier.append(current.size)  # the file as this edit first saw it
    while not _complete(path, current, watched, base, quiet, earlier):
        waited = time.monotonic() - started
        suspect = current is not None and _suspect(path, current, earlier)
        limit = max(timeout, (EMPTY_QUIET_FACTOR + 1) * quiet) if suspect else timeout
        if waited >= limit:
            raise EnvFileError(
                path,
                f"kept changing for {timeout:g} s (another program is saving it?); "
                "left unchanged, try again",
            )
        time.sleep(_POLL)  # polling: no portable event says another program finished
        latest = snapshot(path)
        if same(latest, current) and (latest is None or latest.steady):
            current = latest  # the same version, now read whole: still being watched
            continue
        replaced = latest is not None and (current is None or latest.ino != current.ino)
        current, watched = latest, time.monotonic()
        if replaced and current is not None and _looks_whole(current):
            break
    if current is not None:
        _last_size[str(path)] = current.size
    return current


@contextlib.contextmanager
def edit_turn(folder: Path, timeout: float | None = None) -> Iterator[None]:
    """Hold the folder's advisory lock: one asgideck writer at a time re-reads and renames.

    Where the folder cannot be locked (no flock, a file system without it) the edit goes
    on unlocked; waiting longer than ``timeout`` (default: three times
    ``SETTLE_TIMEOUT``) for another holder is refused.
    """
    timeout = 3 * SETTLE_TIMEOUT if timeout is None else timeout
    deadline = time.monotonic() + timeout
    if not _thread_lock.acquire(timeout=timeout):
        raise EnvFileError(folder, "another edit in this folder did not finish; try again")
    try:
        fd = None
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
        try:
            while fd is not None and fcntl is not None:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise EnvFileError(
                            folder, "another program holds the edit lock on this folder; try again"
                        ) from None
                    time.sleep(_LOCK_POLL)
                except OSError:
                    break  # cannot be locked here: go on without
            yield
        finally:
            if fd is not None:
                os.close(fd)  # closing releases the flock
    finally:
        _thread_lock.release()


def replace_if_unchanged(
    path: Path, data: bytes, base: Snapshot | None, *, have_turn: bool = False
) -> bool:
    """Write ``data`` to a temp file beside ``path`` and move it over ``path``, if ``path``
    is still ``base`` (``None``: still absent). False when it changed: nothing written.

    The file keeps its mode (a new one is 0600: env files hold secrets) and, where
    allowed, its owner. The last check runs after the temp file is complete, right
    before the rename and under the folder's edit lock, so asgideck writers never
    lose each other's edits; another program's save can only be lost in the
    microseconds between that check and the rename. ``have_turn``: the caller already
    holds :func:`edit_turn` for this folder.
    """
    tmp: Path | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
            written = os.fstat(out.fileno())  # mtime is final: chmod and rename keep it
        if base is not None:
            os.chmod(tmp, base.mode)
            if hasattr(os, "chown"):
                with contextlib.suppress(OSError):
                    os.chown(tmp, base.uid, base.gid)
        with contextlib.nullcontext() if have_turn else edit_turn(path.parent):
            if not same(snapshot(path), base):  # the last check
                tmp.unlink(missing_ok=True)
                return False
            os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        if exc.errno == errno.ENOENT and not path.parent.is_dir():
            raise EnvFileError(path, "cannot write it: its folder is gone") from None
        raise EnvFileError(path, f"cannot write it: {exc.strerror or exc}") from None
    except BaseException:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise
    digest = hashlib.sha256(data).hexdigest()
    _written[str(path)] = (written.st_dev, written.st_ino, len(data), written.st_mtime_ns, digest)
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    return True
