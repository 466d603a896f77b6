"""The one way asgideck starts a process tree and ends it: servers and the probe alike.

A child starts in a new session (POSIX; a new process group on Windows), so it
and everything it starts share a process group that can be signalled at once,
and a server outlives asgideck only as a whole tree.

Ending a tree (:meth:`ProcessTree.end`): SIGTERM the process group, wait the
grace period, SIGKILL the group and every recorded descendant (workers reparent
when their parent dies, and a child may leave the group), then check with psutil
that nothing survives. ``grace=0`` kills at once (the probe: nothing it started
may linger). On Windows (untested) trees are ended through psutil, children first.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import psutil

from asgideck.runtime.servers._ports import is_port_free

__all__ = [
    "EndResult",
    "ProcessTree",
    "TreeSample",
    "create_time_of",
    "group_members",
    "same_time",
    "spawn",
]


def spawn(
    args: Sequence[str],
    *,
    cwd: Path,
    env: dict[str, str],
    stdin: int | IO[bytes] | None = subprocess.DEVNULL,
    bufsize: int = -1,
) -> subprocess.Popen[bytes]:
    """Start ``args`` in a new session (POSIX) or process group (Windows), stdout and
    stderr piped; raises ``OSError`` when it cannot start."""
    common: dict[str, Any] = {
        "cwd": cwd,
        "env": env,
        "stdin": stdin,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "bufsize": bufsize,
    }
    if sys.platform == "win32":
        return subprocess.Popen(args, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **common)
    return subprocess.Popen(args, start_new_session=True, **common)


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
    ) -> None:
        self.pid = pid
        self.pgid = pgid
        self.popen = popen
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
        return cls(popen.pid, create_time, pgid=pgid, popen=popen)

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
            found.extend(group_members(self.pgid))
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
        """SIGTERM, wait ``grace`` s, SIGKILL, verify nothing survives (and the port is free).

        ``grace`` 0 skips SIGTERM: the group and every descendant get SIGKILL at once.
        """
        self.refresh(scan_group=True)
        if sys.platform == "win32":
            return self._end_windows(grace, port)
        if grace > 0:
            self.signal_all(signal.SIGTERM)
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
