"""Issue 10's good cases, kept: bad input the CLI already answered with one clear line.

A ``.env`` error names file, line and column; a broken app is reported with its
error type and file:line; a busy port names the process holding it; a missing
profile, an unknown app and a missing folder are one ``asgideck:`` line. Driven
through ``asgideck.runtime.cli.main`` (what ``python -m asgideck`` dispatches to)
and, where a process matters (``run`` on a busy port), the real command.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_ERRORS, EXIT_USAGE
from support import REPO
from support.cli import run_cli
from support.files import copy_sample_app, write_files

EXIT_CANNOT_START = 69  # `run` could not start (runtime/cli/_shared.py)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return copy_sample_app(tmp_path / "proj")


def no_traceback(*texts: str) -> None:
    for text in texts:
        assert "Traceback" not in text, text


def test_env_file_error_names_file_line_and_column(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / ".env.development"
    lines = env.read_bytes().count(b"\n")
    with env.open("ab") as f:
        f.write(b"NAME=caf\xe9\n")  # Latin-1, not UTF-8
    code, out = run_cli("profiles", str(project), "--show", "development")
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and out == ""
    assert err.startswith(f"asgideck: {env}:{lines + 1}: not valid UTF-8 (byte 0xe9 at column 9")
    assert len(err.splitlines()) == 1


def test_env_line_dotenv_cannot_parse_is_named_with_file_and_line(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = project / ".env"
    lines = env.read_bytes().count(b"\n")
    with env.open("a", encoding="utf-8") as f:
        f.write('FOO="unterminated\n')
    code, out = run_cli("profiles", str(project), "--show", "development")
    err = capsys.readouterr().err
    no_traceback(out, err)
    assert code == 0
    assert f"{env}:{lines + 1}: cannot parse 'FOO=\"unterminated'" in out + err


@pytest.mark.parametrize(
    ("source", "expected", "line"),
    [
        ("from fastapi import FastAPI\nx = 1\napp = FastAPI(\n", "SyntaxError: '(' was never", 3),
        ("from fastapi import FastAPI\nimport not_a_module_here\napp = FastAPI()\n",
         "ModuleNotFoundError: No module named 'not_a_module_here'", 2),
    ],
    ids=["SyntaxError", "ImportError"],
)  # fmt: skip
def test_a_broken_app_is_reported_with_type_and_file_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], source: str, expected: str, line: int
) -> None:
    root = write_files(tmp_path / "broken", {"main.py": source})
    code, out = run_cli("inspect", str(root), "--app", "main:app")
    err = capsys.readouterr().err
    no_traceback(out, err)
    assert code == EXIT_ERRORS
    error = next(ln for ln in out.splitlines() if ln.startswith("ERROR"))
    assert expected in error and error.endswith(f"{root / 'main.py'}:{line}")


def test_run_on_a_busy_port_names_the_holder_and_leaves_nothing(project: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as holder:  # a real listener: this process
        port = holder.getsockname()[1]
        argv = ["run", str(project), "--profile", "development", "--port", str(port)]
        done = subprocess.run(
            [sys.executable, "-m", "asgideck", *argv],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,  # bounds a hang only
        )
    no_traceback(done.stdout, done.stderr)
    assert done.returncode == EXIT_CANNOT_START, done.stderr
    said = f"Port {port} on 127.0.0.1 is in use by pid {os.getpid()}"
    assert any(ln.startswith("asgideck: ") and said in ln for ln in done.stderr.splitlines())
    code, out = run_cli("ps", "--json")  # nothing registered; the autouse fixture checks pids
    assert code == 0 and out.strip() == "[]"


@pytest.mark.parametrize("command", ["run", "check", "profiles-show"])
def test_a_missing_profile_is_one_line(
    project: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    argv = {
        "run": ["run", str(project), "--profile", "nope"],
        "check": ["check", str(project), "--profile", "nope"],
        "profiles-show": ["profiles", str(project), "--show", "nope"],
    }[command]
    code, out = run_cli(*argv)
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and out == ""
    assert err.splitlines() == [
        f"asgideck: {project / '.env.nope'}: no profile 'nope' here "
        "(known profiles: development, production, staging)"
    ]


def test_an_unknown_app_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run_cli("inspect", str(project), "--app", "nope:app")
    err = capsys.readouterr().err
    no_traceback(out, err)
    assert code == EXIT_ERRORS
    assert "ERROR  ModuleNotFoundError: No module named 'nope'" in out
    assert "cannot import 'nope'" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["inspect", "{missing}"],
        ["profiles", "{missing}"],
        ["check", "{missing}", "--profile", "development"],
        ["run", "{missing}", "--profile", "development"],
        ["call", "{missing}", "GET", "/"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_missing_folder_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    missing = tmp_path / "nothere"
    code, out = run_cli(*[a.replace("{missing}", str(missing)) for a in argv])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE and out == ""
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("asgideck: ") and str(missing) in lines[0]
