"""Models for operational endpoints."""

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    app: str
    environment: str
    version: str


class Stats(BaseModel):
    users: int
    items: int
