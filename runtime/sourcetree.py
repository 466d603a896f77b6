"""Walking a project's source tree: bounded, and never into venvs, caches or tests.

Shared by the packages that read a project's files without running them
(``project`` finds the app, ``profiles`` the env loader, ``inspect`` the settings
classes), so all three skip the same folders and stop at the same bounds.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["MAX_DEPTH", "MAX_FILES", "SKIP_DIRS", "python_files", "walk_files"]

SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        "__pycache__",
        "node_modules",
        "site-packages",
        "venv",
        ".venv",
        "env",
        "build",
        "dist",
        "tests",
        "test",
        "testing",
        "docs",
        "migrations",
        "alembic",
    }
)
MAX_FILES = 20_000
MAX_DEPTH = 8


def _is_venv(folder: str) -> bool:
    return os.path.exists(os.path.join(folder, "pyvenv.cfg"))


def walk_files(top: Path, *, max_files: int = MAX_FILES) -> Iterator[Path]:
    """Files under ``top`` (bounded; skipping venvs, caches, node_modules and tests)."""
    count = 0
    stack = [(str(top), 0)]
    while stack:
        folder, depth = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subdirs = []
        for entry in entries:
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
            except OSError:
                continue
            if is_dir:
                name = entry.name
                if name in SKIP_DIRS or name.startswith(".") or name.endswith(".egg-info"):
                    continue
                if depth < MAX_DEPTH and not _is_venv(entry.path):
                    subdirs.append((entry.path, depth + 1))
            else:
                count += 1
                if count > max_files:
                    return
                yield Path(entry.path)
        stack.extend(reversed(subdirs))


def python_files(top: Path, *, max_files: int = MAX_FILES) -> Iterator[Path]:
    """The ``.py`` files among :func:`walk_files` (bounded by all files seen)."""
    return (path for path in walk_files(top, max_files=max_files) if path.suffix == ".py")
