"""Which services a profile points at, and whether they accept connections.

Before a start the supervisor checks every service the profile names (in parallel,
short timeouts, on its own thread: the start never waits on it) so that an app
that then hangs or fails at startup can be told apart from one whose database or
broker is simply down — and the user reads *which variable* points at it.

What counts as a service:

- ``*_URL`` / ``*_DSN`` / ``*_URI`` values with a service scheme (``postgresql+asyncpg://``,
  ``redis://``, ``amqp://``, ``nats://``, ``kafka://``, ``smtp://``, ``mysql://``,
  ``mongodb://`` …); the port defaults by scheme. http(s) URLs are not services
  (they are often remote APIs, and checking them would reach the network);
- ``X_HOST`` (or ``X_SERVER``, as full-stack-fastapi-template's ``POSTGRES_SERVER``)
  with ``X_PORT``, or with a default port when ``X`` names a known service
  (``POSTGRES_HOST`` -> 5432, ``REDIS_HOST`` -> 6379, ``SMTP_HOST`` -> 25 …).
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["ServiceCheck", "ServiceTarget", "check_services", "describe_down", "service_targets"]

#: Default port per URL scheme (the part before ``+driver``).
SCHEME_PORTS: Mapping[str, int] = {
    "postgres": 5432,
    "postgresql": 5432,
    "mysql": 3306,
    "mariadb": 3306,
    "redis": 6379,
    "rediss": 6380,
    "amqp": 5672,
    "amqps": 5671,
    "nats": 4222,
    "tls": 4222,
    "kafka": 9092,
    "smtp": 25,
    "smtps": 465,
    "mongodb": 27017,
    "memcached": 11211,
}

#: Default port per ``X_HOST`` prefix (the last word of X, e.g. ``APP_REDIS_HOST`` -> redis).
PREFIX_PORTS: Mapping[str, int] = {
    "postgres": 5432,
    "postgresql": 5432,
    "pg": 5432,
    "db": 5432,
    "database": 5432,
    "mysql": 3306,
    "redis": 6379,
    "rabbitmq": 5672,
    "rabbit": 5672,
    "amqp": 5672,
    "broker": 5672,
    "nats": 4222,
    "kafka": 9092,
    "smtp": 25,
    "mail": 25,
    "email": 25,
    "mongo": 27017,
    "mongodb": 27017,
}

_URL_SUFFIXES = ("_URL", "_DSN", "_URI")
#: ``X_HOST`` prefixes that name where the app itself listens, not a service it uses.
_OWN_BIND = frozenset(
    {"app", "api", "server", "web", "http", "uvicorn", "gunicorn", "bind", "backend", "frontend"}
)
_HOST_SUFFIXES = ("_HOST", "_SERVER")


@dataclass(frozen=True)
class ServiceTarget:
    """One service the profile points at: the variable(s) and where they point."""

    variable: str  # e.g. "BROKER_URL" or "POSTGRES_SERVER/POSTGRES_PORT"
    host: str
    port: int
    kind: str  # scheme or prefix, e.g. "amqp", "postgres"

    @property
    def address(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{host}:{self.port}"


@dataclass(frozen=True)
class ServiceCheck:
    target: ServiceTarget
    up: bool
    reason: str = ""  # why not (e.g. "Connection refused", "timed out after 1 s")

    def describe(self) -> str:
        t = self.target
        state = "accepts connections" if self.up else f"not accepting connections ({self.reason})"
        return f"{t.variable} ({t.kind} at {t.address}) {state}"


def service_targets(env: Mapping[str, str]) -> list[ServiceTarget]:
    """Every service ``env`` points at (see the module docstring), in variable order."""
    found: list[ServiceTarget] = []
    for name, value in env.items():
        upper = name.upper()
        if upper.endswith(_URL_SUFFIXES):
            target = _from_url(name, value)
            if target is not None:
                found.append(target)
    for name, value in env.items():
        upper = name.upper()
        suffix = next((s for s in _HOST_SUFFIXES if upper.endswith(s)), None)
        if suffix is None or not value.strip() or "://" in value:
            continue
        prefix = name[: -len(suffix)]
        port_name = next((k for k in env if k.upper() == f"{prefix.upper()}_PORT"), None)
        kind = prefix.rsplit("_", 1)[-1].lower()
        port = _port(env[port_name]) if port_name else PREFIX_PORTS.get(kind)
        host = value.strip().split(",")[0].strip()
        if port is None or kind in _OWN_BIND or host in ("0.0.0.0", "::", "*"):
            continue  # no port, or the app's own bind address (APP_HOST, SERVER_HOST …)
        variable = f"{name}/{port_name}" if port_name else name
        target = ServiceTarget(variable, host, port, kind if kind in PREFIX_PORTS else "tcp")
        if not any((t.host, t.port) == (target.host, target.port) for t in found):
            found.append(target)
    return found


def _from_url(name: str, value: str) -> ServiceTarget | None:
    value = value.strip()
    if "://" not in value:
        return None
    try:
        parts = urlsplit(value)
        scheme = parts.scheme.lower().split("+", 1)[0]
        if scheme not in SCHEME_PORTS:
            return None
        host = parts.hostname
        port = parts.port or SCHEME_PORTS[scheme]
    except ValueError:
        return None
    if not host:
        return None
    return ServiceTarget(name, host, port, scheme)


def _port(text: str) -> int | None:
    try:
        port = int(text.strip().split("#", 1)[0].strip())
    except ValueError:
        return None
    return port if 1 <= port <= 65535 else None


Connector = Callable[[str, int, float], None]


def _connect(host: str, port: int, timeout: float) -> None:
    with socket.create_connection((host, port), timeout=timeout):
        pass


def check_services(
    targets: Iterable[ServiceTarget], timeout: float = 1.0, *, connect: Connector = _connect
) -> list[ServiceCheck]:
    """Try each target at once (a thread each); returns within about ``timeout`` seconds.

    A target whose name does not resolve, or that neither accepts nor refuses within
    ``timeout``, counts as down with that reason.
    """
    targets = list(targets)
    results: dict[int, ServiceCheck] = {}
    lock = threading.Lock()

    def one(index: int, target: ServiceTarget) -> None:
        try:
            connect(target.host, target.port, timeout)
        except TimeoutError:
            check = ServiceCheck(target, False, f"no answer within {timeout:g} s")
        except OSError as exc:
            check = ServiceCheck(target, False, exc.strerror or str(exc))
        else:
            check = ServiceCheck(target, True)
        with lock:
            results[index] = check

    threads = [
        threading.Thread(target=one, args=(i, t), name="asgideck-service-check", daemon=True)
        for i, t in enumerate(targets)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout + 1.0)  # DNS may take longer: such a target is reported below
    with lock:
        return [
            results.get(i, ServiceCheck(t, False, "no answer (name lookup still running)"))
            for i, t in enumerate(targets)
        ]


def describe_down(checks: Iterable[ServiceCheck]) -> str:
    """``"BROKER_URL (amqp at 127.0.0.1:5672)"``, joined; "" when every service is up."""
    down = [c.target for c in checks if not c.up]
    return ", ".join(f"{t.variable} ({t.kind} at {t.address})" for t in down)
