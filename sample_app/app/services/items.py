"""Items: listing, lookup, creation, update and deletion."""

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.models import Item
from app.schemas.item import ItemCreate, ItemPublic, ItemUpdate


def _public(item: Item) -> ItemPublic:
    return ItemPublic.model_validate(item, from_attributes=True)


def list_items(db: Session, q: str | None, skip: int, limit: int) -> list[ItemPublic]:
    query = select(Item).order_by(Item.id).offset(skip).limit(limit)
    if q is not None:
        query = query.where(func.lower(Item.name).contains(q.lower(), autoescape=True))
    return [_public(item) for item in db.scalars(query)]


def get_item(db: Session, item_id: int) -> ItemPublic | None:
    item = db.get(Item, item_id)
    return _public(item) if item else None


def count_items(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Item)) or 0


def create_item(db: Session, data: ItemCreate, owner_id: int) -> ItemPublic:
    item = Item(**data.model_dump(), owner_id=owner_id)
    db.add(item)
    db.commit()
    return _public(item)


def update_item(db: Session, item_id: int, data: ItemUpdate) -> ItemPublic | None:
    """Change the fields `data` sets (PATCH semantics); None if the item is gone."""
    item = db.get(Item, item_id)
    if item is None:
        return None
    for field, value in data.model_dump(exclude_unset=True).items():
        setattr(item, field, value)
    db.commit()
    return _public(item)


def delete_item(db: Session, item_id: int) -> None:
    db.execute(delete(Item).where(Item.id == item_id))
    db.commit()
