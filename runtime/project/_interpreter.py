"""The project's interpreter: ``--python``, else its venv, else the running one."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from asgideck.runtime.project._types import Interpreter, ProjectError

__all__ = ["find_interpreter"]


def _venv_python(venv: Path) -> Path | None:
    for rel in ("bin/python", "Scripts/python.exe"):
        candidate = venv / rel
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def find_interpreter(root: Path, python: str | None = None) -> Interpreter:
    """``--python`` > ``root/.venv`` > ``root/venv`` > the interpreter running asgideck."""
    if python is not None:
        return Interpreter(_explicit_python(python), "--python given")
    notes = []
    for name in (".venv", "venv"):
        venv = root / name
        if not venv.is_dir():
            continue
        found = _venv_python(venv)
        if found is not None:
            return Interpreter(found, f"{found.relative_to(root).as_posix()} in the project")
        notes.append(f"{name}/ has no bin/python or Scripts/python.exe")
    why = f" ({'; '.join(notes)})" if notes else ""
    return Interpreter(
        Path(sys.executable),
        f"no project venv{why}: using asgideck's own interpreter ({sys.executable})",
    )


def _explicit_python(python: str) -> Path:
    path = Path(python).expanduser()
    if not path.exists() and os.sep not in python and "/" not in python:
        located = shutil.which(python)
        path = Path(located) if located else path
    if not path.exists():
        raise ProjectError(f"--python {python}: no such file")
    if not path.is_file() or not os.access(path, os.X_OK):
        raise ProjectError(f"--python {python}: not an executable file")
    # absolute but not resolved: a venv's python is a symlink and must stay one.
    return Path(os.path.abspath(path))
