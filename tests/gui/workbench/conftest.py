"""Try-tab fixtures: sample_app on loopback, shared by the tests that talk to it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from asgideck.runtime.openapi import Document
from support.try_view import fetch_document, serve_sample


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Document]]:
    """sample_app's base URL and its OpenAPI document: one server per test module."""
    with serve_sample(tmp_path_factory.mktemp("sample")) as url:
        yield url, fetch_document(url)
