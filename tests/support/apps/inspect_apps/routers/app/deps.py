"""Dependencies of every shape FastAPI knows: yield (sync and async), class, Security."""

from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Header, HTTPException, Security
from fastapi.security import OAuth2PasswordBearer, SecurityScopes

oauth2 = OAuth2PasswordBearer(
    tokenUrl="/token", scopes={"items:read": "read items", "items:write": "write items"}
)


def get_db() -> Iterator[str]:
    yield "db"


async def get_session() -> AsyncIterator[str]:
    yield "session"


def verify_key(x_key: Annotated[str, Header()] = "") -> None:
    if x_key == "wrong":
        raise HTTPException(status_code=403)


def current_user(security_scopes: SecurityScopes, token: Annotated[str, Security(oauth2)]) -> str:
    return f"user with {security_scopes.scope_str}"


class Paging:
    def __init__(self, skip: int = 0, limit: int = 10) -> None:
        self.skip = skip
        self.limit = limit
