"""The CLI names a missing module and prints the install command (it never runs it),
and says so when it falls back to asgideck's own interpreter."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from support.cli import run_cli
from support.projects import copy_project, make_venv


@pytest.mark.integration
def test_inspect_names_the_missing_module_and_the_install_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_project("missing_dep", tmp_path)
    python = make_venv(root / ".venv")
    code, out = run_cli("inspect", str(root), "--profile", "development")
    err = capsys.readouterr().err
    assert code == 1
    assert "No module named 'fixture_missing_dep'" in out
    assert (
        f"asgideck: missing module: the interpreter {python} cannot import "
        "'fixture_missing_dep': install the project's dependencies with "
        f"`cd {root.resolve()} && {python} -m pip install -r requirements.txt`"
    ) in err.splitlines()
    assert "warning:" not in err


@pytest.mark.integration
def test_check_warns_about_asgideck_own_interpreter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_project("missing_dep", tmp_path)
    (root / ".git").mkdir()  # the workspace ends here: no venv anywhere
    run_cli("check", str(root), "--profile", "development")
    err = capsys.readouterr().err
    assert (
        "asgideck: warning: no project venv found: using asgideck's own interpreter "
        f"({sys.executable})"
    ) in err
    assert "choose one (--python)" in err


@pytest.mark.integration
def test_run_names_the_missing_module_after_the_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from asgideck.runtime.servers import free_port

    root = copy_project("missing_dep", tmp_path)
    python = make_venv(root / ".venv")
    args = ("run", str(root), "--profile", "development", "--port", str(free_port()))
    code, _out = run_cli(*args)
    err = capsys.readouterr().err
    assert code != 0
    assert f"asgideck: missing module: the interpreter {python} cannot import" in err
    assert f"{python} -m pip install -r requirements.txt" in err
