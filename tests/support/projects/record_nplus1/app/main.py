"""A small FastAPI + SQLAlchemy app for the request recorder's tests: an N+1 list route,
the same list without N+1, and a route whose project code raises."""

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from app import services
from app.db import engine, seed


@asynccontextmanager
async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
    seed()
    yield
    engine.dispose()


def get_session() -> Iterator[Session]:
    with Session(engine) as session:
        yield session


DbDep = Annotated[Session, Depends(get_session)]

app = FastAPI(title="record-nplus1", lifespan=lifespan)


@app.get("/shelf/one-by-one")
def shelf_one_by_one(db: DbDep) -> list[dict[str, object]]:
    return services.shelf_one_by_one(db)


@app.get("/shelf/batched")
def shelf_batched(db: DbDep) -> list[dict[str, object]]:
    return services.shelf_batched(db)


@app.get("/shelf/{author_id}/broken")
def broken(author_id: int) -> None:
    services.explode(author_id)
