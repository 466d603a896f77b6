import fixture_only_deploy_src_poetry  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from .settings import settings

app = FastAPI(title=settings.app_title)


@app.get("/items")
async def items() -> list[dict[str, int]]:
    return [{"id": 1, "stock": 12}]


@app.get("/items/{item_id}")
async def item(item_id: int) -> dict[str, int]:
    return {"id": item_id, "stock": 12}
