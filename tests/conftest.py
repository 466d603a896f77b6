"""Suite-wide fixtures: offscreen Qt, private user state, and no stray processes."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from support import REPO, SAMPLE_APP

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

__all__ = ["REPO", "SAMPLE_APP"]


@pytest.fixture(autouse=True)
def _private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own ASGIDECK_HOME so nothing touches the real user dirs."""
    home = tmp_path_factory.mktemp("asgideck-home")
    monkeypatch.setenv("ASGIDECK_HOME", str(home))
    return home


@pytest.fixture(autouse=True)
def _no_process_left_behind() -> Iterator[None]:
    """Fail the test that leaves a child process (or its descendants) alive."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    yield
    survivors = [p for p in me.children(recursive=True) if p.pid not in before]
    if not survivors:
        return
    _gone, alive = psutil.wait_procs(survivors, timeout=3)
    if alive:
        described = []
        for proc in alive:
            try:
                described.append(f"{proc.pid} {' '.join(proc.cmdline())[:120]}")
            except psutil.Error:
                described.append(str(proc.pid))
            with contextlib.suppress(psutil.Error):
                proc.kill()
        pytest.fail("test left processes behind: " + "; ".join(described))


@pytest.fixture
def sample_app() -> Path:
    return SAMPLE_APP
