"""Fails at import: its settings want DATABASE_URL, which the profile does not set."""

from fastapi import FastAPI
from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    database_url: str
    api_token: str


settings = Settings()
app = FastAPI(title=settings.database_url)
