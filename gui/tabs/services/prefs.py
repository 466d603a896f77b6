"""Per-project choices of the Services section, kept in asgideck's config folder
(never in the project): whether closing the project stops its services.

One small state file (``services-gui.json``: project root -> choices) read and
written through ``userstate.read_state``/``write_state``, so a damaged file is
set aside and said, never silently dropped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from asgideck.runtime.userstate import StateError, config_dir, notify, read_state, write_state

__all__ = ["STOP_ON_CLOSE", "load_choice", "save_choice"]

FILE = "services-gui.json"
STOP_ON_CLOSE = "stop_on_close"


def _path() -> Path:
    return config_dir() / FILE


def _valid(data: Any) -> bool:
    return isinstance(data, dict) and all(isinstance(v, dict) for v in data.values())


def _read() -> dict[str, dict[str, Any]]:
    try:
        data = read_state(
            _path(), {}, valid=_valid, what="the Services choices", fallback="defaults are used"
        ).data
    except StateError as exc:
        notify(str(exc))
        return {}
    return data if isinstance(data, dict) else {}


def load_choice(root: Path, key: str, default: bool = False) -> bool:
    """The project's choice ``key`` (``default`` when never made)."""
    value = _read().get(str(root.resolve()), {}).get(key, default)
    return bool(value)


def save_choice(root: Path, key: str, value: bool) -> None:
    """Remember the project's choice ``key``; an unwritable file is said, not raised."""
    data = _read()
    data.setdefault(str(root.resolve()), {})[key] = value
    try:
        write_state(_path(), data)
    except StateError as exc:
        notify(f"{exc}; the choice applies until asgideck quits")
