"""Users: lookup, sign-up, authentication and the demo account."""

import logging
import sqlite3

from app.core.security import DUMMY_HASH, hash_password, verify_password
from app.schemas.user import UserCreate, UserInDB, UserPublic

# Documented in README.md; seeded on startup so the API can be tried right away.
DEMO_USERNAME = "alice"
DEMO_PASSWORD = "wonderland-demo"

audit_log = logging.getLogger("app.audit")


class UsernameTaken(Exception):
    """Raised when signing up with a username that already exists."""


def get_user(db: sqlite3.Connection, username: str) -> UserInDB | None:
    row = db.execute("SELECT * FROM users WHERE username = ?", (username,)).fetchone()
    return UserInDB.model_validate(dict(row)) if row else None


def list_users(db: sqlite3.Connection, q: str | None, skip: int, limit: int) -> list[UserPublic]:
    rows = db.execute(
        "SELECT id, username, email, full_name, disabled FROM users"
        " WHERE ? IS NULL OR instr(lower(username), lower(?)) > 0"
        " ORDER BY id LIMIT ? OFFSET ?",
        (q, q, limit, skip),
    ).fetchall()
    return [UserPublic.model_validate(dict(row)) for row in rows]


def count_users(db: sqlite3.Connection) -> int:
    count: int = db.execute("SELECT count(*) FROM users").fetchone()[0]
    return count


def create_user(db: sqlite3.Connection, data: UserCreate) -> UserPublic:
    try:
        with db:
            cursor = db.execute(
                "INSERT INTO users (username, email, full_name, hashed_password)"
                " VALUES (?, ?, ?, ?)",
                (data.username, data.email, data.full_name, hash_password(data.password)),
            )
    except sqlite3.IntegrityError as exc:
        raise UsernameTaken(data.username) from exc
    assert cursor.lastrowid is not None
    return UserPublic(id=cursor.lastrowid, **data.model_dump(exclude={"password"}))


def authenticate(db: sqlite3.Connection, username: str, password: str) -> UserInDB | None:
    """The user if the password matches, else None (in constant-ish time)."""
    user = get_user(db, username)
    if user is None:
        verify_password(password, DUMMY_HASH)
        return None
    return user if verify_password(password, user.hashed_password) else None


def record_signup(username: str) -> None:
    """Background task: runs after the sign-up response has been sent."""
    audit_log.info("welcome %s: account created", username)


def seed_demo_data(db: sqlite3.Connection) -> None:
    """Create the demo user and two items unless the demo user already exists."""
    if get_user(db, DEMO_USERNAME) is not None:
        return
    with db:
        # DO NOTHING: with several gunicorn workers, another one may seed first.
        cursor = db.execute(
            "INSERT INTO users (username, email, full_name, hashed_password)"
            " VALUES (?, ?, ?, ?) ON CONFLICT (username) DO NOTHING",
            (DEMO_USERNAME, "alice@example.com", "Alice Liddell", hash_password(DEMO_PASSWORD)),
        )
        if cursor.rowcount == 0:
            return
        db.executemany(
            "INSERT INTO items (name, description, price, owner_id) VALUES (?, ?, ?, ?)",
            [
                ("Pocket watch", "Always five minutes late.", 42.0, cursor.lastrowid),
                ("Tea set", "For an unbirthday party.", 18.5, cursor.lastrowid),
            ],
        )
