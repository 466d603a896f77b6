"""An app whose lifespan waits for its message broker before it serves."""

import os
from contextlib import asynccontextmanager

import fixture_only_waits  # noqa: F401  (exists only in this project's venv)
from fastapi import FastAPI

from app.broker import connect_broker


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.broker = await connect_broker(os.environ["BROKER_URL"])
    yield
    app.state.broker.close()


app = FastAPI(lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok"}
