"""The project's interpreter, found the way the project's own tools would find it.

Order: ``--python`` > a ``.venv``/``venv`` in the project folder or any folder up to
the workspace root > the environment uv, poetry or pipenv keeps for the project >
the pyenv version ``.python-version`` names > asgideck's own interpreter. The last
one is never a quiet default: the result says ``fallback`` and why, so every UI can
warn. Everything that was found is kept (``alternatives``) so the user can pick another.

The workspace root is the nearest folder (from the project up) holding ``.git``,
``uv.lock``, ``poetry.lock`` or a pyproject.toml with ``[tool.uv.workspace]``; the walk
never reaches the user's home folder (a ``~/.venv`` is nobody's project venv).
Nothing here runs any interpreter: it only looks at files.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Iterator, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from asgideck.runtime import userstate
from asgideck.runtime.project._types import Interpreter, ProjectError
from asgideck.runtime.project._workspace import read_toml, workspace_marker

__all__ = [
    "find_interpreter",
    "forget_interpreter",
    "remember_interpreter",
    "remembered_interpreter",
    "venv_python",
    "workspace_folders",
]

VENV_NAMES = (".venv", "venv")
# The characters poetry and pipenv replace with "_" in a virtualenv's name.
_POETRY_UNSAFE = re.compile(r'[ $`!*@"\\\r\n\t]')
_PIPENV_UNSAFE = re.compile(r'[ &$`!*@"()\[\]\\\r\n\t]')
_REMEMBERED = "interpreters.json"


def venv_python(venv: Path) -> Path | None:
    """The python of the venv folder ``venv`` (POSIX or Windows layout), None without one."""
    for rel in ("bin/python", "Scripts/python.exe"):
        candidate = venv / rel
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def workspace_folders(start: Path, home: Path | None = None) -> list[Path]:
    """``start`` and each folder above it up to the workspace root (inclusive).

    Without a marker the walk ends below the user's home folder (or the filesystem root).
    """
    home = (home or Path.home()).resolve()
    folders: list[Path] = []
    folder = start.resolve()
    while True:
        folders.append(folder)
        parent = folder.parent
        if workspace_marker(folder) or folder == home or parent in (home, parent.parent):
            return folders  # never home's parent, never home, never the filesystem root
        folder = parent


def find_interpreter(
    root: Path,
    python: str | None = None,
    *,
    home: Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Interpreter:
    """The interpreter for the project in ``root`` (see the module docstring for the order)."""
    env = os.environ if environ is None else environ
    found, notes = _discover(root, home, env)
    if python is not None:
        chosen = Interpreter(
            _explicit_python(python), "--python given", label=f"{Path(python).name} (--python)"
        )
        return replace(chosen, alternatives=tuple(c for c in found if c.path != chosen.path))
    if found:
        return replace(found[0], alternatives=found[1:])
    why = f" ({'; '.join(notes)})" if notes else ""
    return Interpreter(
        Path(sys.executable),
        f"no project venv found{why}: using asgideck's own interpreter ({sys.executable}), "
        "which probably lacks the project's dependencies; choose one (--python)",
        fallback=True,
        label="asgideck's own interpreter",
    )


def _discover(
    root: Path, home: Path | None, env: Mapping[str, str]
) -> tuple[tuple[Interpreter, ...], list[str]]:
    """Every interpreter found for ``root``, best first, and notes on what was unusable."""
    notes: list[str] = []
    found: list[Interpreter] = []
    home = home or Path.home()
    folders = workspace_folders(root, home)
    top = folders[-1]
    for distance, folder in enumerate(folders):
        for name in VENV_NAMES:
            venv = folder / name
            if not venv.is_dir():
                continue
            python = venv_python(venv)
            if python is None:
                notes.append(f"{_shown(venv, root)}/ has no bin/python or Scripts/python.exe")
                continue
            found.append(_folder_venv(python, name, folder, root, distance, folder == top))
    for source in (_uv, _poetry, _pipenv, _pyenv):
        found.extend(source(folders, home, env))
    unique: dict[Path, Interpreter] = {}
    for candidate in found:
        unique.setdefault(Path(os.path.abspath(candidate.path)), candidate)
    return tuple(unique.values()), notes


def _folder_venv(
    python: Path, name: str, folder: Path, root: Path, distance: int, is_top: bool
) -> Interpreter:
    rel = python.relative_to(folder).as_posix()
    if distance == 0:
        return Interpreter(python, f"{rel} in the project", label=f"{name} (project)")
    up = "one folder up" if distance == 1 else f"{distance} folders up"
    where = f"workspace, {up}" if is_top else up
    reason = f"{_shown(python, root)}: the venv in {folder} ({where} from the project)"
    return Interpreter(python, reason, label=f"{name} ({where})")


def _shown(path: Path, root: Path) -> str:
    return os.path.relpath(path, root.resolve()) if path.is_absolute() else str(path)


# ------------------------------------------------------------------ tool environments


def _uv(folders: list[Path], home: Path, env: Mapping[str, str]) -> Iterator[Interpreter]:
    """``UV_PROJECT_ENVIRONMENT`` (relative to the workspace root) replaces uv's ``.venv``."""
    value = env.get("UV_PROJECT_ENVIRONMENT")
    if not value:
        return
    base = next((f for f in folders if (f / "uv.lock").is_file()), folders[-1])
    venv = Path(value).expanduser()
    venv = venv if venv.is_absolute() else Path(os.path.normpath(base / venv))
    python = venv_python(venv)
    if python is not None:
        yield Interpreter(
            python,
            f"uv's project environment {venv} (UV_PROJECT_ENVIRONMENT)",
            label="uv environment (UV_PROJECT_ENVIRONMENT)",
        )


