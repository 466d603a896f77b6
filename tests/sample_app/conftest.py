"""Fixtures for the sample app's own tests: an httpx client on the development profile."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from sample_app_harness import build_app, serve


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def client(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The app built with the development profile and a private database, lifespan running."""
    async with serve(build_app(monkeypatch, tmp_path, "development")) as client:
        yield client
