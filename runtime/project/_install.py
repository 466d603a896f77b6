"""What to run when the project's interpreter lacks a module: the fix its own files imply.

A ``ModuleNotFoundError`` from the probe or a server names a module; the project's
files say how its dependencies are installed: ``uv.lock`` → ``uv sync``,
``poetry.lock`` → ``poetry install``, ``Pipfile``/``Pipfile.lock`` → ``pipenv install``,
``requirements*.txt`` → ``pip install -r``, a pyproject.toml/setup.py → ``pip install -e .``.
Each is an :class:`InstallPlan` (argv, folder, why); nothing here runs anything
(``asgideck.runtime.inspect`` runs a plan). pip plans use the project's interpreter;
they are not offered for asgideck's own interpreter, which is not the project's to change.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from asgideck.runtime.project._interpreter import workspace_folders
from asgideck.runtime.project._types import Interpreter, Project

__all__ = [
    "InstallPlan",
    "MissingModule",
    "diagnose_missing",
    "install_plans",
    "interpreter_notes",
    "missing_module_in",
]

_NO_MODULE = re.compile(r"No module named ['\"]?([\w.]+)['\"]?")


@dataclass(frozen=True)
class InstallPlan:
    """One command that installs the project's dependencies, run in ``cwd``.

    ``env`` is added to the runner's environment (``VIRTUAL_ENV`` so poetry and pipenv
    install into the chosen venv); ``unavailable`` says why it cannot run (tool not on PATH).
    """

    argv: tuple[str, ...]
    cwd: Path
    why: str
    env: Mapping[str, str] = field(default_factory=dict)
    unavailable: str = ""

    @property
    def command(self) -> str:
        """The command as a shell would take it (for display and copying)."""
        return shlex.join(self.argv)

    @property
    def shell_line(self) -> str:
        return f"cd {shlex.quote(str(self.cwd))} && {self.command}"


@dataclass(frozen=True)
class MissingModule:
    """The project's interpreter cannot import ``module``; ``plans`` are the fixes, best first."""

    module: str
    interpreter: Interpreter
    plans: tuple[InstallPlan, ...]
    in_project: bool = False  # the module is a folder of the project: an import-path problem

    @property
    def message(self) -> str:
        """One line naming the module, the interpreter and what to do."""
        head = f"the interpreter {self.interpreter.path} cannot import {self.module!r}"
        if self.in_project:
            return (
                f"{head}, which is part of the project: the app is imported from the "
                "wrong folder (check --app-dir / the app's module name)"
            )
        runnable = [p for p in self.plans if not p.unavailable]
        if runnable:
            return f"{head}: install the project's dependencies with `{runnable[0].shell_line}`"
        if self.interpreter.fallback:
            return f"{head}: it is asgideck's own interpreter; choose the project's (--python)"
        if self.plans:
            return f"{head}: {self.plans[0].unavailable}"
        return f"{head}: install it into that interpreter (no lock or requirements file found)"


def missing_module_in(text: str) -> str | None:
    """The module a ``ModuleNotFoundError`` in ``text`` names (the last one), else None."""
    found = _NO_MODULE.findall(text)
    return found[-1] if found else None


def diagnose_missing(project: Project, text: str) -> MissingModule | None:
    """What ``text`` (an error message, a traceback, a log tail) says is missing, and the fix."""
    module = missing_module_in(text)
    if module is None:
        return None
    top = module.partition(".")[0]
    folder = project.app.file.parent if project.app is not None else project.root
    if _in_project(project, top):
        return MissingModule(module, project.interpreter, (), in_project=True)
    plans = install_plans(folder, project.interpreter)
    return MissingModule(module, project.interpreter, plans)


def interpreter_notes(project: Project, text: str = "", *, warn: bool = True) -> list[str]:
    """What a CLI command says about the interpreter: the warning when it is asgideck's own
    (``warn``), and, when ``text`` names a missing module, that module and its install commands."""
    notes = []
    if warn and project.interpreter.fallback:
        notes.append(f"warning: {project.interpreter.reason}")
    missing = diagnose_missing(project, text) if text else None
    if missing is not None:
        notes.append(f"missing module: {missing.message}")
        for plan in missing.plans:
            unavailable = f" ({plan.unavailable})" if plan.unavailable else ""
            notes.append(f"  {plan.shell_line}    # {plan.why}{unavailable}")
    return notes


