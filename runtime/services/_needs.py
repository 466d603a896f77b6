"""Which services a profile needs: read from its variables (where the app really
connects), then from the project's compose file for the kinds the profile does not name.

The profile's variables, in this order:

- URLs with a service scheme, whatever the variable is called (``DATABASE_URL``,
  ``SQLALCHEMY_DATABASE_URI``, ``REDIS_URL``, ``CELERY_BROKER_URL``,
  ``CELERY_RESULT_BACKEND``, ``SMTP_URL`` …): ``postgres``/``postgresql[+driver]``,
  ``redis``/``rediss``, ``mysql``/``mariadb[+driver]``, ``smtp``/``smtps``;
- host/port groups: ``POSTGRES_SERVER`` (full-stack-fastapi-template) or
  ``POSTGRES_HOST`` with ``POSTGRES_PORT/USER/PASSWORD/DB``; libpq's ``PGHOST…``;
  ``REDIS_HOST/PORT/PASSWORD/DB``; ``MYSQL_HOST…``; ``SMTP_HOST/PORT/USER/PASSWORD``,
  fastapi-mail's ``MAIL_SERVER/MAIL_PORT`` and Django's ``EMAIL_HOST/EMAIL_PORT``.

One server named twice (``CELERY_BROKER_URL`` and ``REDIS_URL`` on the same host and
port) is one need listing both variables; the same kind on another port is a second
need (``redis-2``). A value that cannot be read (a port ``abc``) gives no need but a
line from :func:`service_problems`, the password masked. Like ``servers._services``
(the pre-start connection check), http(s) URLs are never services.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.profiles import EnvFileError, Profile, list_profiles, load_profile
from asgideck.runtime.secrets import mask_value
from asgideck.runtime.services._compose import ComposeScan, ComposeService, scan_compose
from asgideck.runtime.services._types import RUNNABLE_KINDS, ServiceKind, ServiceNeed

__all__ = ["LOOPBACK_HOSTS", "SCHEMES", "service_needs", "service_problems"]

#: Hosts that are this machine (``0.0.0.0`` reaches it too, as a client's target).
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})

#: URL scheme (before ``+driver``) -> kind and default port.
SCHEMES: Mapping[str, tuple[ServiceKind, int]] = {
    "postgres": ("postgres", 5432),
    "postgresql": ("postgres", 5432),
    "redis": ("redis", 6379),
    "rediss": ("redis", 6379),
    "mysql": ("mysql", 3306),
    "mariadb": ("mysql", 3306),
    "smtp": ("mail", 25),
    "smtps": ("mail", 465),
}
#: Schemes that take a ``+driver`` (``postgresql+asyncpg``); ``redis+sentinel`` names
#: sentinels, not the server, so it is not read.
_WITH_DRIVER = frozenset({"postgres", "postgresql", "mysql", "mariadb"})
#: TLS schemes: asgideck's Redis and mail catcher speak plain TCP only.
_TLS = {"rediss": "redis", "smtps": "smtp"}
_PRODUCT = {"postgres": "PostgreSQL", "redis": "Redis", "mail": "the mail catcher"}
#: Mail settings that ask for TLS, by the prefix of the variables naming the server:
#: smtplib/full-stack-fastapi-template, fastapi-mail, Django.
_MAIL_TLS_FLAGS: Mapping[str, tuple[str, ...]] = {
    "SMTP_": ("SMTP_TLS", "SMTP_SSL", "SMTP_STARTTLS", "SMTP_USE_TLS", "SMTP_USE_SSL"),
    "MAIL_": ("MAIL_STARTTLS", "MAIL_SSL_TLS", "MAIL_TLS", "MAIL_SSL"),
    "EMAIL_": ("EMAIL_USE_TLS", "EMAIL_USE_SSL"),
}
_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
#: Variables that name the app's database (or cache): set to another kind of URL
#: (``sqlite:///app.db``, ``locmem://``), the compose file's server of that role is not
#: the app's.
_ROLE_VARIABLES: Mapping[str, tuple[ServiceKind, ...]] = {
    "DATABASE_URL": ("postgres", "mysql"),
    "DATABASE_URI": ("postgres", "mysql"),
    "DB_URL": ("postgres", "mysql"),
    "SQLALCHEMY_DATABASE_URI": ("postgres", "mysql"),
    "SQLALCHEMY_DATABASE_URL": ("postgres", "mysql"),
    "REDIS_URL": ("redis",),
    "CACHE_URL": ("redis",),
}


@dataclass(frozen=True)
class _Group:
    """Variables that together name one service (the first present of each tuple)."""

    kind: ServiceKind
    hosts: tuple[str, ...]
    port: str
    default_port: int
    users: tuple[str, ...] = ()
    passwords: tuple[str, ...] = ()
    databases: tuple[str, ...] = ()


_GROUPS: tuple[_Group, ...] = (
    _Group(
        "postgres",
        ("POSTGRES_SERVER", "POSTGRES_HOST"),
        "POSTGRES_PORT",
        5432,
        ("POSTGRES_USER",),
        ("POSTGRES_PASSWORD",),
        ("POSTGRES_DB",),
    ),
    _Group("postgres", ("PGHOST",), "PGPORT", 5432, ("PGUSER",), ("PGPASSWORD",), ("PGDATABASE",)),
    _Group(
        "redis",
        ("REDIS_HOST", "REDIS_SERVER"),
        "REDIS_PORT",
        6379,
        ("REDIS_USERNAME", "REDIS_USER"),
        ("REDIS_PASSWORD",),
        ("REDIS_DB",),
    ),
    _Group(
        "mysql",
        ("MYSQL_HOST", "MYSQL_SERVER"),
        "MYSQL_PORT",
        3306,
        ("MYSQL_USER",),
        ("MYSQL_PASSWORD",),
        ("MYSQL_DATABASE", "MYSQL_DB"),
    ),
    _Group(
        "mail",
        ("SMTP_HOST", "SMTP_SERVER"),
        "SMTP_PORT",
        25,
        ("SMTP_USER", "SMTP_USERNAME"),
        ("SMTP_PASSWORD", "SMTP_PASS"),
    ),
    _Group(
        "mail",
        ("MAIL_SERVER", "MAIL_HOST"),
        "MAIL_PORT",
        25,
        ("MAIL_USERNAME",),
        ("MAIL_PASSWORD",),
    ),
    _Group(
        "mail",
        ("EMAIL_HOST",),
        "EMAIL_PORT",
        25,
        ("EMAIL_HOST_USER",),
        ("EMAIL_HOST_PASSWORD",),
    ),
)


@dataclass
class _Found:
    """A need while the variables are read (merged, then named)."""

    kind: ServiceKind
    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    database: str = ""
    variables: list[str] = field(default_factory=list)
    port_variable: str = ""
    #: the variable that holds the host (named in "point X at 127.0.0.1")
    host_variable: str = ""
    scheme: str = ""
    source: str = "profile"

    def key(self) -> tuple[str, str, int]:
        host = "loopback" if self.host in LOOPBACK_HOSTS else self.host
        return self.kind, host, self.port

    def absorb(self, other: _Found) -> None:
        """The same server named again: list its variables, fill what this one lacked."""
        self.variables += [v for v in other.variables if v not in self.variables]
        self.user = self.user or other.user
        self.password = self.password or other.password
        self.database = self.database or other.database
        self.port_variable = self.port_variable or other.port_variable


# --- reading the profile -----------------------------------------------------------------


def _port_text(parts: SplitResult) -> str:
    """The port as written in a URL (for a message when it is not a number)."""
    hostport = parts.netloc.rpartition("@")[2]
    if hostport.startswith("["):
        hostport = hostport.partition("]")[2]
    return hostport.rpartition(":")[2] if ":" in hostport else ""


def _from_url(name: str, value: str, where: str) -> _Found | str | None:
    """A need from URL ``value``, a problem line, or None (not a service URL)."""
    text = value.strip()
    scheme_text, sep, _rest = text.partition(":")
    scheme, plus, _driver = scheme_text.lower().partition("+")
    if not sep or scheme not in SCHEMES or (plus and scheme not in _WITH_DRIVER):
        return None
    kind, default_port = SCHEMES[scheme]
    masked = mask_value(name, text)
    if not text[len(scheme_text) + 1 :].startswith("//"):
        return f"{kind} ({name}){where}: {masked!r} is not a URL ({scheme_text}://host:port/…)"
    try:
        parts = urlsplit(text)
        host = parts.hostname or ""
    except ValueError:
        return f"{kind} ({name}){where}: cannot read the URL {masked!r}"
    try:
        port = parts.port or default_port
    except ValueError:
        return (
            f"{kind} ({name}){where}: port {_port_text(parts)!r} is not a port number "
            f"(1-65535) in {masked!r}"
        )
    if not host:
        return (
            f"{kind} ({name}){where}: {masked!r} names no host (a Unix socket); asgideck "
            "runs services on TCP: put 127.0.0.1 in it"
        )
    path = unquote(parts.path.lstrip("/"))
    return _Found(
        kind=kind,
        host=host,
        port=port,
        user=unquote(parts.username or ""),
        password=unquote(parts.password or ""),
        database=path.split("/", 1)[0] if kind in ("postgres", "mysql", "redis") else "",
        variables=[name],
        port_variable=name,
        host_variable=name,
        scheme=scheme,
    )


def _port(text: str) -> int | None:
    try:
        port = int(text.strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


def _from_group(
    group: _Group, env: Mapping[str, str], names: Mapping[str, str], where: Mapping[str, str]
) -> _Found | str | None:
    def first(candidates: Sequence[str]) -> str:
        return next((names[c] for c in candidates if c in names), "")

    host_variable = next(
        (names[h] for h in group.hosts if env.get(names.get(h, ""), "").strip()), ""
    )
    if not host_variable:
        return None  # unset or empty: full-stack-fastapi-template's SMTP_HOST= means "no mail"
    host = env[host_variable].strip()
    if "://" in host:
        return None  # a URL in a host variable: read as a URL already
    port_variable = names.get(group.port, "")
    port = group.default_port
    if port_variable and env[port_variable].strip():
        parsed = _port(env[port_variable])
        if parsed is None:
            shown = env[port_variable].strip()
            return (
                f"{group.kind} ({port_variable}){where.get(port_variable, '')}: port {shown!r} "
                "is not a port number (1-65535)"
            )
        port = parsed
    user_variable, password_variable = first(group.users), first(group.passwords)
    database_variable = first(group.databases)
    return _Found(
        kind=group.kind,
        host=host.strip("[]"),
        port=port,
        user=env.get(user_variable, "") if user_variable else "",
        password=env.get(password_variable, "") if password_variable else "",
        database=env.get(database_variable, "") if database_variable else "",
        variables=[host_variable, *([port_variable] if port_variable else [])],
        # no port variable yet: the one to add when a port is written back
        port_variable=port_variable or group.port,
        host_variable=host_variable,
    )


def _read_profile(
    env: Mapping[str, str], where: Mapping[str, str]
) -> tuple[list[_Found], list[str]]:
    found: list[_Found] = []
    problems: list[str] = []

    def add(item: _Found | str | None) -> None:
        if isinstance(item, str):
            problems.append(item)
        elif item is not None:
            same = next((f for f in found if f.key() == item.key()), None)
            if same is None:
                found.append(item)
            else:
                same.absorb(item)

    for name, value in env.items():
        if ":" in value:
            add(_from_url(name, value, where.get(name, "")))
    names = {key.upper(): key for key in env}
    for group in _GROUPS:
        add(_from_group(group, env, names, where))
    return found, problems


# --- the compose file ---------------------------------------------------------------------


def _from_compose(service: ComposeService, root: Path) -> _Found:
    env = service.environment
    user = password = database = ""
    if service.kind == "postgres":
        user = env.get("POSTGRES_USER") or env.get("POSTGRESQL_USERNAME") or ""
        password = env.get("POSTGRES_PASSWORD") or env.get("POSTGRESQL_PASSWORD") or ""
        database = env.get("POSTGRES_DB") or env.get("POSTGRESQL_DATABASE") or ""
    elif service.kind == "mysql":
        user = env.get("MYSQL_USER") or env.get("MARIADB_USER") or ""
        password = env.get("MYSQL_PASSWORD") or env.get("MARIADB_PASSWORD") or ""
        database = env.get("MYSQL_DATABASE") or env.get("MARIADB_DATABASE") or ""
    elif service.kind == "redis":
        password = service.password
    return _Found(
        kind=service.kind,
        host="127.0.0.1",
        port=service.port,
        user=user,
        password=password,
        database=database,
        source=f"{_shown(service.file, root)}: service {service.name}",
    )


def _compose_folders(root: Path, profile: Profile | None) -> list[Path]:
    """The app's folder, then the folders above it holding the profile's files
    (full-stack-fastapi-template: the app in ``backend/``, ``.env`` and compose above)."""
    folders = [root]
    resolved = root.resolve()
    for file in profile.files if profile is not None else ():
        folder = file.parent.resolve()
        if folder != resolved and folder in resolved.parents and folder not in folders:
            folders.append(folder)
    return folders


# --- naming and judging -------------------------------------------------------------------


def _why_not_local(item: _Found, compose_names: frozenset[str]) -> str:
    if item.kind not in RUNNABLE_KINDS:
        product = "MariaDB" if item.scheme == "mariadb" else "MySQL"
        return f"asgideck runs PostgreSQL, Redis and a mail catcher; {product} is only listed"
    if item.host not in LOOPBACK_HOSTS:
        if item.host in compose_names:
            return (
                f"host {item.host} is a compose service name, not this machine — point "
                f"{item.host_variable} at 127.0.0.1 to run it here"
            )
        return f"host {item.host} is not this machine"
    if item.scheme in _TLS:
        return (
            f"{item.scheme}:// asks for TLS, which {_PRODUCT[item.kind]} asgideck runs does not "
            f"speak — use {_TLS[item.scheme]}:// in {item.host_variable} to run it here"
        )
    return ""


def _need(item: _Found, name: str, compose_names: frozenset[str]) -> ServiceNeed:
    user, database = item.user, item.database
    if item.kind == "postgres":
        user = user or "postgres"
        database = database or user
    why = _why_not_local(item, compose_names)
    return ServiceNeed(
        kind=item.kind,
        name=name,
        host=item.host,
        port=item.port,
        user=user,
        password=item.password,
        database=database,
        variables=tuple(item.variables),
        source=item.source,
        port_variable=item.port_variable,
        local=not why,
        why_not_local=why,
    )


def _named(items: Sequence[_Found], compose_names: frozenset[str]) -> list[ServiceNeed]:
    counts: dict[str, int] = {}
    needs: list[ServiceNeed] = []
    for item in items:
        counts[item.kind] = counts.get(item.kind, 0) + 1
        count = counts[item.kind]
        needs.append(
            _need(item, item.kind if count == 1 else f"{item.kind}-{count}", compose_names)
        )
    return needs


def _shown(path: Path, root: Path) -> str:
    try:
        return os.path.relpath(path, root.resolve())
    except ValueError:
        return str(path)


def _scan(
    root: Path, profile: str, env: Mapping[str, str] | None
) -> tuple[list[ServiceNeed], list[str]]:
    loaded: Profile | None = None
    if env is None:
        try:
            loaded = load_profile(root, profile)
        except EnvFileError:
            if profile != "default" or list_profiles(root):
                raise
            env = {}  # no env file at all: the compose file alone may name services
        else:
            env = loaded.environ()
    else:
        try:
            loaded = load_profile(root, profile)
        except AsgideckError:
            loaded = None  # a caller's own environment: files only name where a value is
    where: dict[str, str] = {}
    if loaded is not None:
        for key, variable in loaded.variables.items():
            if variable.value == env.get(key):
                where[key] = f" in {_shown(variable.origin.file, root)}"
    found, problems = _read_profile(env, where)
    compose: ComposeScan = scan_compose(_compose_folders(root, loaded), env)
    problems += compose.problems
    kinds = {item.kind for item in found} | _other_kinds(env)
    for service in compose.services:
        if service.kind not in kinds:  # the profile wins: it is where the app connects
            item = _from_compose(service, root)
            found.append(item)
            if not service.published:
                problems.append(
                    f"{service.kind} ({item.source}): publishes no port, so only other "
                    f"compose services reach it, not an app outside docker; asgideck "
                    f"would run it on 127.0.0.1:{service.port}, its port in the container"
                )
    needs = _named(found, compose.names)
    return needs, problems + _mail_tls(needs, env, where)


def _other_kinds(env: Mapping[str, str]) -> set[ServiceKind]:
    """The kinds a role variable gives to something else (``DATABASE_URL=sqlite:///…``:
    no compose PostgreSQL or MySQL; ``CACHE_URL=locmem://``: no compose Redis)."""
    kinds: set[ServiceKind] = set()
    for key, value in env.items():
        roles = _ROLE_VARIABLES.get(key.upper())
        scheme_text, sep, _rest = value.strip().partition(":")
        if roles is None or not sep or not scheme_text:
            continue
        known = SCHEMES.get(scheme_text.lower().partition("+")[0])
        if known is None or known[0] not in roles:
            kinds.update(roles)
    return kinds


def _mail_tls(
    needs: Sequence[ServiceNeed], env: Mapping[str, str], where: Mapping[str, str]
) -> list[str]:
    """A line for each local mail need whose settings ask for TLS/SSL (``SMTP_TLS=True``):
    the catcher speaks plain SMTP, so the app's ``starttls()`` or TLS handshake fails."""
    names = {key.upper(): key for key in env}
    lines = []
    for need in needs:
        if need.kind != "mail" or not need.local:
            continue
        prefixes = {p for p in _MAIL_TLS_FLAGS for v in need.variables if v.upper().startswith(p)}
        for prefix in sorted(prefixes):
            for flag in _MAIL_TLS_FLAGS[prefix]:
                key = names.get(flag)
                if key is not None and env[key].strip().lower() in _TRUE:
                    lines.append(
                        f"{need.label}: the catcher speaks plain SMTP; set {key}=False"
                        f"{where.get(key) or ' in this profile'} to send to it"
                    )
    return lines


def service_needs(
    root: Path, profile: str, env: Mapping[str, str] | None = None
) -> list[ServiceNeed]:
    """The services profile ``profile`` of the app in ``root`` needs (module docstring);
    ``env`` defaults to the profile's variables as the app's loader gives them."""
    return _scan(root, profile, env)[0]


def service_problems(root: Path, profile: str, env: Mapping[str, str] | None = None) -> list[str]:
    """One line per service value that could not be read (``postgres (DATABASE_URL): port
    'abc' is not a port number … in .env``), the password masked; [] when all read."""
    return _scan(root, profile, env)[1]
