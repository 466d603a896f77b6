"""Item models."""

from pydantic import BaseModel, Field, field_validator


class ItemCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    price: float = Field(gt=0)


class ItemUpdate(BaseModel):
    """A partial update: only the fields the client sends change."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    description: str | None = Field(default=None, max_length=1000)
    price: float | None = Field(default=None, gt=0)

    @field_validator("name", "price")
    @classmethod
    def _not_null(cls, value: object) -> object:
        """Leaving a field out keeps it; sending null for a required one is an error."""
        if value is None:
            raise ValueError("may be left out, but not set to null")
        return value


class ItemPublic(ItemCreate):
    id: int
    owner_id: int
