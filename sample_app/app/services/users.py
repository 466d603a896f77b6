"""Users: lookup, sign-up, authentication and the demo account."""

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.core.security import DUMMY_HASH, hash_password, verify_password
from app.models import Item, User
from app.schemas.user import UserCreate, UserInDB, UserPublic

# Documented in README.md; seeded on startup so the API can be tried right away.
DEMO_USERNAME = "alice"
DEMO_PASSWORD = "wonderland-demo"

audit_log = logging.getLogger("app.audit")


class UsernameTaken(Exception):
    """Raised when signing up with a username that already exists."""


def get_user(db: Session, username: str) -> UserInDB | None:
    user = db.scalar(select(User).where(User.username == username))
    return UserInDB.model_validate(user, from_attributes=True) if user else None


def list_users(db: Session, q: str | None, skip: int, limit: int) -> list[UserPublic]:
    query = select(User).order_by(User.id).offset(skip).limit(limit)
    if q is not None:
        query = query.where(func.lower(User.username).contains(q.lower(), autoescape=True))
    return [UserPublic.model_validate(user, from_attributes=True) for user in db.scalars(query)]


def count_users(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(User)) or 0


def create_user(db: Session, data: UserCreate) -> UserPublic:
    user = User(
        username=data.username,
        email=data.email,
        full_name=data.full_name,
        hashed_password=hash_password(data.password),
    )
    db.add(user)
    try:
        db.commit()
    except IntegrityError as exc:
        # The unique constraint decides, not a SELECT first: two sign-ups racing for
        # one name both pass a check, only one passes the constraint.
        db.rollback()
        raise UsernameTaken(data.username) from exc
    return UserPublic.model_validate(user, from_attributes=True)


def authenticate(db: Session, username: str, password: str) -> UserInDB | None:
    """The user if the password matches, else None (in constant-ish time)."""
    user = get_user(db, username)
    if user is None:
        verify_password(password, DUMMY_HASH)
        return None
    return user if verify_password(password, user.hashed_password) else None


def record_signup(username: str) -> None:
    """Background task: runs after the sign-up response has been sent."""
    audit_log.info("welcome %s: account created", username)


def seed_demo_data(db: Session) -> None:
    """Create the demo user and two items unless the demo user already exists."""
    if get_user(db, DEMO_USERNAME) is not None:
        return
    alice = User(
        username=DEMO_USERNAME,
        email="alice@example.com",
        full_name="Alice Liddell",
        hashed_password=hash_password(DEMO_PASSWORD),
        items=[
            Item(name="Pocket watch", description="Always five minutes late.", price=42.0),
            Item(name="Tea set", description="For an unbirthday party.", price=18.5),
        ],
    )
    db.add(alice)
    try:
        db.commit()
    except IntegrityError:
        # With several workers starting at once, another one seeded first.
        db.rollback()
