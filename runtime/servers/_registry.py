"""Servers asgideck started: the state file that outlives asgideck, and orphans.

A server outlives asgideck when asgideck is killed (it runs in its own
session), so every start is recorded in ``state_dir()/servers.json`` with the
pid *and* its create time (a reused pid is never mistaken for the server), and
the launch marker its processes carry (``_process_tree.LAUNCH_VAR``).
On the next start asgideck lists the entries still alive whose owner is gone
(orphans) and can stop them or adopt them; their trees end the way every tree
does (``_process_tree``).

Nothing here loses track of a running server:

- the file is read and written through ``userstate.read_state``/``write_state``:
  a damaged file is kept aside and the last good state (``servers.json.bak``)
  restored, with one line saying so (``userstate.take_notices``); a file that
  cannot be used at all (a folder in its place, a folder where the lock file
  goes) raises ``StateError`` rather than letting a server start unrecorded, while
  listing (``ps``, ``stop``) goes on with the trees found by their marker after one
  line saying why;
- an entry stays while any process of its tree lives (its root, or anything
  carrying its marker: a forked child that still holds the port), so ``ps`` and
  ``stop --all`` can reach it;
- :func:`alive_entries` also lists trees found by their marker that the file does
  not know (it was lost or damaged): :attr:`Entry.found_by_marker`.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil

from asgideck.runtime.servers._process_tree import (
    LAUNCH_VAR,
    EndResult,
    Marked,
    ProcessTree,
    TreeSample,
    create_time_of,
    group_members,
    marked_processes,
    own_launches,
    same_time,
)
from asgideck.runtime.userstate import (
    StateError,
    notify,
    read_state,
    state_dir,
    state_location,
    write_state,
)

__all__ = [
    "SERVICE_KINDS",
    "AdoptedServer",
    "Entry",
    "adopt",
    "alive_entries",
    "check_state",
    "entries",
    "entry_holding",
    "new_id",
    "orphans",
    "register",
    "registry_path",
    "stop_orphan",
    "stop_signal_of",
    "unregister",
]

SERVER_KINDS = ("uvicorn", "gunicorn", "hypercorn", "granian", "daphne")
#: Entries of these kinds are services (``runtime.services``): they outlive the asgideck
#: that started them on purpose, so they are never offered as orphans; ``ps`` lists them.
SERVICE_KINDS = ("postgres", "redis", "mail", "mysql")
#: The first signal that stops a kind cleanly and quickly (PostgreSQL's SIGTERM waits
#: for every client to disconnect; SIGINT is its "fast" shutdown).
_STOP_SIGNALS = {"postgres": signal.SIGINT}


def stop_signal_of(kind: str) -> int:
    """The signal that asks a tree of ``kind`` to stop (SIGTERM but for Postgres)."""
    return _STOP_SIGNALS.get(kind, signal.SIGTERM)


def new_id() -> str:
    return os.urandom(5).hex()  # ten random hex digits, as uuid4().hex[:10] (no uuid import)


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
    #: the marker every process of the tree carries in its environment ("" for old entries)
    launch: str = ""
    #: not in the state file: found by its marker (the file was lost or damaged)
    found_by_marker: bool = False

    @property
    def service(self) -> bool:
        """A service (Postgres, Redis, the mail catcher), not an app server."""
        return self.kind in SERVICE_KINDS

    def describe(self) -> str:
        label = self.name or self.kind
        where = f"on {self.host}:{self.port}" if self.port else "(no port)"
        return f"{label} {where} (pid {self.pid}, {self.root})"

    def alive(self) -> bool:
        """The server's root process still runs (same pid *and* create time; a zombie
        is gone)."""
        try:
            proc = psutil.Process(self.pid)
            return same_time(proc.create_time(), self.create_time) and (
                proc.status() != psutil.STATUS_ZOMBIE
            )
        except psutil.Error:
            return False

    def owner_alive(self) -> bool:
        if self.owner_pid <= 0:
            return False
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
                launch=str(raw.get("launch", "")),
            )
        except (KeyError, TypeError, ValueError):
            return None

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["argv"] = list(self.argv)
        del data["found_by_marker"]
        return data


def registry_path() -> Path:
    return state_dir() / "servers.json"


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialise read-modify-write between asgideck processes (GUI and CLI)."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    lock = path.with_name(path.name + ".lock")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a+")  # noqa: SIM115 - closed below, after the unlock
    except IsADirectoryError as exc:
        raise StateError(f"{lock} is a folder, not asgideck's lock file: remove it") from exc
    except OSError as exc:
        raise StateError(f"{lock}: cannot open asgideck's lock file: {exc.strerror}") from exc
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _valid(raw: Any) -> bool:
    return isinstance(raw, dict) and isinstance(raw.get("servers", []), list)


def _load(path: Path) -> list[Entry]:
    raw = read_state(
        path,
        {},
        valid=_valid,
        fallback="the list of running servers starts empty "
        "(`asgideck ps` still finds asgideck's servers by their marker)",
    ).data
    items = raw.get("servers", []) if isinstance(raw, dict) else []
    return [e for e in (Entry.from_json(item) for item in items) if e is not None]


def _save(path: Path, items: Sequence[Entry]) -> None:
    write_state(path, {"version": 1, "servers": [e.to_json() for e in items]})


def check_state(path: Path | None = None) -> None:
    """Raise ``StateError`` unless a server can be recorded: called before a spawn, so
    no server ever runs that ``ps`` and ``stop`` cannot find (a damaged file is set
    aside and its backup restored here, with a notice, before anything is written)."""
    target = path or registry_path()
    with _locked(target):
        _load(target)


def entries(path: Path | None = None) -> list[Entry]:
    return _load(path or registry_path())


def register(entry: Entry, path: Path | None = None) -> None:
    target = path or registry_path()
    if entry.owner_create_time is None and entry.owner_pid == os.getpid():
        entry = replace(entry, owner_create_time=create_time_of(os.getpid()))
    if not entry.launch:
        entry = replace(entry, launch=_launch_of_pid(entry.pid))
    with _locked(target):
        items = [e for e in _load(target) if e.id != entry.id]
        items.append(entry)
        _save(target, items)


def unregister(entry_id: str, path: Path | None = None) -> None:
    """Forget a stopped server, unless part of its tree still runs: then it stays, so
    ``ps`` lists it and ``stop`` can reach it, until it is gone."""
    target = path or registry_path()
    with _locked(target):
        try:
            items = _load(target)
        except StateError:
            return  # unreadable (alive_entries says why): it records nothing to drop
        gone = [e for e in items if e.id == entry_id]
        if not gone:
            return
        carriers = _Carriers(marked_processes()) if any(e.launch for e in gone) else _NONE
        if any(_live(e, carriers) for e in gone):
            return
        _save(target, [e for e in items if e.id != entry_id])


def alive_entries(path: Path | None = None, *, prune: bool = True) -> list[Entry]:
    """Entries whose tree still runs (dead ones are dropped from the file), then the
    trees of this state folder found by their marker that the file does not list."""
    target = path or registry_path()
    carriers = _Carriers(marked_processes())
    with _locked(target):
        try:
            items = _load(target)
        except StateError as exc:
            # The file cannot be read at all (a folder in its place): still list what
            # the markers find, after one line saying why the file was not used.
            notify(f"{exc} (servers are listed by their marker only)")
            return carriers.unlisted(own_launches())
        alive = [e for e in items if _live(e, carriers)]
        if prune and len(alive) != len(items):
            _save(target, alive)
    known = {e.launch for e in items if e.launch} | own_launches()
    return alive + carriers.unlisted(known)


def _live(entry: Entry, carriers: _Carriers) -> bool:
    """Its root runs, or some process still carries its marker."""
    return entry.alive() or bool(entry.launch and carriers.of(entry.launch))


def orphans(current_ids: Sequence[str] = (), path: Path | None = None) -> list[Entry]:
    """Live servers that no running asgideck owns (their owner died), minus ``current_ids``.

    Services are never orphans: they outlive the command that started them by design."""
    skip = set(current_ids)
    return [
        e for e in alive_entries(path) if e.id not in skip and not e.service and not e.owner_alive()
    ]


def entry_holding(pid: int, path: Path | None = None) -> Entry | None:
    """The live entry whose tree or process group contains ``pid`` (who holds a port?)."""
    try:
        chain = {pid, *(p.pid for p in psutil.Process(pid).parents())}
        pgid = os.getpgid(pid) if sys.platform != "win32" else None
    except (psutil.Error, OSError):
        return None
    launch = _launch_of_pid(pid)
    for entry in alive_entries(path, prune=False):
        if entry.pid in chain or (pgid is not None and entry.pgid == pgid):
            return entry
        if launch and entry.launch == launch:
            return entry
    return None


# --------------------------------------------------------------------------- markers


class _Carriers:
    """One look at the marked processes, grouped by launch (taken once per listing)."""

    def __init__(self, marked: Iterable[Marked]) -> None:
        self.by_launch: dict[str, list[Marked]] = {}
        for item in marked:
            self.by_launch.setdefault(item.launch, []).append(item)

    def of(self, launch: str) -> list[Marked]:
        return self.by_launch.get(launch, [])

    def unlisted(self, known: set[str]) -> list[Entry]:
        """Trees of this state folder whose launch is not in ``known``, as entries."""
        mine = str(state_location())
        found = []
        for launch, group in self.by_launch.items():
            if launch in known or not any(m.state == mine for m in group):
                continue
            entry = _entry_from_marker(launch, group)
            # A tree whose asgideck is alive and that listens on no port is still that
            # asgideck's business: a probe, or a server between spawn and registration.
            # Listed once it listens (a lost registry) or once its owner is gone.
            if entry is not None and (entry.port or not entry.owner_alive()):
                found.append(entry)
        return found


_NONE = _Carriers(())


def _launch_of_pid(pid: int) -> str:
    """The launch marker in ``pid``'s environment ("" when none or unreadable)."""
    try:
        return psutil.Process(pid).environ().get(LAUNCH_VAR, "")
    except (psutil.Error, OSError):
        return ""


