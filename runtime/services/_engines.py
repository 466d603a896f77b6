"""Which engine runs which kind of service, imported only when one is needed (listing a
profile's needs never loads psycopg or redis)."""

from __future__ import annotations

import importlib
import signal

from asgideck.runtime.services._errors import Unsupported
from asgideck.runtime.services._types import Engine, ServiceKind

__all__ = ["engine_for", "stop_signal"]

#: kind -> (module, class) of its engine
_ENGINES: dict[str, tuple[str, str]] = {
    "postgres": ("asgideck.runtime.services._postgres", "PostgresEngine"),
    "redis": ("asgideck.runtime.services._redis", "RedisEngine"),
    "mail": ("asgideck.runtime.services._mail", "MailEngine"),
}


def engine_for(kind: ServiceKind) -> Engine:
    """A fresh engine for ``kind``; ``Unsupported`` for a kind asgideck only lists."""
    where = _ENGINES.get(kind)
    if where is None:
        raise Unsupported(f"{kind}: asgideck runs PostgreSQL, Redis and a mail catcher only")
    module = importlib.import_module(where[0])
    engine: Engine = getattr(module, where[1])()
    return engine


def stop_signal(engine: Engine) -> int:
    """The engine's first stop signal (``stop_signal``, SIGINT for Postgres), else SIGTERM."""
    value = getattr(engine, "stop_signal", signal.SIGTERM)
    return int(value)
