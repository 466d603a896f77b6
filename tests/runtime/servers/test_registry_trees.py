"""Ending process trees: group SIGTERM, grace, SIGKILL, verification; orphans and pid reuse."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import psutil
import pytest

from asgideck.runtime.servers import Entry, ProcessTree, free_port, is_port_free
from asgideck.runtime.servers import _registry as registry
from support.servers import live, wait_until

# A "server": listens on a port, starts two workers, optionally ignores SIGTERM everywhere.
TREE = """
import signal, socket, subprocess, sys, time
port, stubborn, parent_exits = int(sys.argv[1]), sys.argv[2] == "1", sys.argv[3] == "1"
if stubborn:
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
sock = socket.socket()
sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
sock.bind(("127.0.0.1", port))
sock.listen()
ignore = "signal.signal(signal.SIGTERM, signal.SIG_IGN)\\n" if stubborn else ""
worker = "import signal,time\\n" + ignore + "time.sleep(120)"
kids = [
    subprocess.Popen([sys.executable, "-c", worker], pass_fds=[sock.fileno()]) for _ in range(2)
]
print(" ".join(str(k.pid) for k in kids), flush=True)
if parent_exits:
    sys.exit(0)
time.sleep(120)
"""


def spawn(
    port: int, stubborn: bool = False, parent_exits: bool = False
) -> tuple[subprocess.Popen[str], list[int]]:
    proc = subprocess.Popen(
        [sys.executable, "-c", TREE, str(port), str(int(stubborn)), str(int(parent_exits))],
        stdout=subprocess.PIPE,
        start_new_session=True,
        text=True,
    )
    assert proc.stdout is not None
    kids = [int(p) for p in proc.stdout.readline().split()]
    return proc, kids


@pytest.fixture
def cleanup() -> Iterator[list[int]]:
    groups: list[int] = []
    yield groups
    for pgid in groups:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)


def entry(proc: subprocess.Popen[str], port: int, **changes: object) -> Entry:
    values: dict[str, object] = {
        "id": registry.new_id(),
        "pid": proc.pid,
        "argv": ("python", "-c", "tree"),
        "port": port,
        "host": "127.0.0.1",
        "root": "/proj",
        "kind": "uvicorn",
        "started_at": time.time(),
        "pgid": proc.pid,
    }
    values.update(changes)
    if "create_time" not in values:
        values["create_time"] = psutil.Process(proc.pid).create_time()
    return Entry(**values)  # type: ignore[arg-type]


def test_end_stops_the_whole_tree_politely(cleanup: list[int]) -> None:
    port = free_port()
    proc, kids = spawn(port)
    cleanup.append(proc.pid)
    tree = ProcessTree(proc.pid, pgid=proc.pid, popen=proc)  # type: ignore[arg-type]
    tree.refresh()
    assert set(kids) <= set(tree.pids)
    result = tree.end(grace=5, port=("127.0.0.1", port))
    assert result.clean and not result.killed
    assert proc.returncode == -signal.SIGTERM  # the Popen still got its exit code
    assert live([proc.pid, *kids]) == []


def test_stubborn_tree_is_killed_after_the_grace_period(
    cleanup: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    port = free_port()
    proc, kids = spawn(port, stubborn=True)
    cleanup.append(proc.pid)
    tree = ProcessTree(proc.pid, pgid=proc.pid, popen=proc)  # type: ignore[arg-type]
    killed: list[list[int]] = []
    steps: list[tuple[object, ...]] = []  # the mechanism, not wall time: TERM, grace, KILL
    signal_all, wait_gone = tree.signal_all, tree.wait_gone

    def spy_signal(sig: int) -> None:
        steps.append(("signal", sig))
        signal_all(sig)

    def spy_wait(timeout: float) -> bool:
        gone = wait_gone(timeout)
        steps.append(("wait", timeout, gone))
        return gone

    monkeypatch.setattr(tree, "signal_all", spy_signal)
    monkeypatch.setattr(tree, "wait_gone", spy_wait)
    result = tree.end(grace=0.5, port=("127.0.0.1", port), on_kill=killed.append)
    assert steps[:4] == [
        ("signal", signal.SIGTERM),
        ("wait", 0.5, False),  # the whole grace period was waited: SIGTERM was ignored
        ("signal", signal.SIGKILL),
        ("wait", 3.0, True),
    ]
    assert result.killed and result.clean
    assert set(killed[0]) == {proc.pid, *kids}
    assert proc.returncode == -signal.SIGKILL
    assert live(kids) == []


def test_orphaned_workers_are_found_through_the_process_group(cleanup: list[int]) -> None:
    """The root died and its workers were reparented: the group still names them."""
    port = free_port()
    proc, kids = spawn(port, parent_exits=True)
    cleanup.append(proc.pid)
    proc.wait()
    e = entry(proc, port, create_time=time.time() - 1000)  # the root is gone
    registry.register(e)
    assert not is_port_free(port)
    result = registry.stop_orphan(e, grace=2)
    assert result.clean
    assert live(kids) == []
    assert registry.entries() == []


def test_stop_orphan_ends_a_live_server(cleanup: list[int]) -> None:
    port = free_port()
    proc, kids = spawn(port)
    cleanup.append(proc.pid)
    e = entry(proc, port)
    registry.register(e)
    result = registry.stop_orphan(e, grace=3)
    proc.wait(5)
    assert result.clean and not result.killed
    assert live([proc.pid, *kids]) == []
    assert is_port_free(port)


def test_a_reused_pid_is_never_killed() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        e = registry.Entry(
            id="x",
            pid=proc.pid,
            create_time=psutil.Process(proc.pid).create_time() - 500,  # a different process
            argv=(),
            port=free_port(),
            host="127.0.0.1",
            root="/",
            kind="uvicorn",
            started_at=0,
            pgid=None,
        )
        registry.stop_orphan(e, grace=0.5)
        assert proc.poll() is None
    finally:
        proc.kill()
        proc.wait()


def test_zombies_count_as_gone() -> None:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    tree = ProcessTree(proc.pid)
    assert wait_until(lambda: psutil.Process(proc.pid).status() == psutil.STATUS_ZOMBIE)
    assert tree.alive() == []
    proc.wait()
