import fixture_only_prefixed  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from app.settings import AppSettings


def get_app() -> FastAPI:
    settings = AppSettings()  # type: ignore[call-arg]
    application = FastAPI(title=settings.name)

    @application.get("/health")
    def health() -> dict[str, str]:
        return {"db": settings.db.host}

    return application
