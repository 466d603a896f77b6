"""One spawned server process tree: how it is started, and what its threads share."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import threading
from typing import IO, Any, Literal

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

import psutil

from asgideck.runtime.logs import RunLog
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.servers._launch import ServerSpec

__all__ = ["Run", "create_time", "popen_group"]


class Run:
    """Everything about one spawned process tree."""

    def __init__(self, spec: ServerSpec, proc: subprocess.Popen[bytes], tree: registry.ProcessTree):
        self.spec = spec
        self.proc = proc
        self.tree = tree
        self.entry: registry.Entry | None = None
        self.log: RunLog | None = None
        self.first_seq = 0
        self.started = 0.0
        self.ready_at: float | None = None
        self.phase: Literal["starting", "running", "waiting"] = "starting"
        self.stopping = False
        self.finished = False
        self.done = threading.Event()  # ends the monitor
        self.kick = threading.Event()  # a marker line arrived: look now
        self.ready_marks = 0
        self.error_marks = 0
        self.lock = threading.Lock()
        self.counts: dict[str, int] = {}
        self.requests = 0
        self.readers: list[threading.Thread] = []
        self.helpers: list[threading.Thread] = []  # watcher and monitor


def create_time(pid: int) -> float | None:
    try:
        return psutil.Process(pid).create_time()
    except psutil.Error:
        return None


def popen_group(args: list[str], spec: ServerSpec, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """POSIX: a new session (its own process group); Windows: a new process group."""
    common: dict[str, Any] = {
        "cwd": spec.root,
        "env": env,
        "stdin": subprocess.DEVNULL,
        "stdout": subprocess.PIPE,
        "stderr": subprocess.PIPE,
        "bufsize": 0,
    }
    if sys.platform == "win32":
        return subprocess.Popen(args, creationflags=subprocess.CREATE_NEW_PROCESS_GROUP, **common)
    proc = subprocess.Popen(args, start_new_session=True, **common)
    for pipe in (proc.stdout, proc.stderr):
        _widen_pipe(pipe)
    return proc


PIPE_BYTES = 1 << 20


def _widen_pipe(pipe: IO[bytes] | None) -> None:
    """Linux: a 1 MiB pipe lets a chatty server write on through a GUI hiccup (and lets
    the reader take bigger chunks); elsewhere, or past the system's limit, keep the default."""
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None) if fcntl is not None else None
    if pipe is None or setpipe is None:
        return
    with contextlib.suppress(OSError):
        fcntl.fcntl(pipe.fileno(), setpipe, PIPE_BYTES)
