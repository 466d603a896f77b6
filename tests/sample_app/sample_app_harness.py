"""Build the bundled sample app in-process, configured the way a profile configures it.

The sample's package is called `app`, so it is imported once per session from
`sample_app/` and stays in `sys.modules`; every test then builds a fresh application
with `create_app()` after setting the profile's environment and clearing the cached
settings. The database always lives in the test's tmp_path, never in `sample_app/data`.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import httpx
import pytest
from dotenv import dotenv_values

from support import SAMPLE_APP

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.testclient import TestClient

DEMO_USER = {"username": "alice", "password": "wonderland-demo"}


def sample_module(name: str) -> ModuleType:
    """Import `name` (e.g. `app.core.config`) from the bundled sample app."""
    if str(SAMPLE_APP) not in sys.path:
        sys.path.insert(0, str(SAMPLE_APP))
    module = importlib.import_module(name)
    origin = Path(module.__file__ or "").resolve()
    if not origin.is_relative_to(SAMPLE_APP):
        raise RuntimeError(f"{name} was imported from {origin}, not from {SAMPLE_APP}")
    return module


def profile_environment(profile: str) -> dict[str, str]:
    """The variables of `.env.<profile>`; the app's Settings reads the shared `.env` itself."""
    values = dotenv_values(SAMPLE_APP / f".env.{profile}")
    return {key: value for key, value in values.items() if value is not None}


def use_environment(monkeypatch: pytest.MonkeyPatch, env: Mapping[str, str]) -> None:
    """Make `env` the only source of settings besides `.env`, and forget cached settings."""
    config = sample_module("app.core.config")
    for field in config.Settings.model_fields:
        monkeypatch.delenv(field.upper(), raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    config.get_settings.cache_clear()


def build_app(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, profile: str = "development", **env: str
) -> FastAPI:
    """A fresh app for `profile`, with its database in tmp_path and `env` on top."""
    database_url = f"sqlite:///{tmp_path / f'{profile}.db'}"
    use_environment(
        monkeypatch, profile_environment(profile) | {"DATABASE_URL": database_url} | env
    )
    app: FastAPI = sample_module("app.main").create_app()
    return app


@asynccontextmanager
async def serve(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """An httpx client talking to `app` in-process, with the app's lifespan running."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            yield client


@contextmanager
def websocket_client(app: FastAPI) -> Iterator[TestClient]:
    """Starlette's TestClient, the in-process client that speaks WebSocket."""
    with warnings.catch_warnings():
        # Starlette 1.x asks for the `httpx2` package; plain httpx still works.
        warnings.filterwarnings("ignore", message=".*starlette.testclient.*httpx2")
        from starlette.testclient import TestClient

    with TestClient(app) as client:
        yield client


async def login(client: httpx.AsyncClient, **credentials: str) -> dict[str, str]:
    """Authorization headers for the demo user (or the given username/password)."""
    response = await client.post("/api/v1/auth/token", data=credentials or DEMO_USER)
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}
