"""Where the installed server programs are (never downloaded), the line that says how
to install a missing one on this platform, and how to run a program as another user
(PostgreSQL refuses to run as root).

Postgres is often not on PATH (Debian keeps it in ``/usr/lib/postgresql/<major>/bin``,
Homebrew in ``/opt/homebrew/opt/postgresql@<major>/bin``), and a GUI started from a
macOS dock has no Homebrew PATH at all, so the usual places are searched after PATH.
``ASGIDECK_SERVICE_PATH`` (a PATH-like list) replaces the whole search: it is how a
user points at one installation, and how the tests make a program missing.
"""

from __future__ import annotations

import glob
import os
import re
import shutil
import stat
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from asgideck.runtime.services._errors import BinaryMissing, ServiceError
from asgideck.runtime.services._types import ServiceKind, ServiceNeed

__all__ = [
    "SERVICE_PATH_VAR",
    "RunAs",
    "find_all",
    "find_program",
    "install_hint",
    "listen_host",
    "run_as_user",
]

SERVICE_PATH_VAR = "ASGIDECK_SERVICE_PATH"

#: folders searched after PATH, per kind; each a glob, the highest version first
_POSTGRES_DIRS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/local/pgsql/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/opt/homebrew/opt/postgresql/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql/bin",
    "/Applications/Postgres.app/Contents/Versions/latest/bin",
    "/usr/pgsql-*/bin",
)
_COMMON_DIRS = ("/opt/homebrew/bin", "/usr/local/bin", "/usr/bin", "/usr/sbin")

_PRODUCT: dict[ServiceKind, str] = {
    "postgres": "PostgreSQL",
    "redis": "Redis",
    "mail": "the mail catcher",
    "mysql": "MySQL",
}

#: (platform family, kind) -> install command
_HINTS: dict[tuple[str, ServiceKind], str] = {
    ("debian", "postgres"): "apt install postgresql",
    ("debian", "redis"): "apt install redis-server",
    ("debian", "mysql"): "apt install mariadb-server",
    ("fedora", "postgres"): "dnf install postgresql-server",
    ("fedora", "redis"): "dnf install redis",
    ("fedora", "mysql"): "dnf install mariadb-server",
    ("arch", "postgres"): "pacman -S postgresql",
    ("arch", "redis"): "pacman -S redis",
    ("arch", "mysql"): "pacman -S mariadb",
    ("suse", "postgres"): "zypper install postgresql-server",
    ("suse", "redis"): "zypper install redis",
    ("suse", "mysql"): "zypper install mariadb",
    ("macos", "postgres"): "brew install postgresql@16",
    ("macos", "redis"): "brew install redis",
    ("macos", "mysql"): "brew install mariadb",
}
_FAMILIES = ("debian", "fedora", "arch", "suse")
_ALIASES = {"ubuntu": "debian", "rhel": "fedora", "centos": "fedora", "manjaro": "arch"}


def find_program(name: str, kind: ServiceKind, need: ServiceNeed | None = None) -> Path:
    """The executable ``name`` (``initdb``, ``postgres``, ``redis-server``, ``psql``).

    Raises ``BinaryMissing`` naming the service (``need.label`` when given), where it
    looked and the install command for this platform.
    """
    found = find_all(name, kind)
    if found:
        return found[0]
    label = need.label if need is not None else kind
    _dirs, where = _search(kind)
    hint = install_hint(kind)
    install = f"; install it: {hint}" if hint else ""
    raise BinaryMissing(
        f"{label}: {_PRODUCT[kind]} is not installed (no {name} found {where}){install}",
        service=need.name if need is not None else kind,
        variables=need.variables if need is not None else (),
    )


def find_all(name: str, kind: ServiceKind) -> list[Path]:
    """Every executable ``name`` in search order, one per real file (several PostgreSQL
    majors may be installed side by side; data needs the major that created it)."""
    dirs, _where = _search(kind)
    found: list[Path] = []
    seen: set[str] = set()
    for folder in dirs:
        hit = shutil.which(name, path=folder) if folder else None
        if hit and os.path.realpath(hit) not in seen:
            seen.add(os.path.realpath(hit))
            found.append(Path(hit))
    return found


