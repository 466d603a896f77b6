"""Items: listing, lookup, creation and deletion."""

import sqlite3

from app.schemas.item import ItemCreate, ItemPublic


def list_items(db: sqlite3.Connection, q: str | None, skip: int, limit: int) -> list[ItemPublic]:
    rows = db.execute(
        "SELECT * FROM items WHERE ? IS NULL OR instr(lower(name), lower(?)) > 0"
        " ORDER BY id LIMIT ? OFFSET ?",
        (q, q, limit, skip),
    ).fetchall()
    return [ItemPublic.model_validate(dict(row)) for row in rows]


def get_item(db: sqlite3.Connection, item_id: int) -> ItemPublic | None:
    row = db.execute("SELECT * FROM items WHERE id = ?", (item_id,)).fetchone()
    return ItemPublic.model_validate(dict(row)) if row else None


def count_items(db: sqlite3.Connection) -> int:
    count: int = db.execute("SELECT count(*) FROM items").fetchone()[0]
    return count


def create_item(db: sqlite3.Connection, data: ItemCreate, owner_id: int) -> ItemPublic:
    with db:
        cursor = db.execute(
            "INSERT INTO items (name, description, price, owner_id) VALUES (?, ?, ?, ?)",
            (data.name, data.description, data.price, owner_id),
        )
    assert cursor.lastrowid is not None
    return ItemPublic(id=cursor.lastrowid, owner_id=owner_id, **data.model_dump())


def delete_item(db: sqlite3.Connection, item_id: int) -> None:
    with db:
        db.execute("DELETE FROM items WHERE id = ?", (item_id,))
