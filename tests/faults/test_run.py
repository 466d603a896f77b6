"""Issue 10: how ``asgideck run`` ends (defect 6), lines it must not drop (9), its host and
port messages (11) and the escape sequences its outputs must not replay (12).

Real ``python -m asgideck run`` children against a small app written for the test
(``support.running``), real signals, pipes and ports; runs that do not depend on each
other are started together to keep the module fast. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from asgideck.runtime.cli import EXIT_ENDED_ELSEWHERE
from asgideck.runtime.cli._shared import EXIT_USAGE
from asgideck.runtime.logs import logs_dir
from asgideck.runtime.servers import free_port, is_port_free, port_accepts
from support import REPO
from support.running import RunChild, run_args, run_children, write_run_project

pytestmark = pytest.mark.integration
DEADLINE_S = 20.0


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_run_project(tmp_path / "proj")


def _ignore_sigint() -> None:
    """What a non-interactive shell does for `cmd &`: SIGINT ignored, and inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def test_signals_and_a_stubborn_app_stop_the_whole_tree(project: Path) -> None:
    """SIGTERM, SIGHUP, and SIGINT inherited as ignored each stop the tree; a clean stop
    says "stopped", an app that ignores SIGTERM "did not stop in 1 s, killed"."""
    cases = [
        (signal.SIGTERM, "app:app", {}),
        (signal.SIGHUP, "app:app", {}),
        (signal.SIGINT, "app:app", {"preexec_fn": _ignore_sigint}),
        (signal.SIGINT, "app:stubborn", {}),
    ]
    with run_children() as children:
        ports = []
        for _sig, app, popen in cases:
            ports.append(free_port())
            children.append(
                RunChild(run_args(project, ports[-1], "--grace", "1", app=app), **popen)
            )
        for child in children:
            child.wait_running(DEADLINE_S)
        for child, (sig, _app, _popen) in zip(children, cases, strict=True):
            child.proc.send_signal(sig)
        for child, port, (sig, app, _popen) in zip(children, ports, cases, strict=True):
            code = child.finish(DEADLINE_S)
            err = child.err.text()
            assert child.tree_gone() == [], f"{sig.name} left the server running:\n{err}"
            assert is_port_free(port)
            assert f"stopping… ({sig.name})" in err, err
            last = err.strip().splitlines()[-1]
            if app == "app:stubborn":
                assert last == "asgideck: did not stop in 1 s, killed", err
                assert "crashed" not in err and "-9" not in err, err
            else:
                assert last == "asgideck: stopped", err
                assert "exit code -15" not in err
            assert code == 0, err


def test_a_closed_stdout_stops_the_tree(project: Path) -> None:
    """`asgideck run … | head -1`: the reader goes; run's next write fails and it stops."""
    port = free_port()
    with run_children() as children:
        child = RunChild(run_args(project, port), read_stdout=False)
        children.append(child)
        child.wait_running(DEADLINE_S)
        assert child.proc.stdout is not None
        url = f"http://127.0.0.1:{port}/"
        assert httpx.get(url, timeout=5).status_code == 200
        assert b'"GET / HTTP/1.1" 200' in child.proc.stdout.readline()  # what head -1 takes
        child.proc.stdout.close()  # ... and then head exits
        deadline = time.monotonic() + DEADLINE_S
        while child.proc.poll() is None and time.monotonic() < deadline:
            if port_accepts("127.0.0.1", port):
                # every request is an access line: a write to the closed pipe
                with contextlib.suppress(httpx.HTTPError):
                    httpx.get(url, timeout=2)
            child.err.wait_for("asgideck: stopped", 0.2)
        assert child.finish(DEADLINE_S) == 0, child.err.text()
        assert child.tree_gone() == [], child.err.text()
        assert "stopping… (its output was closed)" in child.err.text()
        assert is_port_free(port)


def test_tee_then_ctrl_c_stops_the_tree(project: Path, tmp_path: Path) -> None:
    """`asgideck run … | tee log`, then Ctrl-C: SIGINT reaches the whole process group
    (tee dies at once, so run's output breaks too)."""
    port = free_port()
    log = tmp_path / "tee.log"
    command = " ".join(map(_quote, run_args(project, port))) + f" | tee {_quote(str(log))}"
    shell = subprocess.Popen(
        ["bash", "-c", command],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own group, as a terminal's foreground job
    )
    try:
        assert _wait(lambda: port_accepts("127.0.0.1", port), DEADLINE_S), "not up"
        tree = psutil.Process(shell.pid).children(recursive=True)
        assert any("uvicorn" in _command(p) for p in tree), tree  # the server is in it
        os.killpg(shell.pid, signal.SIGINT)
        _out, err = shell.communicate(timeout=DEADLINE_S)
        # the server (in a session of its own) must not outlive run
        _gone, alive = psutil.wait_procs(tree, timeout=5)
        assert alive == [], err.decode()
        assert is_port_free(port)
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait(5)


