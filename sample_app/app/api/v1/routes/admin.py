"""Admin endpoints. AdminAuth middleware already turned away requests without a token."""

from fastapi import APIRouter

from app.api.deps import CurrentUser, DbDep
from app.schemas.system import Stats
from app.services import items, users

router = APIRouter(prefix="/admin", tags=["admin"])


@router.get("/stats")
def stats(db: DbDep, _: CurrentUser) -> Stats:
    return Stats(users=users.count_users(db), items=items.count_items(db))
