"""Typed settings read from the environment and the shared `.env` file.

Profile-specific values (`.env.development`, `.env.production`) are not read here:
whoever starts the server puts them in the environment (asgideck does that, and so
does `uvicorn --env-file .env.development`). Environment variables win over `.env`.
"""

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, RedisDsn, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# sample_app/ — relative paths in settings are resolved against it, not the cwd.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


class Settings(BaseSettings):
    """Everything the app can be configured with; env var names are the upper-cased fields."""

    model_config = SettingsConfigDict(
        env_file=PROJECT_ROOT / ".env",
        env_file_encoding="utf-8",
        extra="ignore",
    )

    app_name: str = "Sample Items API"
    app_version: str = "0.1.0"
    app_description: str = ""
    environment: Literal["development", "test", "staging", "production"] = "development"
    debug: bool = False

    # Required on purpose: there is no safe default for a signing key.
    secret_key: SecretStr
    jwt_algorithm: Literal["HS256", "HS384", "HS512"] = "HS256"
    access_token_expire_minutes: int = Field(default=30, gt=0)

    # sqlite:///./data/app.db (relative to this folder) or postgresql+psycopg://user:pw@host/db.
    # A plain str on purpose: readiness tools must see SQLite vs PostgreSQL (they mask the
    # password in a URL themselves).
    database_url: str = "sqlite:///./data/development.db"

    # Unset: no item cache and no login rate limit. Set: both, shared by every worker.
    redis_url: RedisDsn | None = None
    item_cache_ttl_seconds: int = Field(default=60, gt=0)
    login_rate_limit: int = Field(default=10, gt=0)
    login_rate_window_seconds: int = Field(default=60, gt=0)

    # Unset SMTP_HOST: no welcome e-mail is sent.
    smtp_host: str | None = None
    smtp_port: int = Field(default=587, gt=0, le=65535)
    smtp_user: str | None = None
    smtp_password: SecretStr | None = None
    smtp_starttls: bool = False
    mail_from: str = "Sample Items API <no-reply@example.com>"

    cors_origins: list[str] = []
    cors_allow_credentials: bool = False

    # OpenAPI JSON stays on either way (tools read it); this only hides /docs and /redoc.
    docs_enabled: bool = True

    @field_validator("redis_url", "smtp_host", "smtp_user", "smtp_password", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`REDIS_URL=` in a file means "not set", as if the line were absent."""
        return None if value == "" else value


@lru_cache
def get_settings() -> Settings:
    """The settings, read once per process (tests call `get_settings.cache_clear()`)."""
    return Settings()
