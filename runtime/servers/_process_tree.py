"""The one way asgideck starts a process tree and ends it: servers and the probe alike.

A child starts in a new session (POSIX; a new process group on Windows), so it
and everything it starts share a process group that can be signalled at once,
and a server outlives asgideck only as a whole tree.

Ending a tree (:meth:`ProcessTree.end`): SIGTERM the process group, wait the
grace period, SIGKILL the group and every recorded descendant (workers reparent
when their parent dies, and a child may leave the group), then check with psutil
that nothing survives. ``grace=0`` kills at once (the probe: nothing it started
may linger). On Windows (untested) trees are ended through psutil, children first.

Every launch carries a marker in its environment (:data:`LAUNCH_VAR`, 128
random bits, plus who started it and where asgideck keeps its state). Children inherit
it, so a daemon that double-forked out of the session still carries it: ending
a tree also ends every process with its marker (:func:`marked_processes`, a scan
of this user's processes that skips those it cannot read), and a lost state
file never hides a running tree.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import subprocess
import sys
import threading
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

from asgideck.runtime.servers._arg_limits import too_large_message
from asgideck.runtime.servers._pdeathsig import die_with_parent_hook
from asgideck.runtime.servers._ports import is_port_free
from asgideck.runtime.userstate import state_location

__all__ = [
    "LAUNCH_OWNER_VAR",
    "LAUNCH_STATE_VAR",
    "LAUNCH_VAR",
    "LAUNCH_VARS",
    "EndResult",
    "LaunchTooLarge",
    "Marked",
    "ProcessTree",
    "TreeSample",
    "create_time_of",
    "group_members",
    "launch_of",
    "marked_processes",
    "own_launches",
    "same_time",
    "spawn",
]

#: The per-launch marker every process of a tree inherits (fresh random hex per spawn).
LAUNCH_VAR = "ASGIDECK_LAUNCH"
#: The pid of the asgideck process that spawned the tree.
LAUNCH_OWNER_VAR = "ASGIDECK_LAUNCH_OWNER"
#: Where that asgideck keeps its state (``userstate.state_location()``): whose tree it is.
LAUNCH_STATE_VAR = "ASGIDECK_LAUNCH_STATE"
#: All three: what every spawned process gets on top of the environment it was given.
LAUNCH_VARS = (LAUNCH_VAR, LAUNCH_OWNER_VAR, LAUNCH_STATE_VAR)

#: The marker of each child this process spawned (while its ``Popen`` lives).
_launches: weakref.WeakKeyDictionary[subprocess.Popen[bytes], str] = weakref.WeakKeyDictionary()
_launches_lock = threading.Lock()


class LaunchTooLarge(OSError):
    """The environment or arguments exceed what the system passes to a program (E2BIG);
    the message names the variable (or the total) and the limit."""

    def __str__(self) -> str:
        return str(self.strerror)


def spawn(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    bufsize: int = -1,
    die_with_parent: bool = False,
    parent_waits: bool = False,
    user: str | None = None,
    output: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a new session (POSIX) or process group (Windows), stdout and
    stderr piped, its environment marked (:data:`LAUNCH_VAR`); raises ``OSError``
    when it cannot start (:class:`LaunchTooLarge` naming the culprit for E2BIG).

    ``output``: stdout and stderr go to this file (opened for appending) instead of
    pipes, so the child outlives this process without a reader (a service). ``user``
    (POSIX, applied when this process is root): the child runs as that user, with its
    groups (PostgreSQL refuses to run as root); a user that does not exist raises
    ``KeyError``.

    ``die_with_parent`` (Linux): the child gets SIGTERM when this process dies, even
    by SIGKILL (see ``_pdeathsig``: the session leader ends its own workers). Only
    applied when called from the main thread, since Linux sends the signal when the
    *thread* that spawned the child ends; a restart from another thread goes without.
    ``parent_waits``: the calling thread waits for the child until it exits (the
    probe): armed from any thread, with SIGKILL (see ``_pdeathsig``).
    """
    marker = os.urandom(16).hex()  # as random as a uuid4; `uuid` costs ~4 ms to import
    env = {
        **env,
        LAUNCH_VAR: marker,
        LAUNCH_OWNER_VAR: str(os.getpid()),
        LAUNCH_STATE_VAR: str(state_location()),
    }
    common: dict[str, Any] = {
        "cwd": cwd,
        "env": env,
        "stdin": stdin,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "bufsize": bufsize,
    }
    if user is not None and sys.platform != "win32" and os.geteuid() == 0:
        common.update(_as_user(user))
    log = open(output, "ab") if output is not None else None  # noqa: SIM115 - closed below
    if log is not None:
        common["stdout"], common["stderr"] = log, subprocess.STDOUT
    try:
        if sys.platform == "win32":
            proc = subprocess.Popen(
                args, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **common
            )
        else:
            hook = die_with_parent_hook(parent_waits=parent_waits) if die_with_parent else None
            proc = subprocess.Popen(args, start_new_session=True, preexec_fn=hook, **common)
    except OSError as exc:
        if exc.errno == errno.E2BIG:
            raise LaunchTooLarge(exc.errno, too_large_message(args, env)) from exc
        raise
    finally:
        if log is not None:
            log.close()  # the child holds its own copy
    with _launches_lock:
        _launches[proc] = marker
    return proc


def _as_user(name: str) -> dict[str, Any]:
    """Popen's arguments to run a child as ``name`` with that user's groups only (not
    the caller's supplementary groups)."""
    import pwd

    record = pwd.getpwnam(name)  # KeyError: no such user
    groups = os.getgrouplist(name, record.pw_gid)
    return {"user": record.pw_uid, "group": record.pw_gid, "extra_groups": groups}


