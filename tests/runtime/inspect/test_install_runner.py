"""Running an install plan: output streams line by line, cancel ends the whole tree."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.inspect import CANCELLED, InstallError, InstallRun
from asgideck.runtime.project import InstallPlan

TIMEOUT = 30


def plan(tmp_path: Path, code: str, **env: str) -> InstallPlan:
    return InstallPlan((sys.executable, "-c", code), tmp_path, "test", env)


def test_streams_stdout_and_stderr_and_returns_the_exit_code(tmp_path: Path) -> None:
    lines: list[str] = []
    second_seen = threading.Event()
    release = tmp_path / "release"
    code = (
        "import os, sys, time\n"
        "print('collecting', os.environ['EXTRA'], flush=True)\n"
        "print('building', file=sys.stderr, flush=True)\n"
        f"while not os.path.exists({str(release)!r}): time.sleep(0.01)\n"
        "print('done'); sys.exit(3)\n"
    )

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "building":
            second_seen.set()

    run = InstallRun(plan(tmp_path, code, EXTRA="from-plan"), on_line)
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(run.run()))
    worker.start()
    # the lines arrive while the command is still running: streaming, not collected at the end
    assert second_seen.wait(TIMEOUT)
    assert "done" not in lines
    release.write_text("")
    worker.join(TIMEOUT)
    assert result == [3]
    assert lines[0].startswith(f"$ cd {tmp_path} && ")
    assert set(lines[1:]) == {"collecting from-plan", "building", "done"}


def test_cancel_ends_the_tree(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild.pid"
    code = (
        "import subprocess, sys, time\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(600)'])\n"
        f"open({str(pid_file)!r}, 'w').write(str(child.pid))\n"
        "print('started', flush=True)\n"
        "time.sleep(600)\n"
    )
    started = threading.Event()
    run = InstallRun(
        plan(tmp_path, code), lambda line: started.set() if line == "started" else None
    )
    result: list[int] = []
    worker = threading.Thread(target=lambda: result.append(run.run()))
    worker.start()
    assert started.wait(TIMEOUT)
    grandchild = psutil.Process(int(pid_file.read_text()))
    run.cancel()
    worker.join(TIMEOUT)
    assert not worker.is_alive()
    assert result == [CANCELLED]
    assert run.cancelled
    grandchild.wait(5)  # raises if it is still alive
    assert not grandchild.is_running() or grandchild.status() == psutil.STATUS_ZOMBIE


def test_cancel_before_start_runs_nothing(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    run = InstallRun(plan(tmp_path, f"open({str(marker)!r}, 'w')"), lambda _line: None)
    run.cancel()
    assert run.run() == CANCELLED
    assert not marker.exists()


def test_unavailable_tool_and_missing_program_are_one_line_errors(tmp_path: Path) -> None:
    missing_tool = InstallPlan(("uv", "sync"), tmp_path, "uv.lock", {}, "uv is not on PATH")
    with pytest.raises(InstallError, match="cannot run `uv sync`: uv is not on PATH"):
        InstallRun(missing_tool, lambda _line: None).run()
    nowhere = InstallPlan((str(tmp_path / "no-such-tool"), "install"), tmp_path, "test")
    with pytest.raises(InstallError, match=f"cannot run `.*no-such-tool install` in {tmp_path}"):
        InstallRun(nowhere, lambda _line: None).run()
