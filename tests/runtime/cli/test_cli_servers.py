"""`asgideck run`, `ps` and `stop` as a user types them, with real servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from asgideck.runtime.servers import free_port, is_port_free, port_accepts
from support import REPO
from support.servers import wait_until

pytestmark = pytest.mark.integration
DEADLINE_S = 30.0


def asgideck(*args: str, **kwargs) -> subprocess.Popen[str]:  # type: ignore[no-untyped-def]
    return subprocess.Popen(
        [sys.executable, "-m", "asgideck", *args],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **kwargs,
    )


def ps_json() -> list[dict[str, object]]:
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "ps", "--json"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture
def running(project: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = free_port()
    proc = asgideck("run", str(project), "--profile", "development", "--port", str(port))
    try:
        up = wait_until(
            lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, DEADLINE_S
        )
        assert up, "timed out"
        assert proc.poll() is None, proc.communicate()
        yield proc, port
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=DEADLINE_S)


def test_ctrl_c_stops_the_whole_tree(running: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = running
    [entry] = ps_json()
    assert entry["address"] == f"127.0.0.1:{port}" and entry["orphan"] is False
    assert httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200
    server_pid = int(str(entry["pid"]))
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 0, err
    assert '"GET /health HTTP/1.1" 200' in out  # access lines streamed to stdout
    assert "Application startup complete" in err
    assert not psutil.pid_exists(server_pid) or psutil.Process(server_pid).status() == "zombie"
    assert is_port_free(port)
    assert ps_json() == []


def test_exit_status_reflects_a_crash(running: tuple[subprocess.Popen[str], int]) -> None:
    proc, port = running
    with pytest.raises(httpx.HTTPError):
        httpx.post(f"http://127.0.0.1:{port}/api/v1/debug/crash", timeout=5)
    _out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 3
    assert "crashed (exit code 3)" in err


def test_an_orphan_of_a_killed_asgideck_is_listed_and_stopped(
    running: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = running
    [entry] = ps_json()
    tree = [psutil.Process(int(str(entry["pid"])))]
    tree += tree[0].children(recursive=True)
    proc.kill()  # asgideck itself dies; its server lives on in its own session
    proc.communicate(timeout=DEADLINE_S)
    assert port_accepts("127.0.0.1", port)
    [orphan] = ps_json()
    assert orphan["orphan"] is True
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "stop", str(orphan["id"])[:6]],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=DEADLINE_S,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "stopped" in done.stdout
    _gone, alive = psutil.wait_procs(tree, timeout=5)
    assert alive == []
    assert is_port_free(port)
    assert ps_json() == []


def test_stop_names_an_unknown_id() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "stop", "nope"], cwd=REPO, capture_output=True, text=True
    )
    assert done.returncode != 0
    assert "'nope' matches no running server" in done.stderr


def test_run_refuses_a_busy_port_naming_the_holder(project: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "asgideck", "run", str(project), "--profile", "development",
             "--port", str(port)],
            cwd=REPO, capture_output=True, text=True, timeout=DEADLINE_S,
        )  # fmt: skip
    assert done.returncode == 3
    assert f"Port {port}" in done.stderr and f"pid {os.getpid()}" in done.stderr
