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
    POSTGRES_SERVER: str
    POSTGRES_PORT: int = 5432


settings = Settings()  # type: ignore
