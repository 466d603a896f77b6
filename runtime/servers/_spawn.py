"""One spawned server run: how its process starts, and what its threads share."""

from __future__ import annotations

import contextlib
import subprocess
import threading
from typing import IO, Literal

try:  # POSIX only
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

from asgideck.runtime.logs import RunLog
from asgideck.runtime.servers._launch import ServerSpec
from asgideck.runtime.servers._process_tree import ProcessTree, spawn
from asgideck.runtime.servers._registry import Entry, check_state
from asgideck.runtime.servers._services import ServiceCheck

__all__ = ["Run", "spawn_server"]


class Run:
    """Everything about one spawned process tree."""

    def __init__(self, spec: ServerSpec, proc: subprocess.Popen[bytes], tree: ProcessTree):
        self.spec = spec
        self.proc = proc
        self.tree = tree
        self.entry: Entry | None = None
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
        #: the pre-start check of the profile's services (filled by its thread)
        self.services: list[ServiceCheck] = []
        self.services_done = threading.Event()
        self.diagnosis: str | None = None  # set once the startup was seen waiting


def spawn_server(
    args: list[str], spec: ServerSpec, env: dict[str, str], *, die_with_parent: bool = False
) -> subprocess.Popen[bytes]:
    """The server in its own session, unbuffered pipes widened for a chatty server.

    Refuses (``userstate.StateError``, an ``OSError``) before spawning when the state
    file cannot record it: a server that ``ps`` and ``stop`` cannot find never starts.
    ``die_with_parent``: ``asgideck run``'s server dies with it (see ``_pdeathsig``).
    """
    check_state()
    proc = spawn(args, cwd=spec.root, env=env, bufsize=0, die_with_parent=die_with_parent)
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
