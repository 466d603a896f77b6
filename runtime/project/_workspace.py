"""Where a project is, whichever of its folders was opened: workspace, focus, members.

- The **workspace root** is the nearest folder, from the opened one up, holding
  ``.git``, ``uv.lock``, ``poetry.lock`` or a pyproject.toml with
  ``[tool.uv.workspace]`` (the same rule the interpreter search uses); the walk stops
  below the user's home folder. Without such a folder, the workspace is the focus.
- The **focus** is the project folder the opened one belongs to: first out of any
  package (folders with ``__init__.py``), then the nearest folder, at most two up and
  not above the workspace root, holding a project file (pyproject.toml, setup.py,
  setup.cfg, requirements*.txt, Pipfile, uv.lock, poetry.lock, Dockerfile, Procfile,
  .git); else the opened folder. Opening ``backend/app/core`` focuses on ``backend/``.
- The **members** are the uv workspace ``members`` globs (minus ``exclude``) and the
  conventional ``backend/``, ``api/``, ``server/``, ``src/`` folders of the workspace
  root and of the focus.

Files are walked with :mod:`asgideck.runtime.sourcetree` (bounded; no venvs, caches
or tests).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "CONVENTIONAL_MEMBERS",
    "Workspace",
    "find_workspace",
    "is_project_folder",
    "read_toml",
    "workspace_marker",
]

WORKSPACE_MARKERS = (".git", "uv.lock", "poetry.lock")
PROJECT_FILES = (
    "pyproject.toml",
    "setup.py",
    "setup.cfg",
    "requirements.txt",
    "Pipfile",
    "uv.lock",
    "poetry.lock",
    "Dockerfile",
    "Procfile",
    ".git",
)
CONVENTIONAL_MEMBERS = ("backend", "api", "server", "src")


@dataclass(frozen=True)
class Workspace:
    root: Path
    focus: Path
    opened: Path
    members: tuple[Path, ...]
    reason: str


def read_toml(path: Path) -> dict[str, Any] | str | None:
    """The parsed TOML file, None when absent, or a one-line error naming it."""
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"{path.name}: cannot read it ({exc})"


def _uv_workspace(folder: Path) -> dict[str, Any] | None:
    data = read_toml(folder / "pyproject.toml")
    if not isinstance(data, dict):
        return None
    tool = data.get("tool")
    uv = tool.get("uv") if isinstance(tool, dict) else None
    table = uv.get("workspace") if isinstance(uv, dict) else None
    return table if isinstance(table, dict) else None


def workspace_marker(folder: Path) -> str | None:
    """What makes ``folder`` a workspace root (a marker file, or a uv workspace), or None."""
    for marker in WORKSPACE_MARKERS:
        if (folder / marker).exists():
            return marker
    if _uv_workspace(folder) is not None:
        return "[tool.uv.workspace] in pyproject.toml"
    return None


def is_project_folder(folder: Path) -> bool:
    """``folder`` holds a file that says a project lives there."""
    if any((folder / name).exists() for name in PROJECT_FILES):
        return True
    try:
        return any(
            p.name.startswith("requirements") and p.suffix == ".txt" for p in folder.iterdir()
        )
    except OSError:
        return False


def _upwards(start: Path, home: Path) -> Iterator[Path]:
    folder = start
    while True:
        yield folder
        parent = folder.parent
        if parent in (folder, home) or folder == home:
            return
        folder = parent


def find_workspace(opened: Path, home: Path | None = None) -> Workspace:
    """The workspace around ``opened`` (see the module docstring for the rules)."""
    home = (home or Path.home()).resolve()
    opened = opened.resolve()
    root: Path | None = None
    why = ""
    for folder in _upwards(opened, home):
        marker = workspace_marker(folder)
        if marker is not None:
            root, why = folder, f"{marker} in {folder}"
            break
    focus = opened
    while (focus / "__init__.py").is_file() and focus.parent != focus and focus != root:
        focus = focus.parent  # opened inside a package: the project is above it
    for distance, folder in enumerate(_upwards(focus, home)):
        if is_project_folder(folder):
            focus = folder
            break
        if folder == root or distance >= 2:
            break
    if root is None or not focus.is_relative_to(root):
        root, why = focus, "no .git, uv.lock, poetry.lock or uv workspace above: the project folder"
    members = _members(root, focus)
    return Workspace(root=root, focus=focus, opened=opened, members=members, reason=why)


def _members(root: Path, focus: Path) -> tuple[Path, ...]:
    found: list[Path] = []
    table = _uv_workspace(root)
    if table is not None:
        excluded: set[Path] = set()
        for pattern in table.get("exclude") or ():
            excluded.update(_glob(root, pattern))
        for pattern in table.get("members") or ():
            found.extend(p for p in _glob(root, pattern) if p.is_dir() and p not in excluded)
    for base in (focus, root):
        found.extend(base / name for name in CONVENTIONAL_MEMBERS if (base / name).is_dir())
    return tuple(dict.fromkeys(p.resolve() for p in found if p.resolve() != root))


def _glob(root: Path, pattern: object) -> list[Path]:
    """``root.glob(pattern)`` for a uv ``members``/``exclude`` entry; an empty, absolute or
    otherwise unusable pattern matches nothing (uv would reject it; opening must not fail)."""
    if not isinstance(pattern, str) or not pattern.strip():
        return []
    try:
        return sorted(root.glob(pattern))
    except (ValueError, NotImplementedError):
        return []
