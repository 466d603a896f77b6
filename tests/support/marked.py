"""Marked process trees for the registry and escape tests: tiny loopback listeners
started the way asgideck starts servers (``spawn``: own session, launch marker),
recorded in the state file, and always reaped."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil

from asgideck.runtime.servers import Entry, free_port, port_accepts, spawn
from asgideck.runtime.servers import _registry as registry
from support import REPO
from support.servers import wait_until

#: Listens on loopback port argv[1] and waits to be stopped (at most 60 s).
LISTENER = """
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen()
time.sleep(60)
"""


def start_listener(folder: Path, port: int | None = None) -> tuple[subprocess.Popen[bytes], int]:
    """A marked listener on a free port, accepting connections when this returns."""
    port = port or free_port()
    proc = spawn([sys.executable, "-c", LISTENER, str(port)], cwd=folder, env={})
    assert wait_until(lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, 10)
    assert proc.poll() is None, proc.communicate()
    return proc, port


def record(proc: subprocess.Popen[bytes], port: int, folder: Path, name: str = "") -> Entry:
    """Record a spawned tree in the state file as a server would be recorded."""
    entry = Entry(
        id=registry.new_id(),
        pid=proc.pid,
        create_time=psutil.Process(proc.pid).create_time(),
        argv=tuple(str(a) for a in proc.args),  # type: ignore[union-attr]
        port=port,
        host="127.0.0.1",
        root=str(folder),
        kind="uvicorn",
        started_at=time.time(),
        pgid=proc.pid,
        name=name,
    )
    registry.register(entry)
    return entry


@contextlib.contextmanager
def reaped() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Popen objects whose process groups are SIGKILLed and reaped at the end."""
    procs: list[subprocess.Popen[bytes]] = []
    try:
        yield procs
    finally:
        for proc in procs:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.communicate(timeout=5)


def asgideck_cli(*args: str, timeout: float = 30.0) -> subprocess.CompletedProcess[str]:
    """``python -m asgideck ARGS`` in a subprocess (this test's ASGIDECK_HOME)."""
    return subprocess.run(
        [sys.executable, "-m", "asgideck", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
