"""Item models."""

from pydantic import BaseModel, Field


class ItemCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    price: float = Field(gt=0)


class ItemPublic(ItemCreate):
    id: int
    owner_id: int
