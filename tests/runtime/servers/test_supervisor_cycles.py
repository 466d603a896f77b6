"""50 start/stop cycles leave asgideck's own open files, threads and memory flat."""

from __future__ import annotations

import gc
import threading
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.servers import ServerEvent, Supervisor
from asgideck.runtime.servers import _registry as registry
from support.servers import make_spec, wait_until, write_app

pytestmark = pytest.mark.integration

CYCLES = 50


def measure() -> tuple[int, int, int]:
    gc.collect()
    me = psutil.Process()
    return me.num_fds(), threading.active_count(), me.memory_info().rss


def test_fifty_cycles_leak_nothing(tmp_path: Path) -> None:
    spec = make_spec(write_app(tmp_path / "proj"))
    events: list[ServerEvent] = []
    sup = Supervisor(spec, on_event=events.append)

    def cycle() -> None:
        sup.start()
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        result = sup.stop(grace=5)
        assert result.clean

    for _ in range(3):  # warm up: imports, caches, the event thread
        cycle()
    fds0, threads0, rss0 = measure()
    for _ in range(CYCLES):
        cycle()
        events.clear()
    assert wait_until(lambda: threading.active_count() <= threads0, 5), threading.enumerate()
    fds1, threads1, rss1 = measure()
    assert fds1 <= fds0 + 2, (fds0, fds1)
    assert threads1 <= threads0
    assert rss1 - rss0 < 8 * 1024 * 1024, (rss0, rss1)
    assert registry.entries() == []
    sup.close()
    assert not [t for t in threading.enumerate() if t.name.startswith(f"asgideck-{sup.id}")]
