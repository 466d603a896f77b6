"""Servers asgideck started: the state file that outlives asgideck, and orphans.

A server outlives asgideck when asgideck is killed (it runs in its own
session), so every start is recorded in ``state_dir()/servers.json`` with the
pid *and* its create time (a reused pid is never mistaken for the server).
On the next start asgideck lists the entries still alive whose owner is gone
(orphans) and can stop them or adopt them; their trees end the way every tree
does (``_process_tree``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil

from asgideck.runtime.servers._process_tree import (
    EndResult,
    ProcessTree,
    TreeSample,
    create_time_of,
    group_members,
    same_time,
)
from asgideck.runtime.userstate import read_json, state_dir, write_json_atomic

__all__ = [
    "AdoptedServer",
    "Entry",
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
        ctime = create_time_of(self.pid)
        return ctime is not None and same_time(ctime, self.create_time)

    def owner_alive(self) -> bool:
        if self.owner_create_time is None:
            return psutil.pid_exists(self.owner_pid)
        ctime = create_time_of(self.owner_pid)
        return ctime is not None and same_time(ctime, self.owner_create_time)

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
        entry = replace(entry, owner_create_time=create_time_of(os.getpid()))
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
        tree.pgid = entry.pgid if entry.pgid is not None and group_members(entry.pgid) else None
    return tree


def stop_orphan(entry: Entry, grace: float = 5.0, path: Path | None = None) -> EndResult:
    """End an orphaned server's whole tree, verify, and drop it from the state file."""
    result = _tree_for(entry).end(grace, port=(entry.host, entry.port))
    if not result.survivors:
        unregister(entry.id, path)
    return result


class AdoptedServer:
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


def adopt(entry: Entry, path: Path | None = None) -> AdoptedServer:
    """Take over an orphan: this process becomes its owner, so it is no longer orphaned."""
    owned = replace(entry, owner_pid=os.getpid(), owner_create_time=create_time_of(os.getpid()))
    register(owned, path)
    return AdoptedServer(owned, path)
