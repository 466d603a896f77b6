import fixture_only_deploy_backend  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from app.api.main import api_router
from app.core.config import settings

app = FastAPI(title=settings.PROJECT_NAME, openapi_url="/api/v1/openapi.json")
app.include_router(api_router, prefix="/api/v1")
