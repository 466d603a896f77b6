"""Servers asgideck started: their state file, their process trees, and ending them.

A server outlives asgideck when asgideck is killed (it runs in its own
session), so every start is recorded in ``state_dir()/servers.json`` with the
pid *and* its create time (a reused pid is never mistaken for the server).
On the next start asgideck lists the entries still alive whose owner is gone
(orphans) and can stop them or adopt them.

Ending a tree (``ProcessTree.end``): SIGTERM the process group, wait the grace
period, SIGKILL the group, then check with psutil that no tracked process (nor
any group member: workers reparent when their parent dies) survives. On
Windows (untested) servers start in a new process group and trees are ended
through psutil, children first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil

from asgideck.runtime.servers._ports import is_port_free
from asgideck.runtime.userstate import read_json, state_dir, write_json_atomic

__all__ = [
    "EndResult",
    "Entry",
    "ManagedServer",
    "ProcessTree",
    "TreeSample",
    "adopt",
    "alive_entries",
    "entries",
    "entry_holding",
    "new_id",
    "orphans",
    "register",
    "registry_path",
    "stop_orphan",
    "unregister",
]


def new_id() -> str:
    return uuid.uuid4().hex[:10]


def _create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def _same_time(a: float, b: float) -> bool:
    return abs(a - b) < 0.02


# --------------------------------------------------------------------------- process trees


@dataclass(frozen=True)
class TreeSample:
    cpu_percent: float
    rss: int
    processes: int
    workers: int


@dataclass(frozen=True)
class EndResult:
    """How a tree ended: ``survivors`` lists pids still alive after SIGKILL (should be empty)."""

    survivors: tuple[int, ...] = ()
    killed: bool = False  # SIGKILL was needed
    port_free: bool = True

    @property
    def clean(self) -> bool:
        return not self.survivors and self.port_free


class ProcessTree:
    """A server's processes: the root, its descendants seen so far, and its process group.

    ``popen`` (when asgideck started the root) is used to tell whether the root
    is alive without reaping it behind ``Popen``'s back, so its exit code stays
    available to the watcher. ``refresh()`` records descendants while they are
    still attached, since children reparent when a parent dies.
    """

    def __init__(
        self,
        pid: int,
        create_time: float | None = None,
        *,
        pgid: int | None = None,
        popen: subprocess.Popen[bytes] | None = None,
    ) -> None:
        self.pid = pid
        self.pgid = pgid
        self.popen = popen
        ctime = create_time if create_time is not None else _create_time(pid)
        self._procs: dict[int, psutil.Process] = {}
        self._lock = threading.Lock()
        if ctime is not None:
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if _same_time(proc.create_time(), ctime):
                    self._procs[pid] = proc

    @property
    def pids(self) -> list[int]:
        with self._lock:
            return list(self._procs)

    def _root_alive(self) -> bool:
        if self.popen is not None:
            return self.popen.poll() is None
        proc = self._procs.get(self.pid)
        return proc is not None and _alive(proc)

    def refresh(self, scan_group: bool = False) -> None:
        """Record the current descendants (and, when asked, all members of the group)."""
        found: list[psutil.Process] = []
        with self._lock:
            known = list(self._procs.values())
        for proc in known:
            with contextlib.suppress(psutil.Error):
                found.extend(proc.children(recursive=True))
        if scan_group and self.pgid is not None:
            found.extend(_group_members(self.pgid))
        with self._lock:
            for proc in found:
                self._procs.setdefault(proc.pid, proc)

    def alive(self) -> list[psutil.Process]:
        """Tracked processes still running (zombies count as gone)."""
        with self._lock:
            procs = list(self._procs.items())
        out = []
        for pid, proc in procs:
            if pid == self.pid and self.popen is not None:
                if self.popen.poll() is None:
                    out.append(proc)
            elif _alive(proc):
                out.append(proc)
        return out

    def sample(self) -> TreeSample:
        """CPU % and RSS summed over the live tree; workers = serving children of the root."""
        cpu = 0.0
        rss = 0
        count = 0
        workers = 0
        for proc in self.alive():
            try:
                with proc.oneshot():
                    cpu += proc.cpu_percent(None)
                    rss += proc.memory_info().rss
                    if proc.pid != self.pid and proc.ppid() == self.pid and not _is_helper(proc):
                        workers += 1
                count += 1
            except psutil.Error:
                continue
        return TreeSample(cpu, rss, count, max(workers, 1 if count else 0))

    def signal_all(self, sig: int) -> None:
        """Send ``sig`` to the group and to every tracked process outside it."""
        if sys.platform != "win32" and self.pgid is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pgid, sig)
        for proc in self.alive():
            with contextlib.suppress(psutil.Error, OSError):
                if (
                    sys.platform == "win32"
                    or self.pgid is None
                    or os.getpgid(proc.pid) != self.pgid
                ):
                    proc.send_signal(sig)

    def wait_gone(self, timeout: float, event: threading.Event | None = None) -> bool:
        """Wait until no tracked process is alive; False on timeout."""
        deadline = time.monotonic() + timeout
        waiter = event if event is not None else threading.Event()
        while True:
            if not self.alive():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            if self.popen is not None and self._root_alive():
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.popen.wait(min(0.05, remaining))
            else:
                waiter.wait(min(0.02, remaining))

    def end(
        self,
        grace: float,
        *,
        port: tuple[str, int] | None = None,
        on_kill: Callable[[list[int]], None] | None = None,
    ) -> EndResult:
        """SIGTERM, wait ``grace`` s, SIGKILL, verify nothing survives (and the port is free)."""
        self.refresh(scan_group=True)
        if sys.platform == "win32":
            return self._end_windows(grace, port)
        self.signal_all(signal.SIGTERM)
        killed = False
        if not self.wait_gone(grace):
            self.refresh(scan_group=True)
            stubborn = [p.pid for p in self.alive()]
            if on_kill is not None:
                on_kill(stubborn)
            self.signal_all(signal.SIGKILL)
            killed = True
            self.wait_gone(3.0)
        self.refresh(scan_group=True)
        if self.alive():  # spawned during the shutdown: one more round
            self.signal_all(signal.SIGKILL)
            killed = True
            self.wait_gone(3.0)
        survivors = tuple(p.pid for p in self.alive())
        return EndResult(survivors, killed, _port_freed(port))

    def _end_windows(self, grace: float, port: tuple[str, int] | None) -> EndResult:
        procs = sorted(self.alive(), key=lambda p: p.pid == self.pid)  # children first
        for proc in procs:
            with contextlib.suppress(psutil.Error):
                proc.terminate()
        killed = False
        if not self.wait_gone(grace):
            killed = True
            for proc in self.alive():
                with contextlib.suppress(psutil.Error):
                    proc.kill()
            self.wait_gone(3.0)
        return EndResult(tuple(p.pid for p in self.alive()), killed, _port_freed(port))


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _is_helper(proc: psutil.Process) -> bool:
    """multiprocessing's resource tracker is a child but not a worker."""
    try:
        return any("resource_tracker" in part for part in proc.cmdline())
    except psutil.Error:
        return True


