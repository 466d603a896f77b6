"""Suite-wide fixtures: offscreen Qt, private user state, and no stray processes."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from asgideck.runtime import userstate
from support import REPO, SAMPLE_APP

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

__all__ = ["REPO", "SAMPLE_APP"]


#: Where a root asgideck keeps Postgres' data when the ``postgres`` user cannot reach its
#: state folder (runtime/services/_datadir.py); a test must never end up there.
SYSTEM_SERVICES = Path("/var/lib/asgideck")


@pytest.fixture(scope="session")
def _walkable_temp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """As root, PostgreSQL runs as ``postgres``, which must walk down to its data in the
    test's ASGIDECK_HOME: pytest's temp folders are 0700, so make them 0711 (walkable,
    not listable) rather than let asgideck fall back to /var/lib/asgideck."""
    base = tmp_path_factory.getbasetemp()
    if os.name == "posix" and os.geteuid() == 0:
        for folder in (base, base.parent):
            with contextlib.suppress(OSError):
                folder.chmod(folder.stat().st_mode | 0o011)
    return base


@pytest.fixture(autouse=True)
def _private_state(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, _walkable_temp: Path
) -> Iterator[Path]:
    """Every test gets its own ASGIDECK_HOME so nothing touches the real user dirs."""
    home = tmp_path_factory.mktemp("asgideck-home")
    monkeypatch.setenv("ASGIDECK_HOME", str(home))
    yield home
    # State-file notices are queued process-wide until a CLI or the window shows them: one
    # test's damaged file must not print its warning into the next test's stderr.
    userstate.take_notices()


@pytest.fixture(autouse=True)
def _no_process_left_behind(_private_state: Path) -> Iterator[None]:
    """Fail the test that leaves a process alive: a child (or its descendants), or any
    process that carries this test's ``ASGIDECK_HOME`` in its environment, which
    finds a double-forked daemon that left the tree. Fail it too when asgideck's
    scratch folder is not empty afterwards."""
    me = psutil.Process()
    before = {p.pid for p in me.children(recursive=True)}
    moved_before = set(SYSTEM_SERVICES.iterdir()) if SYSTEM_SERVICES.is_dir() else set()
    yield
    survivors = [p for p in me.children(recursive=True) if p.pid not in before]
    survivors += [p for p in _carrying_home(str(_private_state)) if p not in survivors]
    scratch = _private_state / "tmp"
    leftover_files = sorted(p.name for p in scratch.iterdir()) if scratch.is_dir() else []
    if survivors:
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
    if leftover_files:
        pytest.fail(f"test left scratch files behind in {scratch}: {leftover_files}")
    moved = (set(SYSTEM_SERVICES.iterdir()) if SYSTEM_SERVICES.is_dir() else set()) - moved_before
    if moved:  # this test's (or its subprocess's) asgideck home was out of postgres' reach
        for folder in moved:
            shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"test left service data behind in {sorted(map(str, moved))}")


def _carrying_home(home: str) -> list[psutil.Process]:
    """Processes other than this one whose environment names ``home`` as asgideck's state:
    ``ASGIDECK_HOME`` (inherited from the test) or ``ASGIDECK_LAUNCH_STATE`` (every
    process asgideck spawns carries it, servers included)."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        with contextlib.suppress(psutil.Error):
            environ = proc.environ()
            if home in (environ.get("ASGIDECK_HOME"), environ.get("ASGIDECK_LAUNCH_STATE")):
                found.append(proc)
    return found


@pytest.fixture
def sample_app() -> Path:
    return SAMPLE_APP
