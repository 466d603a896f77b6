"""Redis as a local service: ``redis-server`` in the foreground on the profile's loopback
port, its snapshot in the data folder, ready when it answers PING with the profile's
credentials.

The password goes into a 0600 config file in the data folder (written fresh on every
start, so the profile is always what the server asks for), never into argv, where
``ps`` would show it to every user of the machine.
"""

from __future__ import annotations

import os
import signal
from functools import cache
from pathlib import Path
from typing import Any, ClassVar

from asgideck.runtime.services._binaries import find_program, listen_host
from asgideck.runtime.services._errors import CredentialsRejected, NotReady, ServiceError
from asgideck.runtime.services._types import ServiceKind, ServiceNeed

__all__ = ["RedisEngine", "config_file"]

_DEFAULT_USER = "default"


def config_file(data_dir: Path) -> Path:
    """The config the server reads first (credentials only; the rest is in argv)."""
    return data_dir / "redis.conf"


class RedisEngine:
    """The ``Engine`` for ``redis`` needs."""

    kind: ServiceKind = "redis"
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM

    def run_as(self) -> str | None:
        return None

    def check_installed(self, need: ServiceNeed) -> None:
        find_program("redis-server", "redis", need)

    def prepare(self, need: ServiceNeed, data_dir: Path) -> None:
        data_dir.mkdir(parents=True, exist_ok=True)
        data_dir.chmod(0o700)
        _write_config(need, data_dir)

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        """The command line; (re)writes the config file it names, so the password the
        server asks for is always the profile's."""
        _write_config(need, data_dir)
        server = find_program("redis-server", "redis", need)
        return [
            str(server),
            str(config_file(data_dir)),
            "--port",
            str(need.port),
            "--bind",
            listen_host(need.host),
            "--dir",
            str(data_dir),
            "--save",
            "60 1",
            "--appendonly",
            "no",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
        ]

    def ready(self, need: ServiceNeed, data_dir: Path, timeout: float) -> None:
        import redis  # ~0.2 s to import: only when a Redis is run
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        client = redis.Redis(
            host=listen_host(need.host),
            port=need.port,
            username=need.user or None,
            password=need.password or None,
            db=_db_index(need),
            socket_timeout=timeout,
            socket_connect_timeout=timeout,
            retry=Retry(NoBackoff(), 0),  # one attempt: the lifecycle loops, not redis-py
            **_no_client_info(),
        )
        try:
            client.ping()
        except redis.AuthenticationError as exc:
            raise _rejected(need, exc) from None
        except redis.ResponseError as exc:
            if "AUTH" in str(exc) or "password" in str(exc):
                raise _rejected(need, exc) from None
            if "DB index" in str(exc):  # waiting will not help: the profile asks too much
                raise ServiceError(
                    f"{need.label}: database {need.database} is out of Redis' range ({exc})",
                    service=need.name,
                    variables=need.variables,
                ) from None
            raise NotReady(f"{need.label}: {exc}", service=need.name) from None
        except redis.RedisError as exc:  # refused, timed out, still loading its snapshot
            raise NotReady(f"{need.label}: {exc}", service=need.name) from None
        finally:
            client.close()

    def first_ready(self, need: ServiceNeed, data_dir: Path) -> bool:
        """Nothing to create: the check that just passed still holds."""
        return False

    def shell(self, need: ServiceNeed) -> tuple[list[str], dict[str, str]]:
        try:
            cli = str(find_program("redis-cli", "redis", need))
        except ServiceError:
            cli = "redis-cli"
        argv = [cli, "-h", listen_host(need.host), "-p", str(need.port)]
        if need.user and need.user != _DEFAULT_USER:
            argv += ["--user", need.user]
        if _db_index(need):
            argv += ["-n", str(_db_index(need))]
        return argv, ({"REDISCLI_AUTH": need.password} if need.password else {})


def _rejected(need: ServiceNeed, exc: Exception) -> CredentialsRejected:
    """Refused credentials (the server's words hold no password)."""
    said = str(exc).strip().rstrip(".") or "authentication failed"
    return CredentialsRejected(
        f"{need.label}: the Redis on {listen_host(need.host)}:{need.port} refuses the "
        f"profile's credentials ({said}); a Redis started with another password is "
        "still running: stop it and start again",
        service=need.name,
        variables=need.variables,
    )


@cache
def _no_client_info() -> dict[str, Any]:
    """No ``CLIENT SETINFO`` after connecting: two round trips per check, and a package
    metadata lookup per client (redis-py 5-7 know ``lib_name``/``lib_version``, later
    ones ``driver_info``, and warn about the older two)."""
    try:
        import redis.driver_info  # noqa: F401
    except ImportError:
        return {"lib_name": None, "lib_version": None}
    return {"driver_info": None}


def _db_index(need: ServiceNeed) -> int:
    try:
        return int(need.database or 0)
    except ValueError:
        return 0


def _write_config(need: ServiceNeed, data_dir: Path) -> None:
    """The credentials, as ``redis.conf`` lines, in a file only we may read."""
    lines = ["# written by asgideck on every start from the profile: edits are lost"]
    if need.password:
        lines.append(f"requirepass {_quote(need.password)}")
        if need.user and need.user != _DEFAULT_USER:
            rule = _quote(">" + need.password)
            lines.append(f"user {_quote(need.user)} on {rule} ~* &* +@all")
    path = config_file(data_dir)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if hasattr(os, "fchmod"):  # an older file may have had another mode
            os.fchmod(fd, 0o600)
        os.write(fd, ("\n".join(lines) + "\n").encode("utf-8"))
    finally:
        os.close(fd)


def _quote(value: str) -> str:
    """A redis.conf argument: double-quoted, with the escapes its parser reads back."""
    out = []
    for ch in value:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch.isprintable() and ord(ch) < 128:
            out.append(ch)
        else:
            out.extend(f"\\x{byte:02x}" for byte in ch.encode("utf-8"))
    return '"' + "".join(out) + '"'
