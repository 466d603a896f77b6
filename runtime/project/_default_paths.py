"""Discovery tier 2: fastapi-cli's default paths (``main.py``, ``app/main.py``, …, the
same under ``src/`` and ``src/<package>/``), the first one holding an app.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from asgideck.runtime.project._targets import app_in_file, shown
from asgideck.runtime.project._types import AppTarget

__all__ = ["CANDIDATE_FILES", "default_paths"]

# fastapi-cli's default paths, then the same under src/ (src/<package>/… is added per folder).
CANDIDATE_FILES = (
    "main.py",
    "app.py",
    "api.py",
    "app/main.py",
    "app/app.py",
    "app/api.py",
    "src/main.py",
    "src/app.py",
    "src/api.py",
    "src/app/main.py",
    "src/app/app.py",
    "src/app/api.py",
)


def default_paths(
    folder: Path, looked: list[str], top: Path, *, first_only: bool = True
) -> list[AppTarget]:
    """fastapi-cli's default files in ``folder``: the first one holding an app."""
    shown_folder = shown(folder, top)
    prefix = "" if shown_folder in ("", ".") else shown_folder + "/"
    for file in _candidate_files(folder):
        rel = prefix + file.relative_to(folder).as_posix()
        if not file.is_file():
            looked.append(f"{rel}: not present")
            continue
        hit = app_in_file(file, folder, top, looked, rel)
        if hit is not None:
            return [hit]
    return []


def _candidate_files(root: Path) -> Iterator[Path]:
    yield from (root / rel for rel in CANDIDATE_FILES)
    src = root / "src"
    if src.is_dir():
        for package in sorted(p for p in src.iterdir() if p.is_dir() and p.name != "app"):
            if package.name.isidentifier():
                for name in ("main.py", "app.py", "api.py"):
                    yield package / name