def _entry_from_marker(launch: str, group: list[Marked]) -> Entry | None:
    """An entry for a tree the state file lost: its top process, port, folder and kind."""
    pids = {m.process.pid for m in group}
    tops = []
    for item in group:
        with contextlib.suppress(psutil.Error):
            if item.process.ppid() not in pids:
                tops.append(item)
    if not tops:
        return None
    top = min(tops, key=lambda m: _ctime(m.process))
    proc = top.process
    try:
        with proc.oneshot():
            argv = tuple(proc.cmdline())
            ctime = proc.create_time()
            root = proc.cwd()
        pgid = os.getpgid(proc.pid) if sys.platform != "win32" else None
    except (psutil.Error, OSError):
        return None
    host, port = _listening(m.process for m in group)
    owner_pid, owner_ctime = 0, None
    if top.owner is not None:
        owner_time = create_time_of(top.owner)
        if owner_time is not None and owner_time <= ctime + 0.02:  # not a reused pid
            owner_pid, owner_ctime = top.owner, owner_time
    kind = _kind(argv)
    return Entry(
        id=launch[:10],
        pid=proc.pid,
        create_time=ctime,
        argv=argv,
        port=port,
        host=host,
        root=root,
        kind=kind,
        started_at=ctime,
        pgid=pgid,
        owner_pid=owner_pid,
        owner_create_time=owner_ctime,
        name=f"{kind} (found by marker)",
        launch=launch,
        found_by_marker=True,
    )


