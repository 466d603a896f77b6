"""A project opened from any of its folders: its app, its interpreter, its env files.

The workspace and the app are found by ``_workspace`` and ``_discover`` (reading the
source with :mod:`ast`: opening a folder must never run its code); the interpreter
by ``_interpreter``; a choice between several apps is remembered by ``_choice``.
``Project.root`` is the folder the app runs in (its working directory).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from asgideck.runtime.project._choice import remembered_app
from asgideck.runtime.project._declared import read_pyproject
from asgideck.runtime.project._discover import Discovery, discover, several_message
from asgideck.runtime.project._interpreter import find_interpreter
from asgideck.runtime.project._targets import explicit_target
from asgideck.runtime.project._types import AppTarget, Project, ProjectError

__all__ = ["env_files", "locate_project", "open_project"]


def open_project(
    path: Path | str,
    *,
    python: str | None = None,
    app: str | None = None,
    factory: bool | None = None,
) -> Project:
    """Open ``path``; a missing or ambiguous app is reported in ``app_error``, bad options
    raise. ``app`` (``--app``) is a ``module:attr``: one of the candidates when it names
    one (keeping where it runs), else looked up in the project folder."""
    # profiles (dotenv, the loader scan): not needed to locate a project
    from asgideck.runtime.profiles import list_profiles

    opened = _opened(path)
    found = discover(opened)
    ws = found.workspace
    target, error = _choose(found, app, factory)
    root = target.workdir if target is not None and target.workdir is not None else ws.focus
    interpreter = find_interpreter(root, python)
    return Project(
        root=root,
        name=_project_name(root, ws.root, ws.members),
        app=target,
        app_error=error,
        interpreter=interpreter,
        env_files=env_files(root),
        profiles=tuple(list_profiles(root)),
        workspace=ws.root,
        opened=opened,
        candidates=tuple(found.candidates),
    )


def locate_project(path: Path | str) -> tuple[Path, str]:
    """(root, name) of the project in ``path`` exactly as ``open_project(path)`` finds them,
    without its interpreter, env files and profiles: what ``asgideck call`` needs to find
    the running server and name the history entry. Raises ProjectError as it does."""
    found = discover(_opened(path))
    target, _error = _choose(found, None, None)
    ws = found.workspace
    root = target.workdir if target is not None and target.workdir is not None else ws.focus
    return root, _project_name(root, ws.root, ws.members)


def _opened(path: Path | str) -> Path:
    """``path`` resolved; ProjectError when it is missing or not a folder."""
    opened = Path(path).expanduser()
    if not opened.exists():
        raise ProjectError(f"project folder does not exist: {opened}")
    if not opened.is_dir():
        raise ProjectError(f"not a folder: {opened}")
    return opened.resolve()


def _choose(
    found: Discovery, app: str | None, factory: bool | None
) -> tuple[AppTarget | None, str | None]:
    candidates = found.candidates
    if app is not None:
        for candidate in candidates:
            if candidate.import_string == app:
                chosen = replace(candidate, reason=f"--app given ({candidate.reason})")
                return _forced(chosen, factory), None
        return explicit_target(found.workspace.focus, app, factory, "--app given"), None
    if len(candidates) == 1:
        return _forced(candidates[0], factory), None
    if not candidates:
        return None, str(found.error())
    remembered = remembered_app(found.workspace.root)
    for candidate in candidates:
        if candidate.import_string == remembered:
            chosen = replace(candidate, reason=f"your choice of {len(candidates)} apps found")
            return _forced(chosen, factory), None
    return None, several_message(candidates, found.workspace.root)


def _forced(target: AppTarget, factory: bool | None) -> AppTarget:
    return target if factory is None else replace(target, factory=factory)


def env_files(root: Path) -> tuple[Path, ...]:
    """The env files the project reads (its loader's layers) and every ``.env``,
    ``.env.NAME`` and ``NAME.env`` in ``root`` (including templates such as ``.env.example``)."""
    from asgideck.runtime.profiles import env_sources  # see open_project

    found = [layer.path for layer in env_sources(root).layers if layer.path.is_file()]
    try:
        children = sorted(root.iterdir())
    except OSError:
        children = []
    found.extend(
        p
        for p in children
        if p.is_file()
        and (p.name == ".env" or p.name.startswith(".env.") or p.name.endswith(".env"))
    )
    unique = list(dict.fromkeys(found))
    return tuple(sorted(unique, key=lambda p: (p.name != ".env", p.parent != root, p.name)))


def _project_name(root: Path, workspace: Path, members: tuple[Path, ...]) -> str:
    """The pyproject name of the workspace when the app runs in one of its members (a
    monorepo's ``backend/``), else of the app's folder, else the folder's name."""
    folders = (workspace, root) if root in members else (root,)
    for folder in folders:
        data = read_pyproject(folder)
        if isinstance(data, dict):
            tool = data.get("tool")
            poetry = tool.get("poetry") if isinstance(tool, dict) else None
            for table in (data.get("project"), poetry):
                if isinstance(table, dict) and isinstance(table.get("name"), str):
                    return str(table["name"])
    return workspace.name if root in members else root.name
