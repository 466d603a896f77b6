import fixture_only_src_starlette  # noqa: F401  (exists only in the project's venv)
from fastapi import FastAPI

from . import config

app = FastAPI(debug=config.DEBUG)


@app.get("/books")
def books() -> list[str]:
    return []
