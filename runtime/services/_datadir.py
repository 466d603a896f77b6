"""Where a service keeps its data: asgideck's own state folder, never the project.

One folder per project (its name plus a hash of its path, so two checkouts called
``api`` never share a database), profile and service. As root, PostgreSQL runs as
the ``postgres`` user (it refuses root), which must be able to walk down to its data:
the folders are made 0711 then, and when the state folder's parents are out of that
user's reach (``/root`` is 0700) Postgres' data goes to ``/var/lib/asgideck/<hash of
the state folder>`` instead (:func:`moved_aside` says so).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import stat
import sys
from pathlib import Path

from asgideck.runtime.services._types import ServiceNeed
from asgideck.runtime.userstate import StateError, state_location

__all__ = [
    "LOG_NAME",
    "SYSTEM_ROOT",
    "data_dir",
    "ensure_dir",
    "log_file",
    "moved_aside",
    "project_dir",
    "reachable_by",
    "services_root",
]

#: The fallback when root's state folder is out of the ``postgres`` user's reach.
SYSTEM_ROOT = Path("/var/lib/asgideck")
#: The service's own output (stdout and stderr), appended to, in its data folder.
LOG_NAME = "service.log"
#: The user a root asgideck runs PostgreSQL as (see ``_postgres.PostgresEngine.run_as``).
_SERVICE_USER = "postgres"
_LOG_KEEP = 5 << 20  # a log past this size is moved to service.log.1 at the next start


def _as_root() -> bool:
    return sys.platform != "win32" and os.geteuid() == 0


def _mode() -> int:
    """0711 when another user (``postgres``) must walk through, else owner-only."""
    return 0o711 if _as_root() else 0o700


def reachable_by(path: Path, user: str) -> bool:
    """``user`` may walk down to ``path`` (search permission on it and every parent)."""
    if sys.platform == "win32":
        return True
    import grp
    import pwd

    try:
        record = pwd.getpwnam(user)
    except KeyError:
        return False
    groups = {record.pw_gid, *(g.gr_gid for g in grp.getgrall() if user in g.gr_mem)}
    current = path if path.is_absolute() else path.absolute()
    for folder in (current, *current.parents):
        try:
            info = folder.stat()
        except FileNotFoundError:
            continue  # made later, with our mode
        except OSError:
            return False
        if info.st_uid == record.pw_uid:
            bit = stat.S_IXUSR
        elif info.st_gid in groups:
            bit = stat.S_IXGRP
        else:
            bit = stat.S_IXOTH
        if not info.st_mode & bit:
            return False
    return True


def _state_hash() -> str:
    return hashlib.sha1(str(state_location()).encode()).hexdigest()[:12]


def moved_aside() -> bool:
    """As root with a state folder whose parents the ``postgres`` user cannot walk
    through: Postgres data is kept under :data:`SYSTEM_ROOT` (``services`` says so)."""
    if not _as_root():
        return False
    try:
        import pwd

        pwd.getpwnam(_SERVICE_USER)
    except KeyError:
        return False  # no such user: nothing runs as it, nothing to move
    return not reachable_by(state_location().parent, _SERVICE_USER)


def services_root() -> Path:
    """The folder the services' data is under (not created: a listing looks, it never
    makes folders or changes modes; :func:`ensure_dir` does both on the first start)."""
    return state_location() / "services"


def _open_state_folder() -> None:
    """As root, let ``postgres`` walk through the state folder (0711: not listable); done
    only when a service is started, never by a listing."""
    if not _as_root():
        return
    base = state_location()
    with contextlib.suppress(OSError):
        base.chmod(base.stat().st_mode | 0o011)


def _root_for(need: ServiceNeed) -> Path:
    """Postgres' data moves out of a state folder its user cannot reach (as root); that
    folder is made by the first start (:func:`ensure_dir`), not by looking."""
    if need.kind == "postgres" and moved_aside():
        return SYSTEM_ROOT / _state_hash()
    return services_root()


def _project_name(root: Path) -> str:
    resolved = root.resolve()
    digest = hashlib.sha1(str(resolved).encode()).hexdigest()[:8]
    return f"{resolved.name}-{digest}"


def project_dir(root: Path) -> Path:
    """``<services root>/<project name>-<hash of its path>`` (not created)."""
    return services_root() / _project_name(root)


def data_dir(root: Path, profile: str, need: ServiceNeed) -> Path:
    """The data folder of ``need`` for ``root``'s ``profile`` (not created: see
    :func:`ensure_dir`; the engine's ``prepare`` fills it)."""
    return _root_for(need) / _project_name(root) / profile / need.name


def ensure_dir(path: Path) -> Path:
    """Create ``path`` and its missing parents with asgideck's mode (0700, or 0711 as root);
    a folder under the state folder opens that folder to ``postgres`` first (as root)."""
    base = state_location()
    if base == path or base in path.parents:
        _open_state_folder()
    missing = [p for p in (path, *path.parents) if not p.exists()]
    try:
        for folder in reversed(missing):
            folder.mkdir(mode=_mode(), exist_ok=True)
            folder.chmod(_mode())  # mkdir's mode passes through the umask
    except OSError as exc:
        raise StateError(f"{path}: cannot create the service's folder: {exc.strerror}") from exc
    return path


def log_file(folder: Path) -> Path:
    """The service's log in its data folder; a log grown past a few MiB is moved to
    ``service.log.1`` (replacing the previous one) before a new start appends to it."""
    path = folder / LOG_NAME
    with contextlib.suppress(OSError):
        if path.stat().st_size > _LOG_KEEP:
            path.replace(folder / (LOG_NAME + ".1"))
    return path
