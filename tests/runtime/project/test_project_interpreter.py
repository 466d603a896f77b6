"""Which interpreter runs a project, and why; opening folders that are not projects."""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from pathlib import Path

import pytest

from asgideck.runtime.project import (
    ProjectError,
    find_interpreter,
    forget_interpreter,
    open_project,
    remember_interpreter,
    remembered_interpreter,
)


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
    chosen = find_interpreter(tmp_path, home=tmp_path.parent)
    assert chosen.path == Path(sys.executable)
    assert chosen.fallback
    assert chosen.reason.startswith("no project venv found (.venv/ has no bin/python")
    assert sys.executable in chosen.reason
    assert "choose one (--python)" in chosen.reason


def test_fallback_without_any_venv(tmp_path: Path) -> None:
    chosen = find_interpreter(tmp_path, home=tmp_path.parent)
    assert chosen.fallback
    assert chosen.reason.startswith(
        f"no project venv found: using asgideck's own interpreter ({sys.executable})"
    )
    assert chosen.label == "asgideck's own interpreter"


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
    assert not chosen.fallback
    # what discovery found is still offered as an alternative
    assert [a.path for a in chosen.alternatives] == [tmp_path / ".venv/bin/python"]


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


# ------------------------------------------------------------------ discovery order


def venv(folder: Path) -> Path:
    """A fake venv: ``bin/python`` links to this interpreter, ``pyvenv.cfg`` marks it."""
    python = folder / "bin/python"
    python.parent.mkdir(parents=True, exist_ok=True)
    python.symlink_to(sys.executable)
    (folder / "pyvenv.cfg").write_text("home = /usr/bin\n")
    return python


