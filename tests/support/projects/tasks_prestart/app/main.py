"""The app: it needs the migrated, seeded database (prestart.sh) before it can start."""

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI


@asynccontextmanager
async def lifespan(app: FastAPI):
    db = Path(os.environ["APP_DB"])
    if not db.is_file():
        raise RuntimeError(f"{db} does not exist: the migrations did not run")
    app.state.rows = db.read_text(encoding="utf-8").splitlines()
    yield


app = FastAPI(title=os.environ.get("PROJECT_NAME", "tasks"), lifespan=lifespan)


@app.get("/health")
def health() -> dict[str, object]:
    return {"status": "ok", "rows": app.state.rows}
