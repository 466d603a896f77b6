"""Fault injection for ``asgideck call`` and the sender under it (issue 10: defects 1, 4, 8,
11 and 12's ``call`` part), against loopback servers written for the faults they serve.

Each test reproduces one audited failure: an endless stream that filled the disk and
was never stopped, headers or a body arriving one byte at a time, a scratch file left
by a killed ``call``, Ctrl-C printing a traceback, an item split at the wrong
separator (a token sent as a query parameter), a broken history hiding an answer,
``--timeout -1`` raising a raw ValueError, and raw escape codes printed to a terminal.
"""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_USAGE
from asgideck.runtime.client import DeadlineExceeded, History, RequestSpec, Sender
from asgideck.runtime.userstate import state_dir, temp_dir
from support import REPO
from support.cli import run_cli
from support.servers import wait_until
from support.slow_http import SlowServer, slow_server

# 1 MiB every 20 ms: past the 10 MiB kept in memory within a fraction of a second (so a
# scratch file exists), yet only ~50 MB/s, so no test writes much to disk.
PACED = "/endless?chunk=1048576&every=0.02"


@pytest.fixture
def server() -> Iterator[SlowServer]:
    with slow_server(drip_s=1.0, limit_s=20.0) as running:
        yield running


@pytest.fixture
def project(tmp_path: Path) -> Path:
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    return folder


def scratch() -> list[str]:
    folder = state_dir() / "tmp"
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


# --- defect 1: deadline, cap, scratch files ----------------------------------------------