def poetry_hash(folder: Path) -> str:
    digest = hashlib.sha256(os.path.normcase(str(folder.resolve())).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()[:8]


def pipenv_hash(pipfile: Path) -> str:
    digest = hashlib.sha256(str(pipfile.resolve()).encode()).digest()[:6]
    return base64.urlsafe_b64encode(digest).decode()


def write(path: Path, text: str = "") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


# Each case: files to make under tmp/home (a trailing "/" makes a venv there), the
# environment (``{home}`` expands), the folder opened, and (chosen venv, label).
CASES = [
    pytest.param(
        ["ws/uv.lock", "ws/.venv/", "ws/backend/pyproject.toml"],
        {},
        "ws/backend",
        ("ws/.venv", ".venv (workspace, one folder up)"),
        id="uv-workspace-venv-one-folder-up",
    ),
    pytest.param(
        ["ws/.git/HEAD", "ws/venv/", "ws/services/api/main.py"],
        {},
        "ws/services/api",
        ("ws/venv", "venv (workspace, 2 folders up)"),
        id="git-root-venv-two-folders-up",
    ),
    pytest.param(
        ["ws/.venv/", "ws/app/.venv/"],
        {},
        "ws/app",
        ("ws/app/.venv", ".venv (project)"),
        id="nearest-venv-wins",
    ),
    pytest.param(
        ["outer/.venv/", "outer/ws/.git/HEAD", "outer/ws/api/main.py"],
        {},
        "outer/ws/api",
        None,
        id="never-above-the-workspace-root",
    ),
    pytest.param(
        [".venv/", "proj/main.py"],
        {},
        "proj",
        None,
        id="never-the-home-folder",
    ),
    pytest.param(
        [
            "ws/pyproject.toml=[tool.uv.workspace]\nmembers = ['api']\n",
            "ws/.venv/",
            "ws/api/sub/main.py",
        ],
        {},
        "ws/api/sub",
        ("ws/.venv", ".venv (workspace, 2 folders up)"),
        id="tool-uv-workspace-marks-the-root",
    ),
    pytest.param(
        ["ws/uv.lock", "envs/shared/", "ws/main.py"],
        {"UV_PROJECT_ENVIRONMENT": "../envs/shared"},
        "ws",
        ("envs/shared", "uv environment (UV_PROJECT_ENVIRONMENT)"),
        id="uv-project-environment-relative-to-the-workspace",
    ),
    pytest.param(
        ["shop/pyproject.toml=[tool.poetry]\nname = 'Shop'\n", "POETRY/", "shop/main.py"],
        {"POETRY_VIRTUALENVS_PATH": "{home}/pv"},
        "shop",
        ("pv/POETRY", "poetry env POETRY"),
        id="poetry-virtualenvs-path-exact-hash",
    ),
    pytest.param(
        ["shop/poetry.lock", "shop/pyproject.toml=[project]\nname = 'shop'\n", "POETRY/"],
        {"XDG_CACHE_HOME": "{home}/cache"},
        "shop",
        ("cache/pypoetry/virtualenvs/POETRY", "poetry env POETRY"),
        id="poetry-default-cache",
    ),
    pytest.param(
        ["shop/Pipfile", "PIPENV/"],
        {"WORKON_HOME": "{home}/workon"},
        "shop",
        ("workon/PIPENV", "pipenv env PIPENV"),
        id="pipenv-workon-home",
    ),
    pytest.param(
        ["shop/Pipfile", "PIPENV/"],
        {"XDG_DATA_HOME": "{home}/data"},
        "shop",
        ("data/virtualenvs/PIPENV", "pipenv env PIPENV"),
        id="pipenv-default-location",
    ),
    pytest.param(
        ["shop/.python-version=3.12\n", "pyenv/versions/3.12.4/", "pyenv/versions/3.12.1/"],
        {"PYENV_ROOT": "{home}/pyenv"},
        "shop",
        ("pyenv/versions/3.12.4", "pyenv 3.12.4 (.python-version)"),
        id="pyenv-version-prefix-takes-the-newest",
    ),
    pytest.param(
        ["shop/.venv/", "shop/.python-version=3.12.4\n", "pyenv/versions/3.12.4/"],
        {"PYENV_ROOT": "{home}/pyenv"},
        "shop",
        ("shop/.venv", ".venv (project)"),
        id="a-venv-beats-pyenv",
    ),
]


@pytest.mark.parametrize(("files", "environ", "opened", "expected"), CASES)
def test_discovery_order(
    tmp_path: Path,
    files: list[str],
    environ: dict[str, str],
    opened: str,
    expected: tuple[str, str] | None,
) -> None:
    home = tmp_path / "home"
    env = {key: value.format(home=home) for key, value in environ.items()}
    project = home / opened
    project.mkdir(parents=True, exist_ok=True)
    for spec in files:
        name, _, text = spec.partition("=")
        if name == "POETRY/":
            shop = home / "shop"
            base = Path(env.get("POETRY_VIRTUALENVS_PATH", ""))
            if not env.get("POETRY_VIRTUALENVS_PATH"):
                base = Path(env["XDG_CACHE_HOME"]) / "pypoetry/virtualenvs"
            real = base / f"shop-{poetry_hash(shop)}-py3.11"
            venv(real)
            continue
        if name == "PIPENV/":
            pipfile = home / "shop/Pipfile"
            base = Path(env.get("WORKON_HOME") or Path(env["XDG_DATA_HOME"]) / "virtualenvs")
            venv(base / f"shop-{pipenv_hash(pipfile)}")
            continue
        if name.endswith("/"):
            venv(home / name)
        else:
            write(home / name, text)
    chosen = find_interpreter(project, home=home, environ=env)
    if expected is None:
        assert chosen.fallback, chosen
        return
    folder, label = expected
    assert not chosen.fallback, chosen.reason
    shown = str(chosen.path.relative_to(home).parent.parent)
    if "POETRY" in folder or "PIPENV" in folder:
        assert shown.startswith(folder.rsplit("/", 1)[0] + "/shop-"), shown
        assert label.rsplit(" ", 1)[0] in chosen.label
    else:
        assert (shown, chosen.label) == (folder, label)
    assert chosen.reason


def test_alternatives_list_every_other_interpreter_found(tmp_path: Path) -> None:
    home = tmp_path / "home"
    inner = venv(home / "ws/api/.venv")
    outer = venv(home / "ws/.venv")
    write(home / "ws/uv.lock")
    pyenv = venv(home / "pyenv/versions/3.11.9")
    write(home / "ws/.python-version", "3.11.9\n")
    chosen = find_interpreter(
        home / "ws/api", home=home, environ={"PYENV_ROOT": str(home / "pyenv")}
    )
    assert chosen.path == inner
    assert [a.path for a in chosen.alternatives] == [outer, pyenv]
    assert [a.label for a in chosen.alternatives] == [
        ".venv (workspace, one folder up)",
        "pyenv 3.11.9 (.python-version)",
    ]


def test_a_moved_poetry_project_still_finds_its_only_venv(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / "shop/pyproject.toml", "[tool.poetry]\nname = 'shop'\n")
    python = venv(home / "pv/shop-AbCdEfGh-py3.12")  # a hash of where it used to be
    chosen = find_interpreter(
        home / "shop", home=home, environ={"POETRY_VIRTUALENVS_PATH": str(home / "pv")}
    )
    assert chosen.path == python
    assert "poetry's environment" in chosen.reason


def test_two_poetry_venvs_of_that_name_and_no_exact_hash_are_not_guessed(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write(home / "shop/pyproject.toml", "[tool.poetry]\nname = 'shop'\n")
    venv(home / "pv/shop-AbCdEfGh-py3.12")
    venv(home / "pv/shop-ZyXwVuTs-py3.12")
    chosen = find_interpreter(
        home / "shop", home=home, environ={"POETRY_VIRTUALENVS_PATH": str(home / "pv")}
    )
    assert chosen.fallback


def test_remembered_interpreter_round_trip(tmp_path: Path) -> None:
    assert remembered_interpreter(tmp_path) is None
    remember_interpreter(tmp_path, "/opt/py/bin/python")
    assert remembered_interpreter(tmp_path) == "/opt/py/bin/python"
    forget_interpreter(tmp_path)
    assert remembered_interpreter(tmp_path) is None
