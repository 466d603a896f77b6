"""Runtime fixtures: the echo app on loopback, shared by the client and workbench tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.loopback import serve_echo


@pytest.fixture(scope="module")
def echo_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a real uvicorn serving support/apps/client_echo_app.py: one per test module."""
    with serve_echo(tmp_path_factory.mktemp("echo")) as base_url:
        yield base_url