def test_an_endless_stream_stops_at_the_deadline_and_leaves_no_file(
    server: SlowServer, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(  # the stream never ends: only the deadline can end the call
        "call", str(project), "GET", PACED, "--url", server.url, "--timeout", "5",
        "--deadline", "1.5", "--no-history",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3 and out == ""
    found = re.fullmatch(
        rf"asgideck: GET {server.url}/endless\?\S+: no complete answer within 1.5 s "
        r"\(deadline\); got 200 OK and ([\d.]+) MB of body\n",
        err,
    )
    assert found, err
    assert float(found.group(1)) > 10, "the body went past memory into a scratch file"
    assert server.hangups.wait(2), "the connection was closed, not only abandoned"
    assert scratch() == []


def test_headers_one_byte_a_second_are_cut_by_the_deadline(server: SlowServer) -> None:
    """The read is blocked inside the headers: only closing the socket ends it."""
    with Sender(deadline=1.5) as sender:
        with pytest.raises(DeadlineExceeded) as info:  # a byte a second, never the last one
            sender.send(RequestSpec("GET", server.url + "/slow-headers", timeout=5))
        # Still inside the sender: the hang-up is the deadline's doing, not close()'s (the
        # server sees it at its next byte, a second on: 5 s bounds a hang only).
        assert server.hangups.wait(5), "the socket blocked on the headers was not closed"
    assert str(info.value) == (
        f"GET {server.url}/slow-headers: no complete answer within 1.5 s (deadline); "
        "no response headers yet"
    )
    assert info.value.status is None


def test_a_body_one_byte_a_second_is_cut_by_the_deadline(
    server: SlowServer, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _ = run_cli(
        "call", str(project), "GET", "/drip", "--url", server.url, "--deadline", "1.5",
        "--no-history",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 3
    assert re.fullmatch(
        rf"asgideck: GET {server.url}/drip: no complete answer within 1.5 s \(deadline\); "
        r"got 200 OK and \d B of body\n",
        err,
    ), err


def test_max_body_cuts_the_body_and_says_so(
    server: SlowServer, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run_cli(
        "call", str(project), "GET", "/endless", "--url", server.url, "--max-body", "64K",
        "--no-history",
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 6
    assert out.split("\n\n", 1)[1] == "y" * 65536
    assert err == (
        "asgideck: warning: the body was cut at 64.0 KB: the server sent more, "
        "and that is the most asgideck keeps of one body (--max-body)\n"
    )
    assert scratch() == []


def test_the_body_on_disk_stops_at_the_cap(server: SlowServer) -> None:
    with Sender(body_cap=2**20, max_body=3 * 2**20) as sender:
        record = sender.send(RequestSpec("GET", server.url + "/endless"))
        assert record.cut and record.truncated and record.size == 3 * 2**20
        assert record.body_file is not None and record.body_file.stat().st_size == 3 * 2**20
        assert record.body_file.parent == temp_dir()
        assert record.body_file.name.startswith(f"{os.getpid()}-")
    assert scratch() == []


def _call_in_flight(url: str) -> subprocess.Popen[bytes]:
    """``python -m asgideck call`` streaming the paced endless body, once its scratch file
    exists."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "call", str(REPO / "sample_app"), "GET", PACED,
         "--url", url, "--deadline", "20", "--no-history"],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    if not wait_until(lambda: bool(scratch()) or proc.poll() is not None, 20):
        proc.kill()
        proc.wait(10)
        pytest.fail("no scratch file appeared")
    assert proc.poll() is None, proc.communicate()[1]
    assert scratch()[0].startswith(f"{proc.pid}-body-")
    return proc


def test_a_killed_call_leaves_a_file_the_next_call_sweeps(server: SlowServer) -> None:
    proc = _call_in_flight(server.url + "")
    proc.kill()
    proc.communicate(timeout=10)
    left = scratch()
    assert left and left[0].startswith(f"{proc.pid}-"), "SIGKILL leaves the file behind"
    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "call", str(REPO / "sample_app"), "GET", "/size/3",
         "--url", server.url, "--no-history"],
        cwd=REPO, capture_output=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert scratch() == [], "the next call swept the dead call's file"


def test_ctrl_c_is_one_line_and_leaves_no_file(server: SlowServer) -> None:
    proc = _call_in_flight(server.url)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 130
    assert err == b"asgideck: interrupted\n"
    assert scratch() == []


# --- defect 4: items split as httpie splits them ----------------------------------------------


def test_a_token_with_equals_signs_is_sent_as_a_header(server: SlowServer, project: Path) -> None:
    code, out = run_cli(
        "call", str(project), "GET", "/echo", "Authorization:Bearer tok==",
        "Cookie:session=x", "q==a:b", "--url", server.url, "--no-history",
    )  # fmt: skip
    assert code == 0
    request = out.split("\n\n", 1)[1]
    assert request.startswith("GET /echo?q=a%3Ab HTTP/1.1\r\n")
    assert "\r\nAuthorization: Bearer tok==" in request
    assert "\r\nCookie: session=x" in request
    assert "tok" not in request.split("\r\n", 1)[0], "the token is not in the URL"


# --- defect 8: a broken history never hides an answer ------------------------------------------


def _directory(path: Path) -> Callable[[], None]:
    path.mkdir()
    return lambda: None


def _garbage(path: Path) -> Callable[[], None]:
    path.write_bytes(b"this is not a database\n" * 100)
    return lambda: None


def _rejecting_writes(path: Path) -> Callable[[], None]:
    """A history whose every insert fails as on a full disk."""
    History(path).close()
    with contextlib.closing(sqlite3.connect(path)) as db:
        db.execute(
            "CREATE TRIGGER full BEFORE INSERT ON entries "
            "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END"
        )
        db.commit()
    return lambda: None


def _read_only(path: Path) -> Callable[[], None]:
    """chmod for a normal user; root ignores modes, so the immutable flag there."""
    History(path).close()
    if os.geteuid() != 0:
        path.chmod(0o444)
        return lambda: path.chmod(0o600)
    flagged = subprocess.run(["chattr", "+i", str(path)], capture_output=True, check=False)
    if flagged.returncode != 0:
        pytest.skip(f"cannot make a file read-only for root here: {flagged.stderr!r}")
    return lambda: subprocess.run(["chattr", "-i", str(path)], check=True)


@pytest.mark.parametrize("damage", [_directory, _garbage, _rejecting_writes, _read_only])
def test_a_broken_history_is_a_warning_after_the_answer(
    damage: Callable[[Path], Callable[[], None]],
    server: SlowServer,
    project: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    history = state_dir() / "history.sqlite3"
    undo = damage(history)
    try:
        code, out = run_cli("call", str(project), "POST", "/size/2", "--url", server.url)
    finally:
        undo()
    err = capsys.readouterr().err
    assert code == 0, err
    assert out.startswith("HTTP/1.1 200 OK\n") and out.endswith("\n\nxx")
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith(
        "asgideck: warning: the request history was not updated: "
    ), err


# --- defect 11: bad limits are one clear line --------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--timeout", "-1", "must be a positive number of seconds, not '-1'"),
        ("--timeout", "0", "must be a positive number of seconds, not '0'"),
        ("--timeout", "nan", "must be a positive number of seconds, not 'nan'"),
        ("--timeout", "abc", "'abc' is not a number of seconds"),
        ("--deadline", "inf", "must be a positive number of seconds, not 'inf'"),
        ("--deadline", "1e300", "must be at most 86400 seconds, not '1e300'"),
        ("--max-body", "0", "'0' is not a positive size"),
        ("--max-body", "lots", "'lots' is not a size (e.g. 1000, 64K, 512M, 1G)"),
    ],
)
def test_bad_limits_are_one_line_naming_the_option(
    option: str, value: str, says: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as info:
        run_cli("call", str(project), "GET", "/", "--url", "http://127.0.0.1:9", option, value)
    assert info.value.code == EXIT_USAGE
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == f"asgideck call: error: argument {option}: {says}"
    assert "Traceback" not in err


# --- defect 12: a terminal gets printable text, a pipe the exact bytes -------------------------


def _call_on_a_terminal(url: str, route: str) -> bytes:
    main, follower = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "call", str(REPO / "sample_app"), "GET", route,
         "--url", url, "--no-history"],
        cwd=REPO, stdin=subprocess.DEVNULL, stdout=follower, stderr=subprocess.PIPE,
    )  # fmt: skip
    os.close(follower)
    shown = b""
    ends = time.monotonic() + 30
    try:
        while time.monotonic() < ends:
            ready, _, _ = select.select([main], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(main, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not data:
                break
            shown += data
    finally:
        os.close(main)
        proc.wait(10)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    return shown


def test_a_terminal_gets_no_escape_sequences(server: SlowServer) -> None:
    shown = _call_on_a_terminal(server.url, "/escape")
    assert b"\x1b" not in shown and b"\x00" not in shown and b"\x07" not in shown
    assert b"before  nul \\x00 red  after" in shown


def test_a_terminal_gets_a_note_instead_of_binary_data(server: SlowServer) -> None:
    shown = _call_on_a_terminal(server.url, "/binary")
    assert b"(binary data not shown: 300 B of application/octet-stream;" in shown
    assert b"\x00" not in shown and b"\x1b" not in shown


@pytest.mark.parametrize("route", ["/escape", "/binary"])
def test_a_pipe_gets_the_exact_bytes(server: SlowServer, route: str) -> None:
    from support.slow_http import BINARY_BODY, ESCAPE_BODY

    done = subprocess.run(
        [sys.executable, "-m", "asgideck", "call", str(REPO / "sample_app"), "GET", route,
         "--url", server.url, "--no-history"],
        cwd=REPO, capture_output=True, timeout=30,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.split(b"\n\n", 1)[1] == (ESCAPE_BODY if route == "/escape" else BINARY_BODY)
