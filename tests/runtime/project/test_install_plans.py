"""Which install command a project's own files imply for a missing module."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asgideck.runtime.project import (
    Interpreter,
    diagnose_missing,
    install_plans,
    missing_module_in,
    open_project,
)


def project_venv(folder: Path) -> Interpreter:
    python = folder / ".venv/bin/python"
    python.parent.mkdir(parents=True)
    python.symlink_to(sys.executable)
    (folder / ".venv/pyvenv.cfg").write_text("home = /usr/bin\n")
    return Interpreter(python, "test")


def on_path(*tools: str):  # type: ignore[no-untyped-def]
    return lambda name: f"/usr/bin/{name}" if name in tools else None


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            ["uv.lock", "pyproject.toml"],
            [("uv sync", "uv.lock"), ("PY -m pip install -e .", "pyproject")],
        ),
        (["poetry.lock"], [("poetry install", "poetry.lock")]),
        (["Pipfile", "Pipfile.lock"], [("pipenv install", "Pipfile.lock")]),
        (
            ["requirements-dev.txt", "requirements.txt"],
            [("PY -m pip install -r requirements.txt -r requirements-dev.txt", "requirements")],
        ),
        (["setup.py"], [("PY -m pip install -e .", "setup.py")]),
        ([], []),
    ],
)
def test_plans_per_lock_file(
    tmp_path: Path, files: list[str], expected: list[tuple[str, str]]
) -> None:
    project = tmp_path / "proj"
    project.mkdir()
    (project / ".git").mkdir()
    for name in files:
        (project / name).write_text("[project]\nname = 'x'\n" if name == "pyproject.toml" else "")
    interpreter = project_venv(project)
    plans = install_plans(
        project, interpreter, home=tmp_path, which=on_path("uv", "poetry", "pipenv")
    )
    got = [(p.command.replace(str(interpreter.path), "PY"), p.why) for p in plans]
    assert [c for c, _ in got] == [c for c, _ in expected]
    for (_, why), (_, source) in zip(got, expected, strict=True):
        assert source in why
    assert all(p.cwd == project and not p.unavailable for p in plans)


def test_monorepo_lock_at_the_root_and_requirements_in_the_member(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    backend = root / "backend"
    backend.mkdir(parents=True)
    (root / "uv.lock").write_text("")
    (backend / "requirements.txt").write_text("")
    interpreter = project_venv(root)
    plans = install_plans(backend, interpreter, home=tmp_path, which=on_path())
    assert [(p.argv[-2:], p.cwd) for p in plans] == [
        (("uv", "sync"), root),
        (("-r", "requirements.txt"), backend),
    ]
    assert plans[0].unavailable == "uv is not on PATH (install it to run `uv sync`)"
    assert plans[1].argv[0] == str(interpreter.path)  # the project's interpreter, not asgideck's


def test_poetry_and_pipenv_install_into_the_chosen_venv(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "poetry.lock").write_text("")
    interpreter = project_venv(tmp_path)
    (plan,) = install_plans(tmp_path, interpreter, home=tmp_path.parent, which=on_path("poetry"))
    assert plan.env["VIRTUAL_ENV"] == str(tmp_path / ".venv")
    assert plan.env["PATH"].startswith(str(tmp_path / ".venv/bin"))


def test_no_pip_plans_for_asgideck_own_interpreter(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "requirements.txt").write_text("")
    (tmp_path / "uv.lock").write_text("")
    own = Interpreter(Path(sys.executable), "fallback", fallback=True)
    plans = install_plans(tmp_path, own, home=tmp_path.parent, which=on_path("uv"))
    assert [p.command for p in plans] == ["uv sync"]  # uv makes the project its own .venv


def test_poetry_never_installs_into_asgideck_own_environment(tmp_path: Path) -> None:
    """With the fallback interpreter (often inside asgideck's venv), poetry is not pointed at
    it: it creates the project's own environment instead."""
    (tmp_path / ".git").mkdir()
    (tmp_path / "poetry.lock").write_text("")
    own = Interpreter(Path(sys.executable), "fallback", fallback=True)
    (plan,) = install_plans(tmp_path, own, home=tmp_path.parent, which=on_path("poetry"))
    assert plan.command == "poetry install"
    assert "VIRTUAL_ENV" not in plan.env


@pytest.mark.parametrize(
    ("text", "module"),
    [
        ("import: ModuleNotFoundError: No module named 'sentry_sdk'", "sentry_sdk"),
        ('Traceback…\nModuleNotFoundError: No module named "taskiq_fastapi.x"', "taskiq_fastapi.x"),
        ("ImportError: cannot import name 'x' from 'y'", None),
    ],
)
def test_missing_module_in(text: str, module: str | None) -> None:
    assert missing_module_in(text) == module


def test_diagnose_names_module_and_command(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    (tmp_path / "requirements.txt").write_text("sentry-sdk\n")
    project_venv(tmp_path)
    project = open_project(tmp_path)
    missing = diagnose_missing(project, "ModuleNotFoundError: No module named 'sentry_sdk'")
    assert missing is not None
    assert missing.module == "sentry_sdk"
    assert missing.message == (
        f"the interpreter {project.interpreter.path} cannot import 'sentry_sdk': install the "
        f"project's dependencies with `cd {tmp_path.resolve()} && "
        f"{project.interpreter.path} -m pip install -r requirements.txt`"
    )
    assert diagnose_missing(project, "ValueError: nope") is None


def test_a_missing_project_module_is_not_a_dependency(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "app").mkdir()
    (tmp_path / "app/main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    project = open_project(tmp_path)
    missing = diagnose_missing(project, "No module named 'app.core'")
    assert missing is not None and missing.in_project and not missing.plans
    assert "part of the project" in missing.message
