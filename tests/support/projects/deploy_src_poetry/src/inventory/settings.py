from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    app_title: str = "Inventory"
    log_level: str = "info"
    database_url: str
    api_key: str
    payment_webhook: str = ""
    allowed_hosts: str = "*"


settings = Settings()  # type: ignore[call-arg]