def _poetry(folders: list[Path], home: Path, env: Mapping[str, str]) -> Iterator[Interpreter]:
    """Poetry's cache venv ``<name>-<hash of the folder>-py<X.Y>``; ``in-project`` is ``.venv``."""
    for folder in folders:
        data = _toml(folder / "pyproject.toml")
        tool = data.get("tool") if isinstance(data.get("tool"), dict) else {}
        poetry = tool.get("poetry") if isinstance(tool, dict) else None
        if not isinstance(poetry, dict) and not (folder / "poetry.lock").is_file():
            continue
        name = _name_in(data) or folder.name
        venvs = _poetry_venvs_dir(folder, home, env)
        sanitized = _POETRY_UNSAFE.sub("_", name.lower())[:42]
        import base64  # here: only poetry's venv names need them (a run or call does not)
        import hashlib

        digest = hashlib.sha256(os.path.normcase(str(folder.resolve())).encode()).digest()
        exact = f"{sanitized}-{base64.urlsafe_b64encode(digest).decode()[:8]}-py"
        for venv in _matching(
            venvs, re.compile(re.escape(exact) + r"\d+\.\d+"), f"{sanitized}-", "-py"
        ):
            python = venv_python(venv)
            if python is not None:
                yield Interpreter(
                    python,
                    f"poetry's environment {venv} for {name!r} ({folder / 'pyproject.toml'})",
                    label=f"poetry env {venv.name}",
                )


def _poetry_venvs_dir(folder: Path, home: Path, env: Mapping[str, str]) -> Path:
    local = _toml(folder / "poetry.toml").get("virtualenvs")
    if isinstance(local, dict) and isinstance(local.get("path"), str):
        return Path(local["path"]).expanduser()
    if env.get("POETRY_VIRTUALENVS_PATH"):
        return Path(env["POETRY_VIRTUALENVS_PATH"]).expanduser()
    if env.get("POETRY_CACHE_DIR"):
        return Path(env["POETRY_CACHE_DIR"]).expanduser() / "virtualenvs"
    if sys.platform == "darwin":
        return home / "Library/Caches/pypoetry/virtualenvs"
    cache = Path(env["XDG_CACHE_HOME"]) if env.get("XDG_CACHE_HOME") else home / ".cache"
    return cache / "pypoetry/virtualenvs"


