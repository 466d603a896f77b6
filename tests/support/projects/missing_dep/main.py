"""A service whose venv was made but never filled: `fixture_missing_dep` is in
requirements.txt and not installed, so importing the app fails until it is."""

import fixture_missing_dep
from fastapi import FastAPI

app = FastAPI(title="missing-dep")


@app.get("/health")
def health() -> dict[str, str]:
    return {"status": "ok", "dependency": fixture_missing_dep.VERSION}
