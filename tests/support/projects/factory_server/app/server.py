import fixture_only_factory  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from app.routes import ping


def create_app() -> FastAPI:
    application = FastAPI(title="factory")
    application.include_router(ping.router)
    return application
