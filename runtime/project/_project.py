"""A project folder: its app target, its interpreter and its env files.

The app is found the way fastapi-cli finds it (``[tool.fastapi] entrypoint`` in
pyproject.toml, then ``main.py``, ``app.py``, ``api.py``, ``app/main.py``, …) but
by reading the source with :mod:`ast`: opening a folder must never run its code.
Every decision carries a ``reason`` so the UI can say *why* it chose what it shows.

Discovery lives in ``_discover`` (and ``_ast_scan``, ``_module_names``), the
interpreter choice in ``_interpreter``, the data types in ``_types``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from asgideck.runtime.profiles import list_profiles
from asgideck.runtime.project._discover import (
    explicit_target,
    find_app,
    read_pyproject,
)
from asgideck.runtime.project._interpreter import find_interpreter
from asgideck.runtime.project._types import (
    AppNotFound,
    AppTarget,
    Project,
    ProjectError,
)

__all__ = ["env_files", "open_project"]

# --------------------------------------------------------------------------- project


def open_project(
    path: Path | str,
    *,
    python: str | None = None,
    app: str | None = None,
    factory: bool | None = None,
) -> Project:
    """Open ``path``; a missing app is reported in ``app_error``, bad options raise."""
    root = Path(path).expanduser()
    if not root.exists():
        raise ProjectError(f"project folder does not exist: {root}")
    if not root.is_dir():
        raise ProjectError(f"not a folder: {root}")
    root = root.resolve()
    interpreter = find_interpreter(root, python)
    target: AppTarget | None
    error: str | None = None
    if app is not None:
        target = explicit_target(root, app, factory, "--app given")
    else:
        try:
            target = find_app(root)
        except AppNotFound as exc:
            target, error = None, str(exc)
        if target is not None and factory is not None:
            target = replace(target, factory=factory)
    return Project(
        root=root,
        name=_project_name(root),
        app=target,
        app_error=error,
        interpreter=interpreter,
        env_files=env_files(root),
        profiles=tuple(list_profiles(root)),
    )


def env_files(root: Path) -> tuple[Path, ...]:
    """``.env`` and every ``.env.NAME`` (including the ``.env.example`` template)."""
    found = [
        p
        for p in root.iterdir()
        if p.is_file() and (p.name == ".env" or p.name.startswith(".env."))
    ]
    return tuple(sorted(found, key=lambda p: (p.name != ".env", p.name)))


def _project_name(root: Path) -> str:
    data = read_pyproject(root)
    if isinstance(data, dict):
        for table in (data.get("project"), data.get("tool", {}).get("poetry")):
            if isinstance(table, dict) and isinstance(table.get("name"), str):
                return str(table["name"])
    return root.name
