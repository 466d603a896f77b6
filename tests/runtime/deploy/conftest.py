"""Deploy fixtures: each shipped project (``deploy_shipped``) built once per session (a
venv, a probe run and one ``gunicorn --check-config`` per project), on first use inside a
test, so the work runs under that test's private state."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from deploy_shipped import Shipped, ship


@pytest.fixture(scope="session")
def shipped(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Shipped]]:
    cache: dict[str, Shipped] = {}

    def get(name: str) -> Shipped:
        if name not in cache:
            cache[name] = ship(name, tmp_path_factory.mktemp(name))
        return cache[name]

    yield get