def test_a_server_stopped_from_elsewhere_ends_run_with_a_clear_line(project: Path) -> None:
    """`asgideck stop` from another terminal (here for two runs at once): each run says
    so and exits EXIT_ENDED_ELSEWHERE instead of hanging."""
    with run_children() as children:
        children += [RunChild(run_args(project, free_port())) for _ in range(2)]
        for child in children:
            child.wait_running(DEADLINE_S)
        done = subprocess.run(
            [sys.executable, "-m", "asgideck", "stop", "--all", "--grace", "2"],
            cwd=REPO, capture_output=True, text=True, timeout=DEADLINE_S,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        for child in children:
            assert child.finish(DEADLINE_S) == EXIT_ENDED_ELSEWHERE, child.err.text()
            last = child.err.text().strip().splitlines()[-1]
            assert last == "asgideck: stopped from elsewhere (asgideck stop)", last
            assert child.tree_gone() == []


def test_a_server_killed_from_outside_ends_run_with_a_clear_line(project: Path) -> None:
    """`kill PID` of the server from another terminal: the same, naming the signal."""
    with run_children() as children:
        child = RunChild(run_args(project, free_port()))
        children.append(child)
        child.wait_running(DEADLINE_S)
        child.server().send_signal(signal.SIGTERM)  # `kill PID` from another terminal
        assert child.finish(DEADLINE_S) == EXIT_ENDED_ELSEWHERE, child.err.text()
        last = child.err.text().strip().splitlines()[-1]
        assert last == (
            "asgideck: the server exited (signal 15, SIGTERM) — stopped from outside asgideck"
        ), last
        assert child.tree_gone() == []


def test_a_burst_reaches_the_terminal_whole_and_no_escape_is_replayed(project: Path) -> None:
    """200,000 lines at once (twice the ring buffer) all reach run's stdout; a clipboard
    write (OSC 52), cursor moves and a bell reach neither the terminal nor the log file."""
    port = free_port()
    count = 200_000
    with run_children() as children:
        child = RunChild(run_args(project, port))
        children.append(child)
        child.wait_running(DEADLINE_S)
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(f"{base}/burst", params={"n": count}, timeout=DEADLINE_S).text == "ok"
        assert httpx.get(f"{base}/escapes", timeout=5).text == "ok"
        assert child.out is not None
        assert child.out.wait_for('"GET /escapes HTTP/1.1" 200', DEADLINE_S)
        child.proc.send_signal(signal.SIGINT)
        assert child.finish(DEADLINE_S) == 0
    out = child.out.text()
    burst = [line for line in out.splitlines() if line.startswith("burst ")]
    assert burst == [f"burst {i}" for i in range(count)]  # every line, in order
    [log_file] = list(logs_dir().glob("*.log"))
    raw = log_file.read_bytes()
    assert raw.count(b"\nburst ") + raw.startswith(b"burst ") == count
    terminal = out + child.err.text()
    for data, where in ((raw, "the run log file"), (terminal.encode(), "run's output")):
        assert b"\x1b" not in data and b"\x07" not in data, where
        assert b"beforeafter" in data and b"red end" in data, where  # the text stays


def test_bad_host_and_port_get_one_clear_line_at_once(project: Path) -> None:
    cases = {
        "999.1.1.1": "--host: 999.1.1.1 is not an IP address or host name this machine can bind",
        "10.9.9.9": "--host: cannot bind 10.9.9.9: not an address of this machine",
        "no-such-host.invalid": "--host: no-such-host.invalid is not an IP address or host name",
    }
    argvs = {host: run_args(project, free_port(), "--host", host) for host in cases}
    argvs["70000"] = run_args(project, 70000)
    children = {
        name: subprocess.Popen(
            args, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for name, args in argvs.items()
    }
    for host, proc in children.items():
        _out, err = proc.communicate(timeout=DEADLINE_S)
        assert proc.returncode == EXIT_USAGE, err
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "Traceback" not in err, err
        wanted = cases.get(host, "asgideck: port: 70000 is not between 1 and 65535")
        assert wanted in lines[0], err
        assert "in use" not in err


def _wait(condition, timeout: float) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


def _command(proc: psutil.Process) -> str:
    try:
        return " ".join(proc.cmdline())
    except psutil.Error:
        return ""


def _quote(text: str) -> str:
    import shlex

    return shlex.quote(text)
