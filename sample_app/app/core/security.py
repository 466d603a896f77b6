"""Password hashing (pwdlib, Argon2) and JWT access tokens (PyJWT)."""

from datetime import UTC, datetime, timedelta

import jwt
from pwdlib import PasswordHash

from app.core.config import Settings

password_hash = PasswordHash.recommended()

# Verified against when a username is unknown, so a login takes as long either way
# and response times do not reveal which usernames exist.
DUMMY_HASH = password_hash.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, hashed: str) -> bool:
    return password_hash.verify(password, hashed)


def create_access_token(
    subject: str, settings: Settings, expires_delta: timedelta | None = None
) -> str:
    """A signed token for `subject` that expires after the configured lifetime."""
    if expires_delta is None:
        expires_delta = timedelta(minutes=settings.access_token_expire_minutes)
    claims = {"sub": subject, "exp": datetime.now(UTC) + expires_delta}
    return jwt.encode(
        claims, settings.secret_key.get_secret_value(), algorithm=settings.jwt_algorithm
    )


def decode_access_token(token: str, settings: Settings) -> str:
    """The token's subject; raises `jwt.InvalidTokenError` if it is forged, expired or malformed."""
    claims = jwt.decode(
        token,
        settings.secret_key.get_secret_value(),
        algorithms=[settings.jwt_algorithm],
        options={"require": ["exp", "sub"]},
    )
    subject = claims["sub"]
    if not isinstance(subject, str) or not subject:
        raise jwt.InvalidTokenError("token subject must be a non-empty string")
    return subject
