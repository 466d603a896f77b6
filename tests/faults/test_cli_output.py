"""Issue 10, reviewer findings F5–F8: what the CLI writes and how it leaves.

F5 nothing from outside (a document's title, a ``.env`` value) reaches a terminal as an
escape sequence; F6 SIGTERM/SIGHUP clean up as Ctrl-C does; F7 a stdout that cannot be
written is one line and exit 74; F7b a closed fd 1 or 2 is no traceback; F8 ``stop``
checks ``--grace`` and says when SIGKILL was needed.

Real ``python -m asgideck`` children: a pty for the terminal cases, /dev/full, a closed
fd, real signals, loopback servers written for the test. Every wait is bounded.
"""

from __future__ import annotations

import contextlib
import json
import os
import pty
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.cli._shared import EXIT_IO_ERROR, EXIT_USAGE
from asgideck.runtime.client import History
from asgideck.runtime.servers import free_port
from asgideck.runtime.userstate import state_dir
from support import REPO
from support.running import RunChild, run_args, run_children, write_run_project
from support.servers import wait_until
from support.slow_http import SlowServer, slow_server

pytestmark = pytest.mark.integration
DEADLINE_S = 20.0
ASGIDECK = [sys.executable, "-m", "asgideck"]
# OSC 52 (write the clipboard), clear the screen, a bell: what a hostile document carries
HOSTILE = "\x1b]52;c;ZXZpbA==\x07\x1b[2J"
#: 1 MiB every 20 ms: a scratch file exists within a fraction of a second (see test_call)
PACED = "/endless?chunk=1048576&every=0.02"


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with slow_server(drip_s=1.0, limit_s=20.0) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_run_project(tmp_path / "proj")


