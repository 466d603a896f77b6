"""Items: anyone can browse, signed-in users can add and delete their own."""

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, status

from app.api.deps import CommonQueryParams, CurrentUser, DbDep
from app.schemas.item import ItemCreate, ItemPublic
from app.services import items

router = APIRouter(prefix="/items", tags=["items"])


def _get_or_404(db: DbDep, item_id: int) -> ItemPublic:
    item = items.get_item(db, item_id)
    if item is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail="Item not found")
    return item


@router.get("")
def list_items(commons: Annotated[CommonQueryParams, Depends()], db: DbDep) -> list[ItemPublic]:
    return items.list_items(db, q=commons.q, skip=commons.skip, limit=commons.limit)


@router.get("/{item_id}")
def read_item(item_id: int, db: DbDep) -> ItemPublic:
    return _get_or_404(db, item_id)


@router.post("", status_code=status.HTTP_201_CREATED)
def create_item(data: ItemCreate, db: DbDep, current_user: CurrentUser) -> ItemPublic:
    return items.create_item(db, data, owner_id=current_user.id)


@router.delete("/{item_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_item(item_id: int, db: DbDep, current_user: CurrentUser) -> None:
    item = _get_or_404(db, item_id)
    if item.owner_id != current_user.id:
        raise HTTPException(
            status_code=status.HTTP_403_FORBIDDEN, detail="Only the owner can delete an item"
        )
    items.delete_item(db, item_id)
