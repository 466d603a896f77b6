"""CLI failures are one `asgideck: ...` line and an exit code, never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_FAILED, EXIT_USAGE
from asgideck.runtime.servers import free_port
from asgideck.runtime.userstate import state_dir
from support.cli import run_cli


def test_inspect_openapi_missing_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nope.json"
    code, text = run_cli("inspect", "--openapi", str(missing))
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert text == ""
    assert err.startswith(f"asgideck: {missing}") and "Traceback" not in err


def test_inspect_openapi_broken_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = tmp_path / "doc.json"
    broken.write_text('{"openapi": 3')
    code, _ = run_cli("inspect", "--openapi", str(broken))
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert err.startswith(f"asgideck: {broken}: line 1") and "invalid JSON" in err


def test_call_whose_history_cannot_be_opened(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The request fails (nothing listens), and recording it fails too: a message, no trace."""
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (state_dir() / "history.sqlite3").mkdir()  # a folder where the database should be
    url = f"http://127.0.0.1:{free_port()}"
    code, _ = run_cli("call", str(tmp_path), "GET", "/", "--url", url, "--timeout", "5")
    err = capsys.readouterr().err
    assert code == EXIT_FAILED
    assert (
        "asgideck: warning: the request history was not updated: cannot open the request history"
        in err
    )
    assert "Traceback" not in err