def _pipenv(folders: list[Path], home: Path, env: Mapping[str, str]) -> Iterator[Interpreter]:
    """Pipenv's ``WORKON_HOME/<folder name>-<hash of the Pipfile path>`` (or ``.venv`` in it)."""
    for folder in folders:
        pipfile = folder / "Pipfile"
        if not pipfile.is_file():
            continue
        if env.get("WORKON_HOME"):
            workon = Path(env["WORKON_HOME"]).expanduser()
        else:
            data = Path(env["XDG_DATA_HOME"]) if env.get("XDG_DATA_HOME") else home / ".local/share"
            workon = data / "virtualenvs"
        custom = env.get("PIPENV_CUSTOM_VENV_NAME")
        sanitized = _PIPENV_UNSAFE.sub("_", folder.name)[:42]
        import base64  # here: only pipenv's venv names need them (a run or call does not)
        import hashlib

        digest = hashlib.sha256(str(pipfile.resolve()).encode()).digest()[:6]
        exact = custom or f"{sanitized}-{base64.urlsafe_b64encode(digest).decode()}"
        for venv in _matching(workon, re.compile(re.escape(exact)), f"{sanitized}-", ""):
            python = venv_python(venv)
            if python is not None:
                yield Interpreter(
                    python,
                    f"pipenv's environment {venv} for {pipfile}",
                    label=f"pipenv env {venv.name}",
                )


def _matching(folder: Path, exact: re.Pattern[str], prefix: str, middle: str) -> list[Path]:
    """Venvs in ``folder`` whose name matches ``exact``; else the only one named ``prefix…middle…``.

    The hash in the name depends on the path the tool saw; when the project was
    moved it no longer matches, but a single venv of that name is still the one.
    """
    if not folder.is_dir():
        return []
    venvs = sorted(p for p in folder.iterdir() if p.is_dir())
    hits = [p for p in venvs if exact.fullmatch(p.name)]
    if hits:
        return hits
    loose = [p for p in venvs if p.name.startswith(prefix) and middle in p.name[len(prefix) :]]
    return loose if len(loose) == 1 else []


def _pyenv(folders: list[Path], home: Path, env: Mapping[str, str]) -> Iterator[Interpreter]:
    """The first ``.python-version`` up the walk, as pyenv reads it (first usable line)."""
    for folder in folders:
        file = folder / ".python-version"
        if not file.is_file():
            continue
        root = Path(env["PYENV_ROOT"]).expanduser() if env.get("PYENV_ROOT") else home / ".pyenv"
        try:
            lines = file.read_text(encoding="utf-8").split()
        except (OSError, UnicodeDecodeError):
            return
        for version in lines:
            python = _pyenv_version(root / "versions", version)
            if python is not None:
                yield Interpreter(
                    python,
                    f"pyenv {version} named by {file} ({python})",
                    label=f"pyenv {python.parent.parent.name} (.python-version)",
                )
                return
        return


def _pyenv_version(versions: Path, version: str) -> Path | None:
    """``versions/<version>``, else the newest ``versions/<version>.N`` (a ``3.12`` prefix)."""
    exact = venv_python(versions / version)
    if exact is not None or not versions.is_dir():
        return exact
    pattern = re.compile(re.escape(version) + r"\.(\d+)$")
    newest = sorted(
        (int(m.group(1)), p) for p in versions.iterdir() if (m := pattern.match(p.name)) is not None
    )
    for _, folder in reversed(newest):
        found = venv_python(folder)
        if found is not None:
            return found
    return None


def _toml(path: Path) -> dict[str, Any]:
    """The parsed TOML file, or {} when it is absent or unreadable (a hint, not a must)."""
    data = read_toml(path)
    return data if isinstance(data, dict) else {}


def _name_in(data: dict[str, Any]) -> str | None:
    tool = data.get("tool")
    for table in (data.get("project"), tool.get("poetry") if isinstance(tool, dict) else None):
        if isinstance(table, dict) and isinstance(table.get("name"), str):
            return str(table["name"])
    return None


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


# ------------------------------------------------------------------ remembered choice


def remembered_interpreter(root: Path) -> str | None:
    """The interpreter the user chose for the project in ``root`` (GUI), if any."""
    data = userstate.read_json(userstate.config_dir() / _REMEMBERED, {})
    value = data.get(str(root.resolve())) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def remember_interpreter(root: Path, python: Path | str) -> None:
    """Remember ``python`` as the interpreter of the project in ``root``."""
    _update_remembered(root, str(python))


def forget_interpreter(root: Path) -> None:
    """Back to discovery for the project in ``root``."""
    _update_remembered(root, None)


def _update_remembered(root: Path, value: str | None) -> None:
    path = userstate.config_dir() / _REMEMBERED
    data = userstate.read_json(path, {})
    data = data if isinstance(data, dict) else {}
    key = str(root.resolve())
    if value is None:
        data.pop(key, None)
    else:
        data[key] = value
    userstate.write_json_atomic(path, data)
