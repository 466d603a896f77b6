"""Where per-user state lives (recent projects, window layout, history, logs).

Never inside the user's project. ``ASGIDECK_HOME`` overrides the platform
directories so tests and portable setups keep their state to themselves.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "asgideck"
RECENT_LIMIT = 10


def _private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) if missing: it holds logs, history and configs."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def state_dir() -> Path:
    """The directory for asgideck's own files, created on first use (owner-only)."""
    override = os.environ.get("ASGIDECK_HOME")
    base = Path(override) if override else Path(platformdirs.user_state_dir(APP_NAME))
    return _private_dir(base)


def temp_dir() -> Path:
    """asgideck's own scratch files (response bodies being received), never the system /tmp:
    whatever a crash leaves here is swept at the next start (:func:`sweep_temp`)."""
    return _private_dir(state_dir() / "tmp")


def sweep_temp(older_than: float = 0.0) -> int:
    """Remove scratch files left by an asgideck that died; the number removed.

    Only files whose owner process is gone are removed: a name starts with the pid
    that made it (``<pid>-...``), so two asgidecks running at once keep their own.
    ``older_than`` (seconds) spares files younger than that whatever their pid.
    """
    removed = 0
    folder = state_dir() / "tmp"
    if not folder.is_dir():
        return 0
    now = time.time()
    for entry in folder.iterdir():
        pid_text = entry.name.split("-", 1)[0]
        if pid_text.isdigit() and _pid_alive(int(pid_text)):
            continue
        try:
            if older_than and now - entry.lstat().st_mtime < older_than:
                continue
            entry.unlink()
            removed += 1
        except OSError:
            continue
    return removed


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def config_dir() -> Path:
    """Recent projects and launch configs, created on first use (owner-only)."""
    override = os.environ.get("ASGIDECK_HOME")
    base = Path(override) / "config" if override else Path(platformdirs.user_config_dir(APP_NAME))
    return _private_dir(base)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so a crash mid-write never leaves a half file behind."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_json(path: Path, default: Any) -> Any:
    """Read JSON state; a missing or corrupt file yields ``default``, never a crash."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return default


def recent_projects() -> list[Path]:
    raw = read_json(config_dir() / "recent.json", [])
    if not isinstance(raw, list):
        return []
    return [Path(p) for p in raw if isinstance(p, str)]


def remember_project(root: Path) -> list[Path]:
    """Move ``root`` to the front of the recent list and return the new list."""
    root = root.resolve()
    items = [root] + [p for p in recent_projects() if p != root]
    items = items[:RECENT_LIMIT]
    write_json_atomic(config_dir() / "recent.json", [str(p) for p in items])
    return items
