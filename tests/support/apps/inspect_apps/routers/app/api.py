"""Routers nested two deep, each level adding a prefix, tags or dependencies."""

from typing import Annotated

from fastapi import APIRouter, Depends, Security, WebSocket
from pydantic import BaseModel

from app.deps import Paging, current_user, get_db, get_session, verify_key


class Item(BaseModel):
    name: str


items = APIRouter(prefix="/items", tags=["items"], dependencies=[Depends(verify_key)])


@items.get("/{item_id}", response_model=Item, summary="Read one item")
def read_item(
    item_id: int,
    db: Annotated[str, Depends(get_db)],
    user: Annotated[str, Security(current_user, scopes=["items:read"])],
) -> Item:
    return Item(name=f"{item_id} {db} {user}")


@items.post("", status_code=201, deprecated=True)
def create_item(
    item: Item,
    paging: Annotated[Paging, Depends()],
    fresh: Annotated[str, Depends(get_session, use_cache=False)],
) -> Item:
    return item


@items.websocket("/live")
async def live(websocket: WebSocket, db: Annotated[str, Depends(get_db)]) -> None:
    await websocket.accept()
    await websocket.send_text(db)
    await websocket.close()


admin = APIRouter(prefix="/admin")


@admin.get("/hidden", include_in_schema=False)
def hidden() -> dict[str, str]:
    return {"admin": "yes"}


v1 = APIRouter(prefix="/v1")
v1.include_router(items)
v1.include_router(admin, tags=["admin"], dependencies=[Depends(get_session)])
