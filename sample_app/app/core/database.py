"""The database behind DATABASE_URL: SQLite or PostgreSQL, one SQLAlchemy engine per app.

`sqlite:///./data/app.db` is a file (relative to the project, created on first use);
`postgresql+psycopg://user:password@host:5432/name` is a PostgreSQL server reached with
psycopg 3. Routes get one `Session` per request from `app.api.deps.get_db`.
"""

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.schema import CreateIndex, CreateTable

from app.core.config import PROJECT_ROOT
from app.models import Base

SQLITE_PREFIX = "sqlite:///"

# Any constant works: it only has to be the same in every worker of this app.
SCHEMA_LOCK_KEY = 0x5A4D_1E00


class DatabaseURLError(ValueError):
    """DATABASE_URL names no database this app can use (the message hides any password)."""


def sqlite_path(database_url: str) -> Path:
    """The database file named by a `sqlite:///` URL.

    `sqlite:///./data/app.db` is relative to the project root (so the app finds the same
    file whatever directory it is started from); `sqlite:////var/lib/app.db` is absolute.
    """
    if not database_url.startswith(SQLITE_PREFIX):
        raise DatabaseURLError(f"DATABASE_URL must start with {SQLITE_PREFIX!r} for SQLite")
    path = Path(database_url.removeprefix(SQLITE_PREFIX))
    return path if path.is_absolute() else PROJECT_ROOT / path


def engine_url(database_url: str) -> URL:
    """DATABASE_URL as SQLAlchemy should connect to it.

    SQLite paths are resolved against the project. A bare `postgresql://` (or Heroku's
    `postgres://`) would make SQLAlchemy look for psycopg2; this app ships psycopg 3,
    so those get the `+psycopg` driver.
    """
    try:
        url = make_url(database_url)
    except ArgumentError:
        raise DatabaseURLError(
            "DATABASE_URL is not a database URL (expected sqlite:///… or postgresql+psycopg://…)"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return url.set(database=str(sqlite_path(database_url)))
    if backend in ("postgresql", "postgres"):
        driver = url.get_driver_name() if "+" in url.drivername else "psycopg"
        return url.set(drivername=f"postgresql+{driver}")
    shown = url.render_as_string(hide_password=True)
    raise DatabaseURLError(f"DATABASE_URL {shown}: only SQLite and PostgreSQL are supported")


def create_db_engine(database_url: str) -> Engine:
    """An engine (a connection pool) for DATABASE_URL; nothing connects until first use."""
    url = engine_url(database_url)
    if url.get_backend_name() != "sqlite":
        # pre_ping: a connection the server dropped (restart, idle timeout) is replaced
        # instead of failing the next request; connect_timeout: an unreachable host
        # fails a request in seconds instead of hanging it.
        return create_engine(url, pool_pre_ping=True, connect_args={"connect_timeout": 10})
    Path(url.database or "").parent.mkdir(parents=True, exist_ok=True)
    # check_same_thread=False: FastAPI may open the session in one threadpool thread and
    # close it in another; each request still has its own connection.
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
    event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(connection: sqlite3.Connection, _record: Any) -> None:
    """SQLite leaves foreign keys off unless every connection turns them on."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def describe(engine: Engine) -> str:
    """Where the engine connects, for messages: never the password."""
    return engine.url.render_as_string(hide_password=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (responses are built from them)."""
    return sessionmaker(engine, expire_on_commit=False)


def create_schema(engine: Engine) -> None:
    """Create the tables and indexes that are missing.

    Safe when several workers start at once: `IF NOT EXISTS` on every statement, and on
    PostgreSQL a transaction-scoped advisory lock, since two concurrent `CREATE TABLE IF
    NOT EXISTS` of the same table can still collide there. (A real project would run
    Alembic migrations before starting the server instead.)
    """
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": SCHEMA_LOCK_KEY})
        for table in Base.metadata.sorted_tables:
            connection.execute(CreateTable(table, if_not_exists=True))
            for index in sorted(table.indexes, key=lambda index: str(index.name)):
                connection.execute(CreateIndex(index, if_not_exists=True))
