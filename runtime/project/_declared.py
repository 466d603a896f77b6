"""Discovery tier 1: the apps a project's own files say it is launched with.

``[tool.fastapi] entrypoint`` in a pyproject.toml, server commands in Makefile /
Procfile / shell scripts / Dockerfile / docker-compose, ``wsgi_app`` in
gunicorn.conf.py, ``uvicorn.run(...)`` in source (the launches themselves are read
by ``_launch``); each launch is resolved to a module file in its workdir, else in
the focus folder and the workspace members.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from asgideck.runtime.project._ast_scan import AppScanner
from asgideck.runtime.project._default_paths import default_paths
from asgideck.runtime.project._launch import (
    SPEC,
    Launch,
    is_launch_file,
    launches_in_file,
    launches_in_python,
)
from asgideck.runtime.project._module_names import module_file, package_base, parse_source
from asgideck.runtime.project._targets import shown, target_at, workdir_for
from asgideck.runtime.project._types import AppTarget, ProjectError
from asgideck.runtime.project._workspace import Workspace, read_toml
from asgideck.runtime.sourcetree import walk_files

__all__ = ["MAX_SCANNED_BYTES", "declared", "read_pyproject"]

#: Python files larger than this are not read for launches or apps.
MAX_SCANNED_BYTES = 300_000
_UVICORN_CALL = re.compile(rb"uvicorn\.(?:run|Config)\(")


def read_pyproject(root: Path) -> dict[str, Any] | str | None:
    """The parsed pyproject.toml, None when absent, or an error message."""
    return read_toml(root / "pyproject.toml")


def declared(ws: Workspace, top: Path, looked: list[str], *, recursive: bool) -> list[AppTarget]:
    """The targets launches under ``top`` name (``recursive``: the whole tree, else its files)."""
    launches: list[Launch] = []
    launches.extend(_entrypoints(top, ws.root, looked))
    files: Iterable[Path] = walk_files(top) if recursive else _children(top)
    for file in files:
        if file.suffix == ".py" and file.name not in ("gunicorn.conf.py", "gunicorn_conf.py"):
            launches.extend(_python_launches(file, ws.root))
        elif file.name == "pyproject.toml" and file.parent != top:
            launches.extend(_entrypoints(file.parent, ws.root, looked))
        elif is_launch_file(file) or file.name.startswith("gunicorn"):
            if file.suffix == ".sh" and len(file.relative_to(top).parts) > 3:
                continue
            launches.extend(launches_in_file(file, shown(file, ws.root)))
    targets: list[AppTarget] = []
    for launch in launches:
        target = _resolve(launch, ws, looked)
        if target is not None:
            targets.append(target)
    return targets


def _children(top: Path) -> Iterator[Path]:
    try:
        yield from sorted(p for p in top.iterdir() if p.is_file())
    except OSError:
        return


def _entrypoints(folder: Path, top: Path, looked: list[str]) -> list[Launch]:
    pyproject = read_pyproject(folder)
    label = shown(folder / "pyproject.toml", top)
    if isinstance(pyproject, str):
        looked.append(f"{label}: {pyproject.partition(': ')[2]}")
        return []
    if pyproject is None:
        looked.append(f"{label}: not present")
        return []
    tool = pyproject.get("tool")
    table = tool.get("fastapi") if isinstance(tool, dict) else None
    entry = table.get("entrypoint", table.get("entryPoint")) if isinstance(table, dict) else None
    if isinstance(entry, str) and entry.strip():
        what = f"[tool.fastapi] entrypoint in {label}"
        spec = entry.strip()
        if SPEC.match(spec) is None:
            raise ProjectError(f"{what}: expected MODULE:ATTR (e.g. app.main:app), got {spec!r}")
        return [Launch(folder, label, what, spec=spec)]
    looked.append(f"{label}: no [tool.fastapi] entrypoint")
    return []


def _python_launches(file: Path, top: Path) -> list[Launch]:
    try:
        data = file.read_bytes()
    except OSError:
        return []
    if len(data) > MAX_SCANNED_BYTES or b"uvicorn." not in data:
        return []
    if _UVICORN_CALL.search(data) is None:
        return []
    tree = parse_source(file)
    if isinstance(tree, str):
        return []
    return launches_in_python(tree, file, shown(file, top), workdir_for(file, top))


def _resolve(launch: Launch, ws: Workspace, looked: list[str]) -> AppTarget | None:
    """The target a launch names, looked up in its workdir, else in the focus and members."""
    places = [launch.workdir, ws.focus, *ws.members, ws.root]
    for workdir in dict.fromkeys(p.resolve() for p in places if p.is_dir()):
        target = _resolve_in(launch, workdir, ws)
        if target is not None:
            return target
    named = launch.spec or launch.path or "fastapi-cli's default paths"
    looked.append(f"{launch.where}: {launch.what} names {named}, not found in the project")
    return None


def _resolve_in(launch: Launch, workdir: Path, ws: Workspace) -> AppTarget | None:
    moved = "" if workdir == launch.workdir.resolve() else f" (run in {shown(workdir, ws.root)})"
    if launch.spec is not None:
        module, _, attr = launch.spec.partition(":")
        located = module_file(workdir, module, launch.app_dir or "")
        if located is None:
            return None
        file, app_dir = located
        return target_at(module, attr, launch.factory, file, app_dir, workdir, launch, moved)
    if launch.path is None:
        # `fastapi run` without a path: its default search in the workdir.
        defaults = default_paths(workdir, [], ws.root)
        said = f"{launch.where}: {launch.what}{moved}"
        return replace(defaults[0], found=(said,), reason=said) if defaults else None
    path = Path(launch.path)
    path = path if path.is_absolute() else workdir / path
    if path.is_dir():
        path = path / "__init__.py"
    if not path.is_file() or path.suffix != ".py":
        return None
    names = package_base(ws.root, path) if ws.root in path.parents else None
    if names is not None:
        dotted, base = names
        rel_dir = os.path.relpath(ws.root / base, workdir)
    else:
        dotted, rel_dir = path.stem, os.path.relpath(path.parent, workdir)
    import_dir = "" if rel_dir == "." else Path(rel_dir).as_posix()
    factory = launch.factory
    name = launch.attr
    if name is None:
        tree = parse_source(path)
        if isinstance(tree, str):
            return None
        hit = AppScanner(ws.root, dotted, is_package=path.name == "__init__.py").find(tree)
        if hit is None:
            return None
        name = hit.attr
        factory = hit.factory if launch.factory is None else launch.factory
    return target_at(dotted, name, factory, path, import_dir, workdir, launch, moved)
