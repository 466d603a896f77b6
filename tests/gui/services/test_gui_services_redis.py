"""The SERVICES section with the real runtime and a real ``redis-server`` (issue #12,
item 5): start and stop from the sidebar's row, its log in the Logs tab, and Start all
bringing Redis up (answering PING) before the app starts, Stop all ending both.
"""

from __future__ import annotations

import shutil
import threading
from pathlib import Path

import pytest
import redis

from asgideck.runtime.servers import StateChanged, is_port_free
from support import services
from support.files import copy_sample_app
from support.window_servers import free_ports

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]
service_home = services.service_home


@pytest.fixture
def cache_project(tmp_path: Path) -> Path:
    """sample_app with a ``cache`` profile whose only service is Redis on a free port."""
    root = copy_sample_app(tmp_path / "cached")
    port = services.free_port()
    development = (root / ".env.development").read_text(encoding="utf-8")
    (root / ".env.cache").write_text(
        development + f"\nREDIS_URL=redis://127.0.0.1:{port}/0\n", encoding="utf-8"
    )
    return root


def ping(port: int) -> bool:
    try:
        return bool(redis.Redis(host="127.0.0.1", port=port, socket_timeout=2).ping())
    except redis.RedisError:
        return False


def open_cache(make_window, root: Path, qtbot):  # type: ignore[no-untyped-def]
    window = make_window(root)
    window.select_profile("cache")
    section = window.services
    qtbot.waitUntil(lambda: section.profile == "cache" and bool(section.needs), timeout=10_000)
    qtbot.waitUntil(lambda: section.state_of("redis") == "stopped", timeout=10_000)
    return window, section


def test_start_and_stop_a_real_redis_from_the_sidebar(
    service_home, make_window, cache_project, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window, section = open_cache(make_window, cache_project, qtbot)
    port = section.need("redis").port
    section.row_button("redis").click()
    qtbot.waitUntil(lambda: section.state_of("redis") == "ready", timeout=60_000)
    assert ping(port)
    # its log, in the Logs tab, with a title saying whose
    section.service_chosen.emit("redis")
    view = window.page.logs_stack.currentWidget()
    assert "Service redis · profile cache" in view.title.text()
    qtbot.waitUntil(
        lambda: any("Ready to accept connections" in line for line in _lines(view)), timeout=15_000
    )
    section.row_button("redis").click()
    qtbot.waitUntil(lambda: section.state_of("redis") == "stopped", timeout=30_000)
    assert not ping(port) and is_port_free(port)


def _lines(view) -> list[str]:  # type: ignore[no-untyped-def]
    from support.gui import log_texts

    return log_texts(view.model)


def test_start_all_has_redis_answering_before_the_app_starts(
    service_home, make_window, cache_project, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window, section = open_cache(make_window, cache_project, qtbot)
    manager, panel = window.manager, window.servers_panel
    for server in list(manager.servers):  # only the cache profile's server
        if server.config.profile != "cache":
            manager.remove(server.name)
    panel.rebuild()
    free_ports(window)
    panel.confirm_start = lambda name, problems: True
    port = section.need("redis").port
    at_start: list[bool] = []
    lock = threading.Lock()

    def record(pair: tuple[str, object]) -> None:  # on the supervisor's thread
        _name, event = pair
        if isinstance(event, StateChanged) and event.status.state == "starting":
            with lock:
                at_start.append(ping(port))

    manager.events.connect(record)
    section.start_all_action.trigger()
    settled = ("running", "crashed", "crash-loop")
    qtbot.waitUntil(lambda: panel.state_of("cache") in settled, timeout=60_000)
    assert panel.state_of("cache") == "running", panel.status["cache"]
    assert at_start and all(at_start), at_start  # Redis answered PING before the app began
    assert section.state_of("redis") == "ready"
    section.stop_all_action.trigger()
    qtbot.waitUntil(lambda: not manager.server("cache").running, timeout=30_000)
    qtbot.waitUntil(lambda: section.state_of("redis") == "stopped", timeout=30_000)
    assert is_port_free(port)
    manager.events.disconnect(record)
