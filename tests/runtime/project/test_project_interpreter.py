"""Which interpreter runs a project, and why; opening folders that are not projects."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from asgideck.runtime.project import ProjectError, find_interpreter, open_project


def fake_python(path: Path, executable: bool = True) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\nexit 0\n")
    path.chmod(0o755 if executable else 0o644)
    return path


def test_dot_venv_wins_over_venv(tmp_path: Path) -> None:
    dot = fake_python(tmp_path / ".venv/bin/python")
    fake_python(tmp_path / "venv/bin/python")
    chosen = find_interpreter(tmp_path)
    assert chosen.path == dot
    assert chosen.reason == ".venv/bin/python in the project"


def test_venv_when_no_dot_venv(tmp_path: Path) -> None:
    plain = fake_python(tmp_path / "venv/bin/python")
    chosen = find_interpreter(tmp_path)
    assert (chosen.path, chosen.reason) == (plain, "venv/bin/python in the project")


def test_windows_layout(tmp_path: Path) -> None:
    exe = fake_python(tmp_path / ".venv/Scripts/python.exe")
    assert find_interpreter(tmp_path).path == exe


def test_fallback_is_asgideck_own_interpreter_and_says_why(tmp_path: Path) -> None:
    (tmp_path / ".venv").mkdir()  # a venv folder without a python
    chosen = find_interpreter(tmp_path)
    assert chosen.path == Path(sys.executable)
    assert chosen.reason.startswith("no project venv (.venv/ has no bin/python")
    assert sys.executable in chosen.reason


def test_fallback_without_any_venv(tmp_path: Path) -> None:
    chosen = find_interpreter(tmp_path)
    assert chosen.reason == f"no project venv: using asgideck's own interpreter ({sys.executable})"


def test_non_executable_venv_python_is_ignored(tmp_path: Path) -> None:
    fake_python(tmp_path / ".venv/bin/python", executable=False)
    assert find_interpreter(tmp_path).path == Path(sys.executable)


def test_explicit_python_wins_and_keeps_symlinks(tmp_path: Path) -> None:
    fake_python(tmp_path / ".venv/bin/python")
    link = tmp_path / "elsewhere/python"
    link.parent.mkdir()
    link.symlink_to(sys.executable)
    chosen = find_interpreter(tmp_path, str(link))
    assert (chosen.path, chosen.reason) == (link, "--python given")


def test_explicit_python_by_command_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake_python(tmp_path / "bin/mypython")
    monkeypatch.setenv("PATH", str(tmp_path / "bin") + os.pathsep + os.environ["PATH"])
    monkeypatch.chdir(tmp_path)
    assert find_interpreter(tmp_path, "mypython").path == tmp_path / "bin/mypython"


def test_explicit_python_must_exist_and_be_executable(tmp_path: Path) -> None:
    missing = tmp_path / "nope/python"
    with pytest.raises(ProjectError, match=f"--python {missing}: no such file"):
        find_interpreter(tmp_path, str(missing))
    plain = fake_python(tmp_path / "py", executable=False)
    with pytest.raises(ProjectError, match="not an executable file"):
        find_interpreter(tmp_path, str(plain))
    with pytest.raises(ProjectError, match="not an executable file"):
        find_interpreter(tmp_path, str(tmp_path))


def test_open_project_rejects_missing_folder_and_files(tmp_path: Path) -> None:
    with pytest.raises(ProjectError, match=f"does not exist: {tmp_path / 'gone'}"):
        open_project(tmp_path / "gone")
    file = tmp_path / "main.py"
    file.write_text("")
    with pytest.raises(ProjectError, match=f"not a folder: {file}"):
        open_project(file)


def test_open_project_name_env_files_and_profiles(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop-api"\n')
    for name in (".env", ".env.production", ".env.example", ".envrc"):
        (tmp_path / name).write_text("A=1\n")
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    project = open_project(str(tmp_path))
    assert project.root == tmp_path.resolve()
    assert project.name == "shop-api"
    assert [p.name for p in project.env_files] == [".env", ".env.example", ".env.production"]
    assert project.profiles == ("production",)
    assert project.interpreter.path == Path(sys.executable)


def test_project_name_defaults_to_folder_and_survives_broken_pyproject(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[project\n")
    project = open_project(tmp_path)
    assert project.name == tmp_path.name
    assert project.app_error is not None
    assert "pyproject.toml: cannot read it" in project.app_error
