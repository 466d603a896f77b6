"""Turning a file, or a ``module:attr`` someone named, into an ``AppTarget``: the
pieces every discovery tier shares, and the explicit target (``--app``) that skips them.

Files are read with :mod:`ast`, never imported.
"""

from __future__ import annotations

import os
from pathlib import Path

from asgideck.runtime.project._ast_scan import AppScanner, definition_of
from asgideck.runtime.project._launch import Launch
from asgideck.runtime.project._module_names import module_file, module_for, parse_source
from asgideck.runtime.project._types import AppTarget, ProjectError
from asgideck.runtime.project._workspace import is_project_folder

__all__ = ["app_in_file", "explicit_target", "shown", "target_at", "workdir_for"]


def shown(path: Path, top: Path) -> str:
    """``path`` as the user reads it: relative to ``top`` (with ``..`` when outside it)."""
    try:
        return path.relative_to(top).as_posix()
    except ValueError:
        return os.path.relpath(path, top)


def workdir_for(file: Path, top: Path) -> Path:
    """Where a module runs from when nothing says: the nearest project folder at or above
    its import base (the first folder above its ``__init__.py`` chain), not above ``top``."""
    folder = file.parent
    while (folder / "__init__.py").is_file() and folder != top:
        folder = folder.parent
    start = folder
    while True:
        if is_project_folder(folder):
            return folder
        if folder == top or folder.parent == folder:
            return start if not top.is_relative_to(start) else top
        folder = folder.parent


def app_in_file(
    file: Path, workdir: Path, top: Path, looked: list[str] | None, rel: str
) -> AppTarget | None:
    """The app or factory ``file`` defines, importable from ``workdir`` (None: none).

    Why not is appended to ``looked`` (when given) under the name ``rel``.
    """
    tree = parse_source(file)
    if isinstance(tree, str):
        if looked is not None:
            looked.append(tree if "/" not in rel else f"{rel}{tree[len(file.name) :]}")
        return None
    names = module_for(workdir, file)
    if names is None:
        if looked is not None:
            looked.append(f"{rel}: not an importable module name")
        return None
    module, app_dir = names
    hit = AppScanner(workdir, module, is_package=file.name == "__init__.py", app_dir=app_dir).find(
        tree
    )
    if hit is None:
        if looked is not None:
            looked.append(f"{rel}: no module-level FastAPI/Starlette app or app factory")
        return None
    kind = "factory " if hit.factory else ""
    unsure = "" if hit.verified else " (not verified to return a FastAPI/Starlette app)"
    where = shown(file, workdir)
    reason = f"found {kind}`{hit.snippet}` in {where}:{hit.line}{unsure}"
    return AppTarget(
        module=module,
        attr=hit.attr,
        factory=hit.factory,
        file=file,
        line=hit.line,
        reason=reason,
        app_dir=app_dir,
        workdir=workdir,
        found=(f"{shown(file, top)}:{hit.line}: {kind}`{hit.snippet}`{unsure}",),
    )


def target_at(
    module: str,
    attr: str,
    factory: bool | None,
    file: Path,
    app_dir: str,
    workdir: Path,
    launch: Launch,
    moved: str,
) -> AppTarget:
    """The target a launch names, once its module file is known (``moved``: ran elsewhere)."""
    line, is_function = 0, False
    tree = parse_source(file)
    if not isinstance(tree, str):
        line, is_function = definition_of(tree, attr)
    said = launch.what if launch.where in launch.what else f"{launch.where}: {launch.what}"
    return AppTarget(
        module=module,
        attr=attr,
        factory=is_function if factory is None else factory,
        file=file,
        line=line,
        reason=said + moved,
        app_dir=app_dir,
        workdir=workdir,
        found=(said + moved,),
    )


def explicit_target(root: Path, spec: str, factory: bool | None, reason: str) -> AppTarget:
    """The target ``spec`` (``MODULE:ATTR``) names in ``root``; ``reason``: who named it."""
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
            workdir=root,
            found=(reason,),
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
        workdir=root,
        found=(reason,),
    )
