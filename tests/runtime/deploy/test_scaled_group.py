"""Run scaled (issue 14, Done means 2): sample_app as N instances behind the real nginx,
one supervised group — requests spread over every instance, a WebSocket passes the
upgrade, and stopping (or losing a member) leaves no nginx or app process and no port."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
import pytest
from websockets.sync.client import connect

from asgideck.runtime.cli._shared import EXIT_USAGE
from asgideck.runtime.deploy import DeployError, ScaledGroup, find_nginx
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import (
    LaunchConfig,
    alive_entries,
    free_port,
    is_port_free,
    port_accepts,
)
from support import REPO
from support.cli import run_cli
from support.files import copy_sample_app
from support.servers import live, wait_until

pytestmark = pytest.mark.integration
needs_nginx = pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
DEADLINE_S = 60.0


def _group(root: Path, instances: int) -> ScaledGroup:
    project = open_project(root)
    config = LaunchConfig("production", "production", "uvicorn", port=free_port())
    return ScaledGroup(project, config, instances, ready_timeout=DEADLINE_S)


def _assert_all_gone(pids: list[int], ports: list[int]) -> None:
    assert live(pids) == [], f"survivors: {live(pids)}"
    assert [p for p in ports if not is_port_free(p)] == []
    assert alive_entries() == []


@needs_nginx
def test_sample_app_scaled_to_three_behind_nginx(tmp_path: Path) -> None:
    group = _group(copy_sample_app(tmp_path / "proj"), 3)
    try:
        group.start()
        status = group.status()
        assert status.state == "running"
        nginx_pid = status.nginx_pid
        assert nginx_pid is not None and os.getpgid(nginx_pid) == nginx_pid  # its own group
        kinds = sorted(e.kind for e in alive_entries())
        assert kinds == ["nginx", "uvicorn", "uvicorn", "uvicorn"]  # `asgideck ps` sees all

        with httpx.Client(base_url=status.url, timeout=10) as client:
            answers = [client.get("/health").status_code for _ in range(300)]
        assert answers == [200] * 300
        # every access line read (the readiness check through nginx is one more request)
        assert wait_until(lambda: group.status().requests >= 301, DEADLINE_S)
        served = group.status().instances
        assert len({i.pid for i in served}) == 3 and None not in {i.pid for i in served}
        assert all(i.requests > 0 for i in served), group.status().spread()

        with connect(f"ws://127.0.0.1:{status.port}/ws/echo", open_timeout=10) as ws:
            ws.send("through nginx")
            assert ws.recv(timeout=10) == "through nginx"
            ws.send('{"n": 3}')
            assert json.loads(ws.recv(timeout=10)) == {"echo": {"n": 3}}

        pids = group.pids()
        ports = [status.port, *(i.port for i in served)]
        assert nginx_pid in pids and len(pids) >= 5  # nginx master + worker, 3 instances
    finally:
        result = group.stop(5.0)
    assert result.clean, result
    assert group.status().state == "stopped"
    _assert_all_gone(pids, ports)


@needs_nginx
def test_a_member_ending_stops_the_whole_group(tmp_path: Path) -> None:
    """nginx stopped from outside (as `asgideck stop ID` does): the instances go too."""
    group = _group(copy_sample_app(tmp_path / "proj"), 2)
    try:
        group.start()
        status = group.status()
        pids = group.pids()
        ports = [status.port, *(i.port for i in status.instances)]
        assert status.nginx_pid is not None
        os.kill(status.nginx_pid, signal.SIGTERM)
        assert wait_until(lambda: group.status().state == "failed", DEADLINE_S)
        ended = group.status()
        assert ended.ended_elsewhere and ended.error is not None and "nginx" in ended.error
        _assert_all_gone(pids, ports)
    finally:
        group.stop(5.0)


def test_missing_nginx_and_a_taken_port_start_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = copy_sample_app(tmp_path / "proj")
    monkeypatch.setattr("asgideck.runtime.deploy._nginx_proc.find_nginx", lambda: None)
    group = _group(root, 2)
    with pytest.raises(DeployError, match=r"^nginx is not installed: install the 'nginx' package"):
        group.start()
    assert group.status().instances == () and alive_entries() == []

    monkeypatch.undo()
    group = _group(root, 2)
    with socket.socket() as holder:  # any listener will do: hold the group's port
        holder.bind(("127.0.0.1", group.port))
        holder.listen()
        with pytest.raises(DeployError, match=rf"Port {group.port} on 127.0.0.1 is in use"):
            group.start()
    assert group.status().instances == () and alive_entries() == []


@needs_nginx
def test_run_with_instances_serves_through_nginx_and_sigterm_ends_all(tmp_path: Path) -> None:
    root = copy_sample_app(tmp_path / "proj")
    port = free_port()
    argv = [sys.executable, "-m", "asgideck", "run", str(root), "--profile", "production"]
    proc = subprocess.Popen(
        [*argv, "--port", str(port), "--instances", "3"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:

        def serving() -> bool:
            if proc.poll() is not None or not port_accepts("127.0.0.1", port):
                return proc.poll() is not None
            return httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).status_code == 200

        assert wait_until(serving, DEADLINE_S) and proc.poll() is None, proc.communicate()
        entries = alive_entries()
        assert sorted(e.kind for e in entries) == ["nginx", "uvicorn", "uvicorn", "uvicorn"]
        pids = [p for e in entries for p in _tree(e.pid)]
        ports = [e.port for e in entries]
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "requests per instance: #1 :" in err
    assert '"GET /health HTTP/1.1" 200' in out
    _assert_all_gone(pids, ports)


def _tree(pid: int) -> list[int]:
    try:
        proc = psutil.Process(pid)
        return [pid, *(c.pid for c in proc.children(recursive=True))]
    except psutil.Error:
        return [pid]


@pytest.mark.parametrize(
    ("extra", "said"),
    [
        (["--instances", "0"], "--instances: 0 must be at least 1"),
        (["--instances", "2", "--reload"], "--instances: --reload cannot be combined"),
        (["--instances", "2", "--record"], "--instances: --record cannot be combined"),
    ],
)
def test_run_refuses_what_a_scaled_group_cannot_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], said: str
) -> None:
    code, _out = run_cli("run", str(tmp_path), "--profile", "production", *extra)
    assert code == EXIT_USAGE
    assert said in capsys.readouterr().err
    assert alive_entries() == []
