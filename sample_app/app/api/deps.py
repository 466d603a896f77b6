"""Dependencies shared by the routes: query parameters, database, current user."""

import sqlite3
from collections.abc import Iterator
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Query, status
from fastapi.security import OAuth2PasswordBearer

from app.core import database
from app.core.config import Settings, get_settings
from app.core.security import decode_access_token
from app.schemas.user import UserInDB
from app.services import users

SettingsDep = Annotated[Settings, Depends(get_settings)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")


def common_parameters(
    q: Annotated[str | None, Query(max_length=50)] = None,
    skip: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    """Search and paging parameters as a plain dict (function dependency)."""
    return {"q": q, "skip": skip, "limit": limit}


class CommonQueryParams:
    """The same parameters as a class: `Depends()` calls it and hands over the instance."""

    def __init__(
        self,
        q: Annotated[str | None, Query(max_length=50)] = None,
        skip: Annotated[int, Query(ge=0)] = 0,
        limit: Annotated[int, Query(ge=1, le=100)] = 20,
    ) -> None:
        self.q = q
        self.skip = skip
        self.limit = limit


def get_db(settings: SettingsDep) -> Iterator[sqlite3.Connection]:
    """One connection per request, closed once the response is done."""
    connection = database.connect(settings.database_url)
    try:
        yield connection
    finally:
        connection.close()


DbDep = Annotated[sqlite3.Connection, Depends(get_db)]


def get_current_user(
    token: Annotated[str, Depends(oauth2_scheme)], db: DbDep, settings: SettingsDep
) -> UserInDB:
    """The user named by the bearer token; 401 if the token or the user is not valid."""
    unauthorized = HTTPException(
        status_code=status.HTTP_401_UNAUTHORIZED,
        detail="Could not validate credentials",
        headers={"WWW-Authenticate": "Bearer"},
    )
    try:
        username = decode_access_token(token, settings)
    except jwt.InvalidTokenError:
        raise unauthorized from None
    user = users.get_user(db, username)
    if user is None:
        raise unauthorized
    return user


def get_current_active_user(
    current_user: Annotated[UserInDB, Depends(get_current_user)],
) -> UserInDB:
    """Builds on `get_current_user`: a disabled account gets a 400."""
    if current_user.disabled:
        raise HTTPException(status_code=status.HTTP_400_BAD_REQUEST, detail="Inactive user")
    return current_user


CurrentUser = Annotated[UserInDB, Depends(get_current_active_user)]