def launch_of(popen: subprocess.Popen[bytes]) -> str | None:
    """The marker :func:`spawn` gave this child (None for a process started otherwise)."""
    with _launches_lock:
        return _launches.get(popen)


def own_launches() -> set[str]:
    """Markers of the children this process spawned and still holds (its own trees)."""
    with _launches_lock:
        return set(_launches.values())


def create_time_of(pid: int) -> float | None:
    """When process ``pid`` started (None when there is no such process)."""
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def same_time(a: float, b: float) -> bool:
    """Two create times of one process (a reused pid has another)."""
    return abs(a - b) < 0.02


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
    """A process tree: the root, its descendants seen so far, and its process group.

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
        launch: str | None = None,
    ) -> None:
        self.pid = pid
        self.pgid = pgid
        self.popen = popen
        #: the marker its processes carry (:data:`LAUNCH_VAR`): found wherever they went
        self.launch = launch
        ctime = create_time if create_time is not None else create_time_of(pid)
        self._procs: dict[int, psutil.Process] = {}
        self._lock = threading.Lock()
        if ctime is not None:
            with contextlib.suppress(psutil.Error):
                proc = psutil.Process(pid)
                if same_time(proc.create_time(), ctime):
                    self._procs[pid] = proc

    @classmethod
    def started(
        cls, popen: subprocess.Popen[bytes], create_time: float | None = None
    ) -> ProcessTree:
        """The tree of a child :func:`spawn` just started (its pid is its process group)."""
        pgid = popen.pid if sys.platform != "win32" else None
        return cls(popen.pid, create_time, pgid=pgid, popen=popen, launch=launch_of(popen))

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
        """Record the current descendants (and, when asked, all members of the group and
        every process carrying the tree's marker, wherever it went)."""
        found: list[psutil.Process] = []
        with self._lock:
            known = list(self._procs.values())
        for proc in known:
            with contextlib.suppress(psutil.Error):
                found.extend(proc.children(recursive=True))
        if scan_group and self.pgid is not None:
            found.extend(group_members(self.pgid))
        if scan_group and self.launch:
            found.extend(m.process for m in marked_processes(self.launch))
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
        first_signal: int = signal.SIGTERM,
    ) -> EndResult:
        """SIGTERM, wait ``grace`` s, SIGKILL, verify nothing survives (and the port is free).

        ``grace`` 0 skips SIGTERM: the group and every descendant get SIGKILL at once.
        ``first_signal`` replaces SIGTERM (PostgreSQL's fast shutdown is SIGINT; its
        SIGTERM waits for every client to disconnect).
        """
        self.refresh(scan_group=True)
        if sys.platform == "win32":
            return self._end_windows(grace, port)
        if grace > 0:
            self.signal_all(first_signal)
            gone = self.wait_gone(grace)
        else:
            gone = not self.alive()
        killed = False
        if not gone:
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
        if grace > 0:
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


def group_members(pgid: int) -> list[psutil.Process]:
    """Every process in process group ``pgid`` (none on Windows)."""
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


@dataclass(frozen=True)
class Marked:
    """A live process carrying a launch marker: which launch, who started it, whose state."""

    process: psutil.Process
    launch: str
    owner: int | None
    state: str


def marked_processes(launch: str | None = None) -> list[Marked]:
    """This user's live processes that carry a launch marker (only ``launch`` when given).

    Processes that cannot be read (another user's, gone meanwhile) are skipped; on
    Linux the environment is read straight from ``/proc`` (a few ms for hundreds of
    processes). This process itself is never listed.
    """
    found: list[Marked] = []
    for pid, environ in _environments():
        value = environ.get(LAUNCH_VAR)
        if not value or (launch is not None and value != launch):
            continue
        try:
            proc = psutil.Process(pid)
        except psutil.Error:
            continue
        if not _alive(proc):
            continue
        owner_text = environ.get(LAUNCH_OWNER_VAR, "")
        owner = int(owner_text) if owner_text.isdigit() else None
        found.append(Marked(proc, value, owner, environ.get(LAUNCH_STATE_VAR, "")))
    return found


_NEEDLE = LAUNCH_VAR.encode() + b"="


def _environments() -> list[tuple[int, dict[str, str]]]:
    """(pid, the marker variables of its environment) for this user's marked processes."""
    me = os.getpid()
    wanted = (LAUNCH_VAR, LAUNCH_OWNER_VAR, LAUNCH_STATE_VAR)
    out: list[tuple[int, dict[str, str]]] = []
    if sys.platform.startswith("linux") and os.path.isdir("/proc"):
        uid = os.getuid()
        for name in os.listdir("/proc"):
            if not name.isdigit() or int(name) == me:
                continue
            try:
                if os.stat(f"/proc/{name}").st_uid != uid:
                    continue
                with open(f"/proc/{name}/environ", "rb") as handle:
                    raw = handle.read()
            except OSError:
                continue
            if _NEEDLE not in raw:
                continue
            pairs = (item.split(b"=", 1) for item in raw.split(b"\0") if b"=" in item)
            env = {k.decode(errors="replace"): v.decode(errors="replace") for k, v in pairs}
            out.append((int(name), {k: env[k] for k in wanted if k in env}))
        return out
    for proc in psutil.process_iter():  # pragma: no cover - macOS / Windows
        if proc.pid == me:
            continue
        try:
            environ = proc.environ()
        except (psutil.Error, OSError):
            continue
        if LAUNCH_VAR in environ:
            out.append((proc.pid, {k: environ[k] for k in wanted if k in environ}))
    return out


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
