"""Items: anyone can browse, signed-in users can add, change and delete their own."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Response, status

from app.api.deps import CommonQueryParams, CurrentUser, DbDep, ItemCacheDep
from app.schemas.item import ItemCreate, ItemPublic, ItemUpdate
from app.services import items

router = APIRouter(prefix="/items", tags=["items"])

CACHE_HEADER = "X-Cache"


def _get_or_404(db: DbDep, item_id: int) -> ItemPublic:
    item = items.get_item(db, item_id)
    if item is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")
    return item


def _owned_or_403(db: DbDep, item_id: int, user_id: int, action: str) -> ItemPublic:
    item = _get_or_404(db, item_id)
    if item.owner_id != user_id:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail=f"Only the owner can {action} an item"
        )
    return item


@router.get("")
def list_items(commons: Annotated[CommonQueryParams, Depends()], db: DbDep) -> list[ItemPublic]:
    return items.list_items(db, q=commons.q, skip=commons.skip, limit=commons.limit)


@router.get("/{item_id}")
def read_item(item_id: int, db: DbDep, cache: ItemCacheDep, response: Response) -> ItemPublic:
    """Read through the Redis cache when there is one: `X-Cache: hit` or `miss` says which."""
    if cache is None:
        return _get_or_404(db, item_id)
    cached = cache.get(item_id)
    if cached is not None:
        response.headers[CACHE_HEADER] = "hit"
        return cached
    item = _get_or_404(db, item_id)
    cache.put(item)
    response.headers[CACHE_HEADER] = "miss"
    return item


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(data: ItemCreate, db: DbDep, current_user: CurrentUser) -> ItemPublic:
    return items.create_item(db, data, owner_id=current_user.id)


@router.patch("/{item_id}")
def update_item(
    item_id: int, data: ItemUpdate, db: DbDep, cache: ItemCacheDep, current_user: CurrentUser
) -> ItemPublic:
    _owned_or_403(db, item_id, current_user.id, "change")
    updated = items.update_item(db, item_id, data)
    if cache is not None:
        cache.invalidate(item_id)  # after the commit: a reader now refills from the new row
    if updated is None:  # deleted between the check and the update
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")
    return updated


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, db: DbDep, cache: ItemCacheDep, current_user: CurrentUser) -> None:
    _owned_or_403(db, item_id, current_user.id, "delete")
    items.delete_item(db, item_id)
    if cache is not None:
        cache.invalidate(item_id)