def _group_members(pgid: int) -> list[psutil.Process]:
    if sys.platform == "win32":
        return []
    members = []
    for pid in psutil.pids():
        try:
            if os.getpgid(pid) == pgid:
                members.append(psutil.Process(pid))
        except (OSError, psutil.Error):
            continue
    return members


def _port_freed(port: tuple[str, int] | None, timeout: float = 3.0) -> bool:
    if port is None:
        return True
    deadline = time.monotonic() + timeout
    wait = threading.Event()
    while not is_port_free(port[1], port[0]):
        if time.monotonic() >= deadline:
            return False
        wait.wait(0.05)
    return True


# --------------------------------------------------------------------------- state file


@dataclass(frozen=True)
class Entry:
    """One server asgideck started (no environment: secrets never reach the state file)."""

    id: str
    pid: int
    create_time: float
    argv: tuple[str, ...]
    port: int
    host: str
    root: str
    kind: str
    started_at: float
    pgid: int | None = None
    owner_pid: int = field(default_factory=os.getpid)
    owner_create_time: float | None = None
    name: str = ""

    def describe(self) -> str:
        label = self.name or self.kind
        return f"{label} on {self.host}:{self.port} (pid {self.pid}, {self.root})"

    def alive(self) -> bool:
        """The server's root process still runs (same pid *and* create time)."""
        ctime = _create_time(self.pid)
        return ctime is not None and _same_time(ctime, self.create_time)

    def owner_alive(self) -> bool:
        if self.owner_create_time is None:
            return psutil.pid_exists(self.owner_pid)
        ctime = _create_time(self.owner_pid)
        return ctime is not None and _same_time(ctime, self.owner_create_time)

    @classmethod
    def from_json(cls, raw: Any) -> Entry | None:
        if not isinstance(raw, dict):
            return None
        try:
            return cls(
                id=str(raw["id"]),
                pid=int(raw["pid"]),
                create_time=float(raw["create_time"]),
                argv=tuple(str(a) for a in raw["argv"]),
                port=int(raw["port"]),
                host=str(raw.get("host", "127.0.0.1")),
                root=str(raw["root"]),
                kind=str(raw["kind"]),
                started_at=float(raw["started_at"]),
                pgid=None if raw.get("pgid") is None else int(raw["pgid"]),
                owner_pid=int(raw.get("owner_pid", 0)),
                owner_create_time=(
                    None
                    if raw.get("owner_create_time") is None
                    else float(raw["owner_create_time"])
                ),
                name=str(raw.get("name", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["argv"] = list(self.argv)
        return data


def registry_path() -> Path:
    return state_dir() / "servers.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write between asgideck processes (GUI and CLI)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if sys.platform == "win32":
        yield
        return
    import fcntl

    with open(path.with_name(path.name + ".lock"), "a+") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _load(path: Path) -> list[Entry]:
    raw = read_json(path, {})
    items = raw.get("servers", []) if isinstance(raw, dict) else []
    return [e for e in (Entry.from_json(item) for item in items) if e is not None]


def _save(path: Path, items: Sequence[Entry]) -> None:
    write_json_atomic(path, {"version": 1, "servers": [e.to_json() for e in items]})


def entries(path: Path | None = None) -> list[Entry]:
    return _load(path or registry_path())


def register(entry: Entry, path: Path | None = None) -> None:
    target = path or registry_path()
    if entry.owner_create_time is None and entry.owner_pid == os.getpid():
        entry = replace(entry, owner_create_time=_create_time(os.getpid()))
    with _locked(target):
        items = [e for e in _load(target) if e.id != entry.id]
        items.append(entry)
        _save(target, items)


def unregister(entry_id: str, path: Path | None = None) -> None:
    target = path or registry_path()
    with _locked(target):
        items = _load(target)
        kept = [e for e in items if e.id != entry_id]
        if len(kept) != len(items):
            _save(target, kept)


def alive_entries(path: Path | None = None, *, prune: bool = True) -> list[Entry]:
    """Entries whose server still runs; dead ones are dropped from the file."""
    target = path or registry_path()
    with _locked(target):
        items = _load(target)
        alive = [e for e in items if e.alive()]
        if prune and len(alive) != len(items):
            _save(target, alive)
    return alive


def orphans(current_ids: Sequence[str] = (), path: Path | None = None) -> list[Entry]:
    """Live servers that no running asgideck owns (their owner died), minus ``current_ids``."""
    skip = set(current_ids)
    return [e for e in alive_entries(path) if e.id not in skip and not e.owner_alive()]


def entry_holding(pid: int, path: Path | None = None) -> Entry | None:
    """The live entry whose tree or process group contains ``pid`` (who holds a port?)."""
    try:
        chain = {pid, *(p.pid for p in psutil.Process(pid).parents())}
        pgid = os.getpgid(pid) if sys.platform != "win32" else None
    except (psutil.Error, OSError):
        return None
    for entry in alive_entries(path, prune=False):
        if entry.pid in chain or (pgid is not None and entry.pgid == pgid):
            return entry
    return None


def _tree_for(entry: Entry) -> ProcessTree:
    tree = ProcessTree(entry.pid, entry.create_time, pgid=entry.pgid)
    if not tree.pids:  # root gone or pid reused: only the group (if any) is ours
        tree.pgid = entry.pgid if entry.pgid is not None and _group_members(entry.pgid) else None
    return tree


def stop_orphan(entry: Entry, grace: float = 5.0, path: Path | None = None) -> EndResult:
    """End an orphaned server's whole tree, verify, and drop it from the state file."""
    result = _tree_for(entry).end(grace, port=(entry.host, entry.port))
    if not result.survivors:
        unregister(entry.id, path)
    return result


class ManagedServer:
    """An adopted orphan: alive/stats/stop, no logs (its pipes died with the old asgideck)."""

    def __init__(self, entry: Entry, path: Path | None = None) -> None:
        self.entry = entry
        self._path = path
        self.tree = _tree_for(entry)
        self.tree.refresh(scan_group=True)

    def alive(self) -> bool:
        return bool(self.tree.alive())

    def sample(self) -> TreeSample:
        self.tree.refresh()
        return self.tree.sample()

    def stop(self, grace: float = 5.0) -> EndResult:
        result = self.tree.end(grace, port=(self.entry.host, self.entry.port))
        if not result.survivors:
            unregister(self.entry.id, self._path)
        return result


def adopt(entry: Entry, path: Path | None = None) -> ManagedServer:
    """Take over an orphan: this process becomes its owner, so it is no longer orphaned."""
    owned = replace(entry, owner_pid=os.getpid(), owner_create_time=_create_time(os.getpid()))
    register(owned, path)
    return ManagedServer(owned, path)
