"""Profile tests write a file and edit it at once, thousands of times: without this,
each edit would first wait ``QUIET`` (0.1 s) for the test's own in-place write to look
finished. tests/faults/test_env_edit.py races real writers with the real defaults."""

from __future__ import annotations

import pytest

from asgideck.runtime.profiles import _disk


@pytest.fixture(autouse=True)
def _no_wait_for_the_tests_own_writes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_disk, "QUIET", 0.0)
