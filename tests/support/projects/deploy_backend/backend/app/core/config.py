from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        # Use top level .env file (one level above ./backend/)
        env_file="../.env",
        env_ignore_empty=True,
        extra="ignore",
    )
    PROJECT_NAME: str
    ENVIRONMENT: str = "local"
    SECRET_KEY: str
    DATABASE_URL: str
    REDIS_URL: str = ""
    SENTRY_DSN: str = ""
    FIRST_SUPERUSER: str = "admin@example.com"
    FIRST_SUPERUSER_PASSWORD: str = ""
    BACKEND_CORS_ORIGINS: str = ""


settings = Settings()  # type: ignore