def _ctime(proc: psutil.Process) -> float:
    try:
        return proc.create_time()
    except psutil.Error:
        return float("inf")


def _listening(procs: Iterable[psutil.Process]) -> tuple[str, int]:
    """The first TCP address these processes listen on ("", 0 when none)."""
    for proc in procs:
        try:
            connections = proc.net_connections(kind="inet")
        except (psutil.Error, OSError):
            continue
        for conn in connections:
            if conn.status == psutil.CONN_LISTEN and conn.laddr:
                return str(conn.laddr.ip), int(conn.laddr.port)
    return "", 0


def _kind(argv: Sequence[str]) -> str:
    text = " ".join(argv)
    if any(arg.replace("\\", "/").endswith("/probe/_main.py") for arg in argv):
        return "probe"  # before the server names: a project path may contain "gunicorn"
    program = Path(argv[0]).name if argv else ""
    if program in ("postgres", "postmaster"):
        return "postgres"
    if program == "redis-server":
        return "redis"
    if "asgideck.runtime.services._mailcatcher" in argv:
        return "mail"
    for kind in SERVER_KINDS:
        if kind in text:
            return kind
    return "process"


# --------------------------------------------------------------------------- stopping


def _tree_for(entry: Entry) -> ProcessTree:
    tree = ProcessTree(entry.pid, entry.create_time, pgid=entry.pgid, launch=entry.launch or None)
    if not tree.pids:  # root gone or pid reused: only the group (if any) is ours
        tree.pgid = entry.pgid if entry.pgid is not None and group_members(entry.pgid) else None
    return tree


def stop_orphan(entry: Entry, grace: float = 5.0, path: Path | None = None) -> EndResult:
    """End an orphaned server's whole tree, verify, and drop it from the state file."""
    result = _tree_for(entry).end(
        grace, port=(entry.host, entry.port), first_signal=stop_signal_of(entry.kind)
    )
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
        result = self.tree.end(
            grace,
            port=(self.entry.host, self.entry.port),
            first_signal=stop_signal_of(self.entry.kind),
        )
        if not result.survivors:
            unregister(self.entry.id, self._path)
        return result


def adopt(entry: Entry, path: Path | None = None) -> AdoptedServer:
    """Take over an orphan: this process becomes its owner, so it is no longer orphaned."""
    owned = replace(entry, owner_pid=os.getpid(), owner_create_time=create_time_of(os.getpid()))
    register(owned, path)
    return AdoptedServer(owned, path)
