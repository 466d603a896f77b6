from fastapi import FastAPI

from app.core.config import settings

app = FastAPI(title=settings.PROJECT_NAME)


@app.get("/api/v1/utils/health-check/")
async def health_check() -> bool:
    return True
