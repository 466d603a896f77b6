from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class Database(BaseModel):
    host: str
    port: int


class AppSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_CONFIG__",
        env_nested_delimiter="__",
        env_file=(".env.template", ".env"),
        case_sensitive=False,
        extra="forbid",
    )
    name: str
    db: Database
    secret: str
