"""`asgideck run`, `ps` and `stop` as a user types them, with real servers on loopback."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from asgideck.runtime.cli._shared import EXIT_CANNOT_START, EXIT_NOT_READY, EXIT_SERVER_FAILED
from asgideck.runtime.servers import free_port, is_port_free, port_accepts
from support import REPO
from support.projects import copy_project, make_venv
from support.servers import (
    make_spec,
    orphan_reaper,
    run_and_kill_asgideck,
    wait_until,
    write_app,
)

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
    assert proc.returncode == EXIT_SERVER_FAILED  # never the server's own code (3)
    assert "asgideck: uvicorn crashed with exit code 3" in err


def test_an_orphan_of_a_killed_window_is_listed_and_stopped(tmp_path: Path) -> None:
    """A window (any asgideck but `run`, whose server dies with it) killed outright leaves
    its server running in its own session: `ps` lists it as an orphan, `stop` ends it."""
    port = free_port()
    spec = make_spec(write_app(tmp_path / "tiny"), port=port)
    with orphan_reaper() as reaper:
        report = run_and_kill_asgideck(spec, reaper)
        tree = [psutil.Process(pid) for pid in report["pids"]]
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
    assert done.returncode == EXIT_CANNOT_START
    assert f"Port {port}" in done.stderr and f"pid {os.getpid()}" in done.stderr


class Lines:
    """A child's stderr, line by line, read on a thread (so a test can wait with a deadline)."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        self.lines: list[str] = []
        self.cond = threading.Condition()
        assert proc.stderr is not None
        self.thread = threading.Thread(target=self._read, args=(proc.stderr,), daemon=True)
        self.thread.start()

    def _read(self, pipe: Iterator[str]) -> None:
        for line in pipe:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()

    def wait_for(self, needle: str, timeout: float) -> int | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for i, line in enumerate(self.lines):
                    if needle in line:
                        return i
                left = deadline - time.monotonic()
                if left <= 0 or not self.thread.is_alive():
                    return None
                self.cond.wait(left)


@pytest.fixture
def waits_on_broker(tmp_path: Path) -> tuple[Path, Path, int]:
    root = copy_project("waits_on_service", tmp_path)
    python = make_venv(tmp_path / "venv", only_here=["fixture_only_waits"])
    closed = free_port()
    (root / ".env").write_text(f"BROKER_URL=amqp://guest:guest@127.0.0.1:{closed}/\n")
    return root, python, closed


def test_run_names_the_down_service_first_then_the_waiting_stack(
    waits_on_broker: tuple[Path, Path, int],
) -> None:
    root, python, closed = waits_on_broker
    port = free_port()
    proc = asgideck("run", str(root), "--profile", "default", "--python", str(python),
                    "--port", str(port))  # fmt: skip
    err = Lines(proc)
    try:  # the stack comes after stall_after (4 s); 30 s bounds a hang only
        slow = err.wait_for("not ready after", timeout=30)
        assert slow is not None, err.lines
        down = err.wait_for(f"BROKER_URL (amqp at 127.0.0.1:{closed}) not accepting", 0)
        starting = err.wait_for("asgideck: starting: ", 0)
        assert down is not None and starting is not None and down < starting, err.lines
        assert "waiting on BROKER_URL" in err.lines[slow]
        assert err.wait_for("connect_broker", 3) is not None, err.lines  # the task's stack
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 0
    assert is_port_free(port)


def test_run_gives_up_naming_what_it_waited_on(waits_on_broker: tuple[Path, Path, int]) -> None:
    root, python, _closed = waits_on_broker
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "run", str(root), "--profile", "default",
         "--python", str(python), "--port", str(free_port()), "--ready-timeout", "5"],
        cwd=REPO, capture_output=True, text=True, timeout=DEADLINE_S,
    )  # fmt: skip
    assert done.returncode == EXIT_NOT_READY
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("asgideck: not ready within 5 s; waiting on BROKER_URL"), last
    assert last.endswith("; stopped") and "exit code -9" not in done.stderr


def _tasks_project(tmp_path: Path) -> Path:
    """tasks_prestart (full-stack-fastapi-template's backend, reduced) with its own venv and
    a stand-in `alembic` console script in that venv's bin folder."""
    root = copy_project("tasks_prestart", tmp_path)
    python = make_venv(root / ".venv", only_here=["tasks_only_here"])
    body = (root / "tools" / "alembic").read_text(encoding="utf-8").split("\n", 1)[1]
    tool = python.parent / "alembic"
    tool.write_text(f"#!{python}\n{body}", encoding="utf-8")
    tool.chmod(0o755)
    return root


def test_run_before_runs_the_tasks_first_and_a_failure_stops_it(tmp_path: Path) -> None:
    root = _tasks_project(tmp_path)
    port = free_port()
    base = ["run", str(root), "--profile", "default", "--port", str(port), "--grace", "2"]
    failing = "python -c 'import sys; print(\"boom\"); sys.exit(5)'"
    proc = asgideck(*base, "--before", "alembic upgrade head", "--before", failing)
    _out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == EXIT_CANNOT_START
    assert f"before-start task `{failing}` failed (exit 5): boom" in err
    assert not port_accepts("127.0.0.1", port)

    proc = asgideck(*base, "--before", "bash scripts/prestart.sh")
    try:
        assert wait_until(
            lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, DEADLINE_S
        )
        body = httpx.get(f"http://127.0.0.1:{port}/health", timeout=5).json()
        assert body["rows"] == [f"migrated by {root / '.venv'}", "seeded"]
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=DEADLINE_S)
    assert proc.returncode == 0, err
    assert out.index("Running upgrade") < out.index("Initial data created")
    assert err.index("before-start task 1/1 done") < err.index("asgideck: starting:")


def test_ctrl_c_during_a_before_task_ends_it(tmp_path: Path) -> None:
    root = _tasks_project(tmp_path)
    pid_file = root / "child.pid"
    proc = asgideck(
        "run",
        str(root),
        "--profile",
        "default",
        "--port",
        str(free_port()),
        "--before",
        f"bash scripts/slow_task.sh {pid_file}",
        "--before",
        "alembic upgrade head",
    )
    try:
        assert wait_until(lambda: pid_file.is_file() and pid_file.read_text() != "", DEADLINE_S)
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=DEADLINE_S)
    child = int(pid_file.read_text())
    assert proc.returncode == 0, err
    assert not psutil.pid_exists(child) or psutil.Process(child).status() == "zombie"
    assert "stopped: the server is not started" in err
    assert not (root / "data").exists()  # the second task never ran
