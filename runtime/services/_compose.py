"""The services a project's compose file runs next to its app (a ``postgres:17`` image
published on ``5432``), for the kinds the profile does not name itself.

Read the way ``docker compose`` reads them: the first of ``compose.yaml``,
``compose.yml``, ``docker-compose.yaml``, ``docker-compose.yml`` in a folder, with its
``*.override.*`` file merged on top (full-stack-fastapi-template publishes its
database's port only there); ``${VAR}`` / ``${VAR:-default}`` / ``${VAR?error}``
resolved against the profile (compose reads the ``.env`` beside it the same way);
``environment`` over ``env_file``. Nothing is run: this is only read.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.profiles import read_env_file
from asgideck.runtime.services._types import ServiceKind

__all__ = [
    "COMPOSE_NAMES",
    "ComposeScan",
    "ComposeService",
    "compose_file",
    "image_kind",
    "scan_compose",
]

#: Docker compose's own order: the first that exists is the project's compose file.
COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml")

#: The port each kind listens on inside its container (mail catchers take SMTP on 1025).
CONTAINER_PORTS: Mapping[ServiceKind, int] = {
    "postgres": 5432,
    "redis": 6379,
    "mysql": 3306,
    "mail": 1025,
}

#: Image names (the last path part, before the tag) per kind: official images, their
#: forks and the mail catchers that accept SMTP for a developer.
_IMAGE_PREFIXES: tuple[tuple[str, ServiceKind], ...] = (
    ("postgres", "postgres"),  # postgres, postgresql (bitnami), postgres-alpine
    ("postgis", "postgres"),
    ("timescaledb", "postgres"),
    ("redis", "redis"),  # redis, redis-stack-server
    ("valkey", "redis"),
    ("mysql", "mysql"),
    ("mariadb", "mysql"),
    ("mailpit", "mail"),
    ("mailhog", "mail"),
    ("mailcatcher", "mail"),
    ("maildev", "mail"),
    ("smtp4dev", "mail"),
)
_MAX_COMPOSE_BYTES = 1 << 20
#: smtp4dev listens for SMTP on 25 in its container, the others on 1025
_MAIL_PORTS = {"smtp4dev": 25}

_VARIABLE = re.compile(
    r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)"
    r"|\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\})"
)


@dataclass(frozen=True)
class ComposeService:
    """One compose service whose image asgideck knows, with what it publishes."""

    file: Path
    name: str
    image: str
    kind: ServiceKind
    #: the host port its service port is published on; the container port when unpublished
    port: int
    environment: Mapping[str, str] = field(default_factory=dict)
    #: ``--requirepass`` from a redis ``command``
    password: str = field(default="", repr=False)
    #: whether ``ports:`` publishes its service port (unpublished: only other compose
    #: services reach it, an app outside docker does not)
    published: bool = True


@dataclass(frozen=True)
class ComposeScan:
    """The known services, every service's name (an app host ``db`` is one), and what
    could not be read (one line each)."""

    services: tuple[ComposeService, ...] = ()
    names: frozenset[str] = frozenset()
    problems: tuple[str, ...] = ()


def compose_file(folder: Path) -> Path | None:
    """The compose file ``docker compose`` would read in ``folder``, if any."""
    return next((folder / n for n in COMPOSE_NAMES if (folder / n).is_file()), None)


def _override(path: Path) -> Path | None:
    stem, _, suffix = path.name.rpartition(".")
    candidate = path.with_name(f"{stem}.override.{suffix}")
    return candidate if candidate.is_file() else None


def image_kind(image: str) -> tuple[ServiceKind, int] | None:
    """``("postgres", 5432)`` for ``bitnami/postgresql:16``; None for an image asgideck
    does not run or list (``adminer``, the app's own build)."""
    last = image.rsplit("/", 1)[-1].split("@", 1)[0].split(":", 1)[0].lower()
    for prefix, kind in _IMAGE_PREFIXES:
        if last.startswith(prefix):
            return kind, _MAIL_PORTS.get(last, CONTAINER_PORTS[kind])
    return None


def interpolate(text: str, env: Mapping[str, str]) -> str:
    """``text`` with compose's ``$VAR``, ``${VAR}``, ``${VAR:-default}`` … resolved from
    ``env`` (an unset variable without a default is empty, as compose warns and does)."""

    def one(match: re.Match[str]) -> str:
        if match["escaped"]:
            return "$"
        name = match["bare"] or match["name"]
        value = env.get(name)
        op, arg = match["op"], match["arg"] or ""
        if op in (":-", "-"):
            missing = value is None or (op == ":-" and value == "")
            return arg if missing else (value or "")
        if op in (":+", "+"):
            present = value is not None and (op == "+" or value != "")
            return arg if present else ""
        return value or ""

    return _VARIABLE.sub(one, text)


def _load(path: Path) -> dict[str, Any]:
    # PyYAML ships no type hints (as in openapi._parse): reached through Any
    yaml: Any = importlib.import_module("yaml")
    try:
        if path.stat().st_size > _MAX_COMPOSE_BYTES:
            raise AsgideckError(f"{path}: over {_MAX_COMPOSE_BYTES >> 20} MiB; not read")
        data = yaml.load(path.read_bytes(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except OSError as exc:
        raise AsgideckError(f"{path}: cannot read ({exc.strerror or exc})") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise AsgideckError(f"{path}: not valid YAML ({first})") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise AsgideckError(f"{path}: not a compose file (a mapping of services expected)")
    services = data.get("services") or {}
    if not isinstance(services, dict):
        raise AsgideckError(f"{path}: `services` is not a mapping")
    return {str(k): v for k, v in services.items() if isinstance(v, dict)}


def _merged(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Compose's merge, for the keys read here: scalars replaced, ``ports`` appended,
    ``environment`` merged by name."""
    out = dict(base)
    for name, extra in override.items():
        service = dict(out.get(name) or {})
        for key, value in extra.items():
            if key == "ports":
                service["ports"] = [*(service.get("ports") or []), *(value or [])]
            elif key == "environment":
                # merged as written: resolved once, with the profile, when read
                service["environment"] = {**_pairs(service.get("environment")), **_pairs(value)}
            else:
                service[key] = value
        out[name] = service
    return out


def _pairs(value: object) -> dict[str, str]:
    """A service's ``environment`` as written: a list of ``NAME=value`` or a mapping."""
    if isinstance(value, dict):
        return {str(k): "" if v is None else str(v) for k, v in value.items()}
    pairs: dict[str, str] = {}
    for item in value if isinstance(value, list) else []:
        name, sep, text = str(item).partition("=")
        if sep:
            pairs[name.strip()] = text
    return pairs


def _environment(value: object, env: Mapping[str, str]) -> dict[str, str]:
    """A service's ``environment``, its ``${VAR}`` resolved from ``env``."""
    return {name: interpolate(text, env) for name, text in _pairs(value).items()}


def _env_files(value: object, folder: Path, env: Mapping[str, str]) -> dict[str, str]:
    """What a service's ``env_file`` entries set (later files win); a missing file is
    skipped, as compose does for ``required: false`` (and asgideck only reads)."""
    items = value if isinstance(value, list) else [value] if value else []
    found: dict[str, str] = {}
    for item in items:
        path = item.get("path") if isinstance(item, dict) else item
        if not isinstance(path, str):
            continue
        file = folder / interpolate(path, env)
        if not file.is_file():
            continue
        try:
            entries = read_env_file(file).entries
        except AsgideckError:
            continue
        for entry in entries:
            if entry.value is not None:
                found[entry.key] = interpolate(entry.value, {**env, **found})
    return found


def _published(ports: object, target: int, env: Mapping[str, str]) -> int | None:
    """The host port ``target`` is published on (``"6380:6379"``, ``"127.0.0.1:5433:5432"``,
    ``{target: 5432, published: 5433}``); None when it is not published."""
    for item in ports if isinstance(ports, list) else []:
        if isinstance(item, dict):
            if _int(item.get("target")) == target:
                published = _int(interpolate(str(item.get("published", "")), env))
                return published or target
            continue
        text = interpolate(str(item), env).split("/", 1)[0]
        parts = text.rsplit(":", 2)
        if _int(parts[-1]) != target:
            continue
        if len(parts) == 1:
            return target  # container port only: compose picks a free host port
        return _int(parts[-2]) or target
    return None


def _int(value: object) -> int | None:
    try:
        port = int(str(value).strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


def _requirepass(command: object) -> str:
    words: Sequence[str]
    if isinstance(command, list):
        words = [str(w) for w in command]
    elif isinstance(command, str):
        try:
            words = shlex.split(command)
        except ValueError:
            return ""
    else:
        return ""
    for index, word in enumerate(words[:-1]):
        if word == "--requirepass":
            return words[index + 1]
    return ""


def scan_compose(folders: Sequence[Path], env: Mapping[str, str]) -> ComposeScan:
    """The compose services of the first folder with a compose file (see module docstring)."""
    for folder in folders:
        path = compose_file(folder)
        if path is None:
            continue
        try:
            services = _load(path)
            defined = dict.fromkeys(services, path)
            override = _override(path)
            if override is not None:
                extra = _load(override)
                # a service's source is the file that names its image
                defined.update({n: override for n, s in extra.items() if "image" in s})
                defined.update({n: override for n in extra if n not in defined})
                services = _merged(services, extra)
        except AsgideckError as exc:
            return ComposeScan(problems=(str(exc),))
        # compose resolves ${VAR} from the .env beside it; the profile is that file here
        resolve = {**_dotenv_beside(folder), **env}
        found = [
            service
            for name, spec in services.items()
            if (service := _service(defined[name], name, spec, resolve)) is not None
        ]
        return ComposeScan(tuple(found), frozenset(services))
    return ComposeScan()


def _dotenv_beside(folder: Path) -> dict[str, str]:
    file = folder / ".env"
    if not file.is_file():
        return {}
    try:
        return {e.key: e.value for e in read_env_file(file).entries if e.value is not None}
    except AsgideckError:
        return {}


def _service(
    path: Path, name: str, spec: Mapping[str, Any], env: Mapping[str, str]
) -> ComposeService | None:
    image = interpolate(str(spec.get("image") or ""), env)
    known = image_kind(image) if image else None
    if known is None:
        return None
    kind, container_port = known
    environment = _env_files(spec.get("env_file"), path.parent, env)  # compose: relative
    # to the project folder, which holds the override file too
    environment.update(_environment(spec.get("environment"), env))
    # unpublished: the container's port (the app reaches it by the service's name there)
    published = _published(spec.get("ports"), container_port, env)
    port = published or container_port
    password = ""
    if kind == "redis":
        command = spec.get("command")
        if isinstance(command, list):
            password = _requirepass([interpolate(str(word), env) for word in command])
        elif isinstance(command, str):
            password = _requirepass(interpolate(command, env))
        password = password or environment.get("REDIS_PASSWORD", "")
    return ComposeService(
        path, name, image, kind, port, environment, password, published=published is not None
    )


def shown_path(path: Path, root: Path) -> str:
    """``compose.yml`` or ``../compose.yml``: a compose file as seen from the app's folder."""
    try:
        return os.path.relpath(path, root)
    except ValueError:
        return str(path)