def install_hint(kind: ServiceKind) -> str:
    """The command that installs ``kind`` here (``apt install postgresql``), or a
    sentence when the platform is not known; "" for the mail catcher (built in)."""
    if kind == "mail":
        return ""
    family = _platform_family()
    hint = _HINTS.get((family, kind))
    if hint:
        return hint
    return f"{_PRODUCT[kind]} from your system's package manager"


@dataclass(frozen=True)
class RunAs:
    """The user a service runs as when asgideck itself runs as root."""

    name: str
    uid: int
    gid: int
    #: its own supplementary groups (never root's)
    groups: tuple[int, ...]
    home: str

    def popen_kwargs(self) -> dict[str, Any]:
        """``subprocess.Popen(..., **run_as.popen_kwargs())``."""
        return {"user": self.uid, "group": self.gid, "extra_groups": list(self.groups)}

    def environ(self) -> dict[str, str]:
        """What to set in the child's environment so it does not think it is root."""
        return {"HOME": self.home, "USER": self.name, "LOGNAME": self.name}

    def can_enter(self, folder: Path) -> bool:
        """Whether this user may traverse ``folder`` (its owner, group and other bits)."""
        st = folder.stat()
        if st.st_uid == self.uid:
            return bool(st.st_mode & stat.S_IXUSR)
        if st.st_gid == self.gid or st.st_gid in self.groups:
            return bool(st.st_mode & stat.S_IXGRP)
        return bool(st.st_mode & stat.S_IXOTH)


def run_as_user(user: str, label: str = "") -> RunAs:
    """The ids of ``user``; raises ``ServiceError`` naming ``label`` when there is none."""
    import pwd  # POSIX only; asgideck runs a service as another user only as root

    try:
        entry = pwd.getpwnam(user)
    except KeyError:
        raise ServiceError(
            f"{label or user}: asgideck runs as root, which PostgreSQL refuses, and there is "
            f"no `{user}` user to run it as; create one (useradd --system {user}) "
            "or run asgideck as a normal user",
            service=label.split(" ")[0],
        ) from None
    groups = tuple(os.getgrouplist(user, entry.pw_gid))
    return RunAs(user, entry.pw_uid, entry.pw_gid, groups, entry.pw_dir)


def listen_host(host: str) -> str:
    """The address a local service binds and is reached at: the profile's loopback host,
    but never every interface (``0.0.0.0``/``::``/"" mean this machine: 127.0.0.1)."""
    host = host.strip("[]")
    return "127.0.0.1" if host in ("", "0.0.0.0", "::", "*") else host


def _search(kind: ServiceKind) -> tuple[list[str], str]:
    """The folders to search, and how a message says where that was."""
    override = os.environ.get(SERVICE_PATH_VAR)
    if override is not None:
        return [d for d in override.split(os.pathsep) if d], f"in {SERVICE_PATH_VAR}={override}"
    dirs = os.environ.get("PATH", os.defpath).split(os.pathsep) + _extra_dirs(kind)
    where = "on PATH" + (" or in /usr/lib/postgresql/*/bin" if kind == "postgres" else "")
    return dirs, where


def _extra_dirs(kind: ServiceKind) -> list[str]:
    dirs: list[str] = []
    if kind == "postgres":
        for pattern in _POSTGRES_DIRS:
            dirs += sorted(glob.glob(pattern), key=_version_key, reverse=True)
    return dirs + list(_COMMON_DIRS)


def _version_key(folder: str) -> tuple[int, ...]:
    """``/usr/lib/postgresql/15/bin`` -> (15,); ``postgresql@9.6`` -> (9, 6)."""
    numbers = re.findall(r"(?<![A-Za-z])(\d+(?:\.\d+)*)", folder)
    return tuple(int(n) for n in numbers[-1].split(".")) if numbers else ()


@cache
def _platform_family() -> str:
    if sys.platform == "darwin":
        return "macos"
    if not sys.platform.startswith("linux"):
        return ""
    try:
        text = Path("/etc/os-release").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return _family_of(text)


def _family_of(os_release: str) -> str:
    """The family named by an ``/etc/os-release`` text (ID first, then ID_LIKE)."""
    fields = dict(
        (key, value.strip().strip("\"'"))
        for key, _, value in (line.partition("=") for line in os_release.splitlines())
    )
    for name in [fields.get("ID", ""), *fields.get("ID_LIKE", "").split()]:
        name = _ALIASES.get(name, name)
        if name in _FAMILIES:
            return name
        if name.startswith("opensuse") or name == "sles":
            return "suse"
    return ""
