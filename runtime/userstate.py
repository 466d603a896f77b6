"""Where per-user state lives (recent projects, window layout, history, logs), and
how its JSON files are read and written without ever losing them.

Never inside the user's project. ``ASGIDECK_HOME`` overrides the platform
directories so tests and portable setups keep their state to themselves.

State files (``servers.json``, launch configs, ``recent.json``) go through one
careful pair: :func:`write_state` replaces the file atomically and then keeps a
copy of that last good state beside it (``<name>.bak``); :func:`read_state` never
overwrites or silently ignores a file it cannot read. A damaged file (not JSON,
not UTF-8, not the expected shape) is moved aside as ``<name>.damaged-<time>``,
the backup is restored when there is one, and one line says what happened
(returned, and queued for :func:`take_notices` so the CLI and the window can show
it). A state file asgideck cannot use at all (a folder in its place,
``ASGIDECK_HOME`` a file, no permission) raises :class:`StateError`.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgideck.runtime.errors import AsgideckError

# platformdirs and tempfile are imported where used: with ASGIDECK_HOME set, and for a
# command that writes no state file (``asgideck call --no-history``), they are not needed.

APP_NAME = "asgideck"
RECENT_LIMIT = 10
BACKUP_SUFFIX = ".bak"


class StateError(AsgideckError, OSError):
    """A state file or folder asgideck cannot use; the message names it and says why.

    Also an ``OSError``, so code that already treats a failed write as a warning
    (e.g. "could not record the server in the state file") keeps doing so.
    """


def _private_dir(path: Path) -> Path:
    """Create ``path`` (owner-only, 0700) if missing: it holds logs, history and configs."""
    try:
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        home = os.environ.get("ASGIDECK_HOME")
        if home and Path(home).exists() and not Path(home).is_dir():
            raise StateError(
                f"ASGIDECK_HOME={home} is not a folder: asgideck keeps its state there; "
                "point it at a folder (or unset it)"
            ) from exc
        blocker = next((p for p in (path, *path.parents) if p.exists() and not p.is_dir()), path)
        raise StateError(
            f"{blocker} is a file where asgideck keeps its state folder: move it away"
        ) from exc
    except OSError as exc:
        raise StateError(f"{path}: cannot create asgideck's state folder: {_why(exc)}") from exc
    return path


def state_location() -> Path:
    """Where :func:`state_dir` is, without creating it (used to tell whose a process is)."""
    override = os.environ.get("ASGIDECK_HOME")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_state_dir(APP_NAME))


def state_dir() -> Path:
    """The directory for asgideck's own files, created on first use (owner-only).

    Raises :class:`StateError` when it cannot be (e.g. ``ASGIDECK_HOME`` is a file).
    """
    return _private_dir(state_location())


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
    if override:
        base = Path(override) / "config"
    else:
        import platformdirs

        base = Path(platformdirs.user_config_dir(APP_NAME))
    return _private_dir(base)


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON so a crash mid-write never leaves a half file behind."""
    import tempfile

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
    """Read small JSON state through :func:`read_state`: a damaged file is kept aside and
    said so (:func:`take_notices`), never silently dropped. A missing file, or one that
    cannot be used at all, yields ``default`` (the latter with a notice), never a crash."""
    try:
        return read_state(path, default).data
    except StateError as exc:
        notify(str(exc))
        return default


# --------------------------------------------------------------------------- state files


@dataclass(frozen=True)
class StateRead:
    """What :func:`read_state` found: the data, and one line when it was not the file as is."""

    data: Any
    notice: str | None = None
    restored: bool = False  # ``data`` came from the backup


_notices: list[str] = []
_notices_lock = threading.Lock()


def notify(text: str) -> None:
    """Queue one line for the CLI and the window to show (see :func:`take_notices`)."""
    with _notices_lock:
        _notices.append(text)


def take_notices() -> list[str]:
    """The state-file notices not shown yet (and forget them): one line each."""
    with _notices_lock:
        taken = list(_notices)
        _notices.clear()
    return taken


def backup_path(path: Path) -> Path:
    return path.with_name(path.name + BACKUP_SUFFIX)


