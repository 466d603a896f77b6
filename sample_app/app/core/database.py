"""SQLite persistence with the standard library: where the file lives, connections, schema."""

import sqlite3
from pathlib import Path

from app.core.config import PROJECT_ROOT

SQLITE_PREFIX = "sqlite:///"

SCHEMA = """
CREATE TABLE IF NOT EXISTS users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    username TEXT NOT NULL UNIQUE,
    email TEXT NOT NULL,
    full_name TEXT,
    hashed_password TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS items (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT,
    price REAL NOT NULL,
    owner_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE
);
"""


def sqlite_path(database_url: str) -> Path:
    """The database file named by a `sqlite:///` URL.

    `sqlite:///./data/app.db` is relative to the project root (so the app finds the same
    file whatever directory it is started from); `sqlite:////var/lib/app.db` is absolute.
    """
    if not database_url.startswith(SQLITE_PREFIX):
        raise ValueError(f"DATABASE_URL must start with {SQLITE_PREFIX!r}, got {database_url!r}")
    path = Path(database_url.removeprefix(SQLITE_PREFIX))
    return path if path.is_absolute() else PROJECT_ROOT / path


def connect(database_url: str) -> sqlite3.Connection:
    """Open the database, creating its directory on first use.

    `check_same_thread=False` because FastAPI may open the connection in one threadpool
    thread and use it in another; each request still uses its own connection.
    """
    path = sqlite_path(database_url)
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, timeout=10, check_same_thread=False)
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA foreign_keys = ON")
    return connection


def create_schema(connection: sqlite3.Connection) -> None:
    """Create the tables if they are missing (safe to run from several workers at once)."""
    connection.executescript(SCHEMA)
