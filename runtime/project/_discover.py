"""Where a project's app is: ``[tool.fastapi] entrypoint``, else the usual files.

The app is found the way fastapi-cli finds it (``[tool.fastapi] entrypoint`` in
pyproject.toml, then ``main.py``, ``app.py``, ``api.py``, ``app/main.py``, …) but
by reading the source with :mod:`ast`: opening a folder must never run its code.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from asgideck.runtime.project._ast_scan import AppScanner, definition_of
from asgideck.runtime.project._module_names import module_file, module_for, parse_source
from asgideck.runtime.project._types import AppNotFound, AppTarget, ProjectError

__all__ = ["CANDIDATE_FILES", "explicit_target", "find_app", "read_pyproject"]

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


def read_pyproject(root: Path) -> dict[str, Any] | str | None:
    """The parsed pyproject.toml, None when absent, or an error message."""
    path = root / "pyproject.toml"
    if not path.is_file():
        return None
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        return f"pyproject.toml: cannot read it ({exc})"


def find_app(root: Path) -> AppTarget:
    """The app target of ``root``; raises :class:`AppNotFound` listing what was looked at."""
    looked: list[str] = []
    pyproject = read_pyproject(root)
    if isinstance(pyproject, str):
        looked.append(pyproject)
    elif pyproject is None:
        looked.append("pyproject.toml: not present")
    else:
        tool = pyproject.get("tool")
        table = tool.get("fastapi") if isinstance(tool, dict) else None
        entry = None
        if isinstance(table, dict):
            entry = table.get("entrypoint", table.get("entryPoint"))
        if isinstance(entry, str) and entry.strip():
            reason = "[tool.fastapi] entrypoint in pyproject.toml"
            return explicit_target(root, entry.strip(), None, reason)
        looked.append("pyproject.toml: no [tool.fastapi] entrypoint")
    for file in _candidate_files(root):
        rel = file.relative_to(root).as_posix()
        if not file.is_file():
            looked.append(f"{rel}: not present")
            continue
        tree = parse_source(file)
        if isinstance(tree, str):
            looked.append(tree)
            continue
        names = module_for(root, file)
        if names is None:
            looked.append(f"{rel}: not an importable module name")
            continue
        module, app_dir = names
        found = AppScanner(
            root, module, is_package=file.name == "__init__.py", app_dir=app_dir
        ).find(tree)
        if found is None:
            looked.append(f"{rel}: no module-level FastAPI/Starlette app or app factory")
            continue
        kind = "factory " if found.factory else ""
        unsure = "" if found.verified else " (not verified to return a FastAPI/Starlette app)"
        return AppTarget(
            module=module,
            attr=found.attr,
            factory=found.factory,
            file=file,
            line=found.line,
            reason=f"found {kind}`{found.snippet}` in {rel}:{found.line}{unsure}",
            app_dir=app_dir,
        )
    listing = "\n".join(f"  - {entry}" for entry in looked)
    raise AppNotFound(
        f"no FastAPI/Starlette app found in {root}. Looked at:\n{listing}\n"
        'Set [tool.fastapi] entrypoint = "module:attr" in pyproject.toml or pass --app.'
    )


def _candidate_files(root: Path) -> Iterator[Path]:
    yield from (root / rel for rel in CANDIDATE_FILES)
    src = root / "src"
    if src.is_dir():
        for package in sorted(p for p in src.iterdir() if p.is_dir() and p.name != "app"):
            if package.name.isidentifier():
                for name in ("main.py", "app.py", "api.py"):
                    yield package / name


def explicit_target(root: Path, spec: str, factory: bool | None, reason: str) -> AppTarget:
    module, colon, attr = spec.partition(":")
    if not colon or not attr.isidentifier() or not all(p.isidentifier() for p in module.split(".")):
        raise ProjectError(f"{reason}: expected MODULE:ATTR (e.g. app.main:app), got {spec!r}")
    located = module_file(root, module)
    if located is None:
        return AppTarget(
            module,
            attr,
            bool(factory),
            root,
            0,
            f"{reason} ({module} is not a file in the project: it must be importable)",
        )
    file, app_dir = located
    line, is_function = 0, False
    tree = parse_source(file)
    if not isinstance(tree, str):
        line, is_function = definition_of(tree, attr)
    return AppTarget(
        module=module,
        attr=attr,
        factory=is_function if factory is None else factory,
        file=file,
        line=line,
        reason=reason,
        app_dir=app_dir,
    )
