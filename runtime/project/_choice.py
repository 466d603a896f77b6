"""The app the user chose for a project with several candidates, kept in asgideck's
user state (never in the project), keyed by the project's workspace root."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime import userstate
from asgideck.runtime.project._workspace import find_workspace

__all__ = ["forget_app", "remember_app", "remembered_app"]

_FILE = "apps.json"


def remembered_app(project_root: Path) -> str | None:
    """The ``module:attr`` chosen for the project at ``project_root``, if any."""
    data = userstate.read_json(userstate.config_dir() / _FILE, {})
    value = data.get(str(project_root.resolve())) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def remember_app(project_root: Path | str, import_string: str | None) -> None:
    """Remember ``import_string`` as the app of the project at ``project_root``
    (its workspace root or any folder of it); None forgets the choice."""
    key = str(find_workspace(Path(project_root)).root)
    path = userstate.config_dir() / _FILE
    data = userstate.read_json(path, {})
    data = data if isinstance(data, dict) else {}
    if import_string is None:
        data.pop(key, None)
    else:
        data[key] = import_string
    userstate.write_json_atomic(path, data)


def forget_app(project_root: Path | str) -> None:
    remember_app(project_root, None)
