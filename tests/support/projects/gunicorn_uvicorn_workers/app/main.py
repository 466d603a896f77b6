"""The app, as most gunicorn tutorials still deploy it (``-k uvicorn.workers.UvicornWorker``)."""

import fixture_only_gunicorn  # noqa: F401  (exists only in this project's venv)
from fastapi import FastAPI

app = FastAPI(title="gunicorn-uvicorn-workers")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