def _in_project(project: Project, top: str) -> bool:
    roots = [project.root]
    if project.app is not None:  # where the app is imported from (its --app-dir)
        roots += [p for p in (project.app.workdir, project.app.import_dir) if p is not None]
    return any((r / top).is_dir() or (r / f"{top}.py").is_file() for r in roots)


def install_plans(
    folder: Path,
    interpreter: Interpreter,
    *,
    home: Path | None = None,
    which: Callable[[str], str | None] = shutil.which,
) -> tuple[InstallPlan, ...]:
    """Every install command the project's files imply, from ``folder`` up to the workspace
    root: lock files first (nearest first), then requirements files, then the package itself."""
    folders = workspace_folders(folder, home)
    venv = None if interpreter.fallback else _venv_of(interpreter.path)
    # poetry/pipenv install into the chosen venv; with asgideck's own interpreter they
    # make the project's environment themselves, never install into asgideck's.
    tool_env = _activated(venv) if venv is not None else {}
    locks: list[InstallPlan] = []
    reqs: list[InstallPlan] = []
    editable: list[InstallPlan] = []
    python = str(interpreter.path)
    for here in folders:
        if (here / "uv.lock").is_file():
            locks.append(_tool(which, ("uv", "sync"), here, "uv.lock", {}))
        if (here / "poetry.lock").is_file():
            locks.append(_tool(which, ("poetry", "install"), here, "poetry.lock", tool_env))
        for pipfile in ("Pipfile.lock", "Pipfile"):
            if (here / pipfile).is_file():
                locks.append(_tool(which, ("pipenv", "install"), here, pipfile, tool_env))
                break
        if interpreter.fallback:
            continue  # never pip-install into asgideck's own environment
        files = sorted(
            (p.name for p in here.glob("requirements*.txt") if p.is_file()),
            key=lambda n: (n != "requirements.txt", n),
        )
        if files:
            argv = [python, "-m", "pip", "install"]
            for name in files:
                argv += ["-r", name]
            reqs.append(InstallPlan(tuple(argv), here, f"{', '.join(files)} in {here}"))
        for marker in ("pyproject.toml", "setup.py"):
            if (here / marker).is_file() and _installable(here, marker):
                why = f"{marker} in {here} (the project as an editable package)"
                argv = [python, "-m", "pip", "install", "-e", "."]
                editable.append(InstallPlan(tuple(argv), here, why))
                break
    return tuple(locks + reqs[:1] + editable[:1])


def _tool(
    which: Callable[[str], str | None],
    argv: tuple[str, ...],
    cwd: Path,
    source: str,
    env: Mapping[str, str],
) -> InstallPlan:
    why = f"{source} in {cwd}"
    missing = (
        ""
        if which(argv[0])
        else f"{argv[0]} is not on PATH (install it to run `{shlex.join(argv)}`)"
    )
    return InstallPlan(argv, cwd, why, env, missing)


def _installable(folder: Path, marker: str) -> bool:
    """A setup.py, or a pyproject.toml that declares a package (not only tool settings)."""
    if marker == "setup.py":
        return True
    try:
        text = (folder / marker).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return "[project]" in text or "[build-system]" in text or "[tool.poetry]" in text


def _venv_of(python: Path) -> Path | None:
    """The venv ``python`` belongs to (a folder with pyvenv.cfg), not resolving symlinks."""
    venv = Path(os.path.abspath(python)).parent.parent
    return venv if (venv / "pyvenv.cfg").is_file() else None


def _activated(venv: Path) -> dict[str, str]:
    """What ``source venv/bin/activate`` sets: poetry and pipenv then use that venv."""
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    return {
        "VIRTUAL_ENV": str(venv),
        "PATH": str(bin_dir) + os.pathsep + os.environ.get("PATH", ""),
    }
