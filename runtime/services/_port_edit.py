"""Write a service's new port into the profile (the user agreed to move it off a taken
port), changing only the digits: the rest of each file stays byte for byte.

Every variable of the need that carries the port is changed — ``REDIS_URL`` and
``CELERY_BROKER_URL`` both, ``DATABASE_URL`` and ``POSTGRES_PORT`` both — in the file
each one's value comes from; a URL written as ``…@${POSTGRES_SERVER}:${POSTGRES_PORT}/…``
changes ``POSTGRES_PORT``. Nothing is written unless every edit can be made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.profiles import (
    DOTENV,
    Expect,
    Profile,
    edit_target,
    load_profile,
    read_env_file,
    set_value,
)
from asgideck.runtime.services._errors import ServiceError
from asgideck.runtime.services._types import ServiceNeed

__all__ = ["write_port"]

_LITERAL_PORT = re.compile(r":(\d+)$")
_REFERENCED_PORT = re.compile(
    r":\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?::?-[^}]*)?\}|([A-Za-z_][A-Za-z0-9_]*))$"
)


@dataclass(frozen=True)
class _Edit:
    file: Path
    key: str
    old: str | Expect | None
    new: str


def _refuse(need: ServiceNeed, reason: str) -> ServiceError:
    return ServiceError(
        f"{need.label}: {reason}; the port was not written",
        service=need.name,
        variables=need.variables,
    )


def _url_port(raw: str, port: int) -> tuple[str, str]:
    """``("value", new raw)`` with the URL's port replaced (or added after the host), or
    ``("variable", NAME)`` when the port is written as ``${NAME}``; ``("", "")`` when
    the port cannot be told in the text as written."""
    start = raw.find("://")
    if start < 0:
        return "", ""
    start += 3
    end = next((i for i in range(start, len(raw)) if raw[i] in "/?#"), len(raw))
    at = raw.rfind("@", start, end)
    hostport_start = at + 1 if at >= 0 else start
    hostport = raw[hostport_start:end]
    if (literal := _LITERAL_PORT.search(hostport)) is not None:
        digits = hostport_start + literal.start(1)
        return "value", raw[:digits] + str(port) + raw[end:]
    if (referenced := _REFERENCED_PORT.search(hostport)) is not None:
        return "variable", referenced[1] or referenced[2]
    if "$" in hostport or not hostport:
        return "", ""
    return "value", f"{raw[:end]}:{port}{raw[end:]}"


def _is_port(value: str | None) -> bool:
    return value is not None and value.strip().isdigit()


def _plan(profile: Profile, need: ServiceNeed, port: int) -> list[_Edit]:
    edits: dict[tuple[Path, str], _Edit] = {}
    files = ", ".join(p.name for p in profile.files) or str(profile.own_file.name)
    read: dict[Path, dict[str, str | None]] = {}

    def written(file: Path, key: str) -> str | None:
        """``key``'s value in ``file`` as python-dotenv reads it, which is what ``set_value``
        edits (a starlette-read value would carry its inline ``# comment``)."""
        if file not in read:
            read[file] = {e.key: e.value for e in read_env_file(file).entries}
        return read[file].get(key)

    def add(file: Path, key: str, old: str | None, new: str) -> None:
        edits.setdefault((file, key), _Edit(file, key, old, new))

    def port_variable(key: str, via: str) -> None:
        variable = profile.variables.get(key)
        if variable is None or not _is_port(variable.value):
            held = "is not in any file of" if variable is None else "is not a plain port in"
            raise _refuse(
                need, f"{key} (the port in {via}) {held} profile {profile.name!r} ({files})"
            )
        file = variable.origin.file
        add(file, key, written(file, key), str(port))

    ordered = list(dict.fromkeys([need.port_variable, *need.variables]))
    for key in ordered:
        variable = profile.variables.get(key)
        if variable is None:
            # a host without a port variable (SMTP_HOST alone): add one beside the host
            host = need.variables[0] if need.variables else ""
            if (
                key == need.port_variable
                and key not in need.variables
                and host in profile.variables
            ):
                file = edit_target(profile, host)
                edits[(file, key)] = _Edit(file, key, Expect.ABSENT, str(port))
                continue
            raise _refuse(need, f"{key} is not in any file of profile {profile.name!r} ({files})")
        value = variable.value or ""
        file = variable.origin.file
        if "://" in value:
            raw = written(file, key)
            how, result = _url_port(raw or "", port)
            if how == "value":
                add(file, key, raw, result)
            elif how == "variable":
                port_variable(result, key)
            else:
                raise _refuse(need, f"cannot tell the port in {key} as written in {file.name}")
        elif key == need.port_variable or (key.upper().endswith("PORT") and _is_port(value)):
            # the group's port variable (also when empty: the default port was used)
            add(file, key, written(file, key), str(port))
        # else: a host variable (POSTGRES_SERVER): it does not carry the port
    if not edits:
        raise _refuse(need, f"none of {', '.join(ordered)} holds its port")
    return list(edits.values())


def write_port(root: Path, profile: str, need: ServiceNeed, port: int) -> Path:
    """Write ``port`` into every variable of ``need`` that carries its port (module
    docstring) and return the file of ``need.port_variable`` (the first one edited).

    Refused with :class:`ServiceError` naming the variable and the profile's files when
    a variable is in none of them (a compose service, an environment given by a caller).
    """
    if not 1 <= port <= 65535:
        raise _refuse(need, f"{port} is not a port number (1-65535)")
    if not need.port_variable:
        raise _refuse(
            need,
            f"its port is set in {need.source}, not by a variable of profile {profile!r}; "
            "change it there",
        )
    loaded = load_profile(root, profile)
    edits = _plan(loaded, need, port)
    for edit in edits:
        set_value(edit.file, edit.key, edit.new, expected=edit.old, dialect=DOTENV)
    return edits[0].file