def _scratch() -> list[str]:
    folder = state_dir() / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def _on_terminal(args: list[str]) -> tuple[int, bytes]:
    """Run ``args`` with stdout and stderr on a pty: (exit code, what the terminal got)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(args, cwd=REPO, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave)
    os.close(slave)
    got = b""
    deadline = time.monotonic() + DEADLINE_S
    try:
        while (left := deadline - time.monotonic()) > 0:
            ready, _, _ = select.select([master], [], [], left)
            if not ready:
                break
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not chunk:
                break
            got += chunk
        code = proc.wait(5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        os.close(master)
    return code, got


def _run(
    args: list[str], *, stdout: Any = subprocess.PIPE, preexec_fn: Any = None
) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        args, cwd=REPO, stdout=stdout, stderr=subprocess.PIPE, preexec_fn=preexec_fn,
        timeout=DEADLINE_S, check=False,
    )  # fmt: skip


def _hostile_document(tmp_path: Path) -> Path:
    doc = {
        "openapi": "3.0.0",
        "info": {"title": f"Shop{HOSTILE}API", "version": "1"},
        "paths": {f"/items{HOSTILE}": {"get": {"summary": f"list{HOSTILE}them", "responses": {}}}},
    }
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(doc))
    return path


# --- F5: escape sequences from outside never reach a terminal ---------------------------------


def test_f5a_inspect_openapi_on_a_terminal_shows_no_escape_sequence(tmp_path: Path) -> None:
    document = _hostile_document(tmp_path)
    args = [*ASGIDECK, "inspect", "--openapi", str(document)]
    code, shown = _on_terminal(args)
    assert code == 0, shown
    assert b"\x1b" not in shown and b"\x07" not in shown, shown
    assert b"ShopAPI" in shown and b"/items" in shown and b"listthem" in shown, shown
    piped = _run(args)  # to a pipe: exactly what the document says
    assert piped.returncode == 0
    assert HOSTILE.encode() in piped.stdout


def test_f5b_profiles_show_on_a_terminal_shows_no_escape_sequence(tmp_path: Path) -> None:
    folder = tmp_path / "envproj"
    folder.mkdir()
    (folder / ".env").write_text("A=0\n")
    (folder / ".env.dev").write_bytes(b"CLIP=\x1b]52;c;ZXZpbA==\x07x\n")
    args = [*ASGIDECK, "profiles", str(folder), "--show", "dev"]
    code, shown = _on_terminal(args)
    assert code == 0, shown
    assert b"\x1b" not in shown and b"\x07" not in shown, shown
    assert b"CLIP=x" in shown, shown
    piped = _run([*args, "--json"])  # JSON to a pipe: the value, exactly (JSON-escaped)
    assert piped.returncode == 0
    values = {v["key"]: v["value"] for v in json.loads(piped.stdout)["variables"]}
    assert values["CLIP"] == "\x1b]52;c;ZXZpbA==\x07x"


# --- F6: SIGTERM and SIGHUP leave no scratch file ----------------------------------------------


def _default_signals() -> None:
    """As a terminal starts a command (not ``nohup``, which asgideck leaves ignored)."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_f6_a_signalled_call_leaves_no_scratch_file(server: SlowServer, sig: int) -> None:
    proc = subprocess.Popen(
        [*ASGIDECK, "call", str(REPO / "sample_app"), "GET", PACED, "--url", server.url,
         "--deadline", "20", "--no-history"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        preexec_fn=_default_signals,
    )  # fmt: skip
    try:
        assert wait_until(lambda: bool(_scratch()) or proc.poll() is not None, DEADLINE_S)
        assert proc.poll() is None, "call ended before its scratch file appeared"
        assert _scratch()[0].startswith(f"{proc.pid}-body-")
        proc.send_signal(sig)
        _, err = proc.communicate(timeout=DEADLINE_S)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate(timeout=10)
    name = signal.Signals(sig).name
    assert err == f"asgideck: stopped by {name}\n".encode(), err
    assert proc.returncode == 128 + sig
    assert _scratch() == []


# --- F7: a stdout that cannot be written ---------------------------------------------------------


def test_f7_call_to_a_full_disk_says_the_answer_came_and_exits_74(server: SlowServer) -> None:
    with open("/dev/full", "w") as full:
        done = _run(
            [*ASGIDECK, "call", str(REPO / "sample_app"), "GET", "/size/100", "--url",
             server.url],
            stdout=full,
        )  # fmt: skip
    assert done.returncode == EXIT_IO_ERROR, done.stderr
    assert done.stderr == (
        b"asgideck: the response was received but could not be written: No space left on device\n"
    )
    history = History()  # the request happened: it is in the history all the same
    try:
        assert history.count() == 1
    finally:
        history.close()


@pytest.mark.parametrize("command", ["profiles", "ps", "inspect"])
def test_f7_other_commands_to_a_full_disk_exit_74(project: Path, command: str) -> None:
    document = project / "openapi.json"
    document.write_text(json.dumps({"openapi": "3.0.0", "info": {"title": "t"}, "paths": {}}))
    args = {
        "profiles": ["profiles", str(project), "--json"],
        "ps": ["ps"],
        "inspect": ["inspect", "--openapi", str(document)],
    }[command]
    with open("/dev/full", "w") as full:
        done = _run([*ASGIDECK, *args], stdout=full)
    assert done.returncode == EXIT_IO_ERROR, done.stderr
    assert done.stderr == b"asgideck: cannot write the output: No space left on device\n"


# --- F7b: fd 1 or fd 2 closed ---------------------------------------------------------------------


def _close_stdout() -> None:
    os.close(1)


def _close_stderr() -> None:
    os.close(2)


def test_f7b_a_closed_stdout_is_one_line_not_a_traceback(project: Path, server: SlowServer) -> None:
    listing = _run([*ASGIDECK, "profiles", str(project)], preexec_fn=_close_stdout)
    assert listing.returncode == EXIT_IO_ERROR
    assert listing.stderr == b"asgideck: cannot write the output: stdout is closed\n"
    call = _run(
        [*ASGIDECK, "call", str(project), "GET", "/size/10", "--url", server.url,
         "--no-history"],
        preexec_fn=_close_stdout,
    )  # fmt: skip
    assert call.returncode == EXIT_IO_ERROR
    assert call.stderr == (
        b"asgideck: the response was received but could not be written: stdout is closed\n"
    )


def test_f7b_a_closed_stderr_is_no_traceback(project: Path) -> None:
    done = _run([*ASGIDECK, "profiles", str(project), "--json"], preexec_fn=_close_stderr)
    assert done.returncode == 0
    assert json.loads(done.stdout)["profiles"][0]["name"] == "default"
    bad = _run([*ASGIDECK, "profiles", str(project / "missing")], preexec_fn=_close_stderr)
    assert bad.returncode == EXIT_USAGE
    assert bad.stdout == b"", "the error line must not land on stdout"


def test_f7b_run_with_a_closed_stdout_runs_and_stops_cleanly(project: Path) -> None:
    with run_children() as children:
        child = RunChild(run_args(project, free_port()), read_stdout=False,
                         preexec_fn=_close_stdout)  # fmt: skip
        children.append(child)
        child.wait_running(DEADLINE_S)
        child.proc.send_signal(signal.SIGTERM)
        code = child.finish(DEADLINE_S)
        err = child.err.text()
        assert child.tree_gone() == [], err
        assert code == 0, err
        assert "Traceback" not in err and "AttributeError" not in err, err
        assert err.strip().splitlines()[-1] == "asgideck: stopped", err


# --- F8: stop --grace is checked, and a SIGKILL is said ------------------------------------------


@pytest.mark.parametrize("grace", ["-1", "nan", "inf"])
def test_f8a_stop_refuses_a_grace_that_is_no_wait(grace: str) -> None:
    done = _run([*ASGIDECK, "stop", "--all", "--grace", grace])
    assert done.returncode == EXIT_USAGE
    lines = done.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asgideck: --grace: "), lines


def test_f8b_stop_says_when_sigkill_was_needed(project: Path) -> None:
    with run_children() as children:
        child = RunChild(run_args(project, free_port(), app="app:stubborn"))
        children.append(child)
        child.wait_running(DEADLINE_S)
        stop = _run([*ASGIDECK, "stop", "--all", "--grace", "1"])
        out = stop.stdout.decode()
        assert stop.returncode == 0, stop.stderr
        assert out.startswith("did not stop in 1 s, killed: "), out
        assert "stopped" not in out, out
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.finish(DEADLINE_S)
        assert child.tree_gone() == []
