import fixture_only_relative  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from .internal import admin
from .routers import items

app = FastAPI()
app.include_router(items.router)
app.include_router(admin.router, prefix="/admin")


@app.get("/")
async def root() -> dict[str, str]:
    return {"message": "Hello Bigger Applications!"}
