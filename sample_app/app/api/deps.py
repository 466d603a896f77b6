"""Dependencies shared by the routes: query parameters, database, cache, current user."""

from collections.abc import Iterator
from typing import Annotated, Any

import jwt
from fastapi import Depends, HTTPException, Query, Request, status
from fastapi.security import OAuth2PasswordBearer
from redis import Redis
from sqlalchemy.orm import Session

from app.core.config import Settings, get_settings
from app.core.rate_limit import FixedWindowLimiter
from app.core.security import decode_access_token
from app.schemas.user import UserInDB
from app.services import users
from app.services.item_cache import ItemCache

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


def get_db(request: Request) -> Iterator[Session]:
    """One session per request from the app's engine (made by the lifespan), closed after.

    Services commit what they change; anything left uncommitted (an error halfway) is
    rolled back when the session closes.
    """
    with request.app.state.sessions() as session:
        yield session


DbDep = Annotated[Session, Depends(get_db)]


def get_redis(request: Request) -> Redis | None:
    """The app's Redis client, or None when REDIS_URL is unset."""
    redis: Redis | None = request.app.state.redis
    return redis


RedisDep = Annotated[Redis | None, Depends(get_redis)]


def get_item_cache(redis: RedisDep, settings: SettingsDep) -> ItemCache | None:
    """The item cache, or None without Redis (then reads go straight to the database)."""
    return None if redis is None else ItemCache(redis, settings.item_cache_ttl_seconds)


ItemCacheDep = Annotated[ItemCache | None, Depends(get_item_cache)]


def login_rate_limit(request: Request, redis: RedisDep, settings: SettingsDep) -> None:
    """429 once a client has tried to log in LOGIN_RATE_LIMIT times in the window.

    Counted per client address, in Redis so all workers share the count; without
    REDIS_URL there is no limit. Behind a proxy, start the server with
    `--forwarded-allow-ips` so the address is the client's, not the proxy's.
    """
    if redis is None:
        return
    limiter = FixedWindowLimiter(
        redis,
        prefix="sample:ratelimit:login",
        limit=settings.login_rate_limit,
        window=settings.login_rate_window_seconds,
    )
    client = request.client.host if request.client else "unknown"
    verdict = limiter.hit(client)
    if not verdict.allowed:
        raise HTTPException(
            status_code=status.HTTP_429_TOO_MANY_REQUESTS,
            detail=f"Too many login attempts; try again in {verdict.retry_after} seconds",
            headers={"Retry-After": str(verdict.retry_after)},
        )


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