def write_state(path: Path, data: Any) -> None:
    """Replace a state file atomically, then keep that last good state as ``<name>.bak``.

    Raises :class:`StateError` when it cannot be written.
    """
    try:
        write_json_atomic(path, data)
    except IsADirectoryError as exc:
        raise StateError(f"{path} is a folder, not a state file: move it away") from exc
    except OSError as exc:
        raise StateError(f"{path}: cannot write the state file: {_why(exc)}") from exc
    try:
        write_json_atomic(backup_path(path), data)
    except OSError as exc:  # the state itself is saved; only the spare copy failed
        notify(f"{backup_path(path)}: could not keep a backup of the state: {_why(exc)}")


def read_state(
    path: Path,
    default: Any,
    *,
    valid: Callable[[Any], bool] | None = None,
    fallback: str = "starting from empty",
    what: str = "",
) -> StateRead:
    """Read a state file written by :func:`write_state`; never lose it, never crash.

    - missing: ``default``, no notice;
    - damaged (not UTF-8, not JSON, or ``valid`` says no): moved aside as
      ``<name>.damaged-<time>``, then the backup is restored (written back in its
      place) when it is good, else ``default``; the notice says which and where;
    - unusable (a folder in its place, no permission): :class:`StateError`.

    ``what`` names the state for a person ("the saved servers of sample_app"),
    ``fallback`` says what happens without a backup ("defaults are shown").
    """
    problem = _problem(path, valid)
    if problem is None:
        return StateRead(_load(path))
    if problem == "missing":
        return StateRead(default)
    kept = _move_aside(path)
    label = f"{what} ({path})" if what else str(path)
    head = f"{label} could not be read ({problem}); the file is kept as {kept.name}"
    backup = backup_path(path)
    backup_problem = _problem(backup, valid)
    if backup_problem is None:
        data = _load(backup)
        saved = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(backup.stat().st_mtime))
        try:
            write_json_atomic(path, data)
        except OSError as exc:
            raise StateError(f"{path}: cannot restore it from {backup.name}: {_why(exc)}") from exc
        notice = f"{head}; restored from {backup.name} (saved {saved})"
        notify(notice)
        return StateRead(data, notice, restored=True)
    why_not = "no backup" if backup_problem == "missing" else f"{backup.name} is damaged too"
    notice = f"{head}; {why_not}: {fallback}"
    notify(notice)
    return StateRead(default, notice)


def _load(path: Path) -> Any:
    return json.loads(path.read_bytes().decode("utf-8"))


def _problem(path: Path, valid: Callable[[Any], bool] | None) -> str | None:
    """None when ``path`` holds good state, "missing", or what is wrong with its content.

    Raises :class:`StateError` when the file cannot be read at all.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return "missing"
    except IsADirectoryError as exc:
        raise StateError(f"{path} is a folder, not a state file: move it away") from exc
    except NotADirectoryError as exc:
        raise StateError(f"{path}: a file stands where its folder should be") from exc
    except OSError as exc:
        raise StateError(f"{path}: cannot read the state file: {_why(exc)}") from exc
    if not raw.strip():
        return "empty"
    try:
        data = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return "not UTF-8 text"
    except RecursionError:
        return "nested too deeply"
    except ValueError as exc:
        return f"not valid JSON: {exc}"
    if valid is not None and not valid(data):
        return "not the expected layout"
    return None


def _move_aside(path: Path) -> Path:
    """Rename a damaged file to ``<name>.damaged-<time>`` (never over another one)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.damaged-{stamp}")
    n = 1
    while target.exists():
        target = path.with_name(f"{path.name}.damaged-{stamp}-{n}")
        n += 1
    try:
        os.rename(path, target)
    except OSError as exc:
        raise StateError(
            f"{path} is damaged and cannot be moved aside ({_why(exc)}): "
            "asgideck will not overwrite it; move it away"
        ) from exc
    return target


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


def recent_projects() -> list[Path]:
    raw = read_state(
        config_dir() / "recent.json",
        [],
        valid=lambda data: isinstance(data, list),
        fallback="the list of recent projects starts empty",
    ).data
    return [Path(p) for p in raw if isinstance(p, str)]


def remember_project(root: Path) -> list[Path]:
    """Move ``root`` to the front of the recent list and return the new list."""
    root = root.resolve()
    items = [root] + [p for p in recent_projects() if p != root]
    items = items[:RECENT_LIMIT]
    write_state(config_dir() / "recent.json", [str(p) for p in items])
    return items
