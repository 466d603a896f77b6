"""Fixtures for the sample app's own tests: an httpx client on the development profile,
and real Redis / SMTP servers for the parts of the sample that use them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from sample_services import Inbox, running_redis, smtp_catcher

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


@pytest.fixture
def redis_url() -> Iterator[str]:
    """A fresh redis-server of this test's own, stopped after it."""
    with running_redis() as url:
        yield url


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A real SMTP server collecting what it is sent, stopped after the test."""
    with smtp_catcher() as caught:
        yield caught
