"""Every launch mode starts, serves, reports stats, and stops without leaving anything behind."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgideck.runtime.logs import logs_dir
from asgideck.runtime.servers import ServerEvent, StateChanged, Supervisor
from asgideck.runtime.servers import _registry as registry
from support.servers import (
    MODES,
    TINY_APP,
    assert_tree_gone,
    make_spec,
    wait_until,
    write_app,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("mode", list(MODES))
def test_start_serve_stop_leaves_nothing(tmp_path: Path, mode: str) -> None:
    """(Closing asgideck and orphans are covered per mode in test_supervisor_sample_app.)"""
    spec = make_spec(write_app(tmp_path / "proj"), **MODES[mode])
    events: list[ServerEvent] = []
    sup = Supervisor(spec, on_event=events.append, name=f"t-{mode}")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        assert status.url == f"http://127.0.0.1:{spec.port}"
        assert httpx.get(f"{status.url}/hello").status_code == 200
        assert httpx.get(f"{status.url}/missing").status_code == 404

        # stats: the tree, the workers, and the requests counted from access lines
        def counted() -> bool:
            stats = sup.stats()
            return stats is not None and stats.status_counts == {"2xx": 1, "4xx": 1}

        assert wait_until(counted, 5), sup.stats()
        stats = sup.stats()
        assert stats is not None and stats.rss > 0 and stats.requests_total == 2
        expected_workers = 2 if spec.workers == 2 else 1
        assert wait_until(lambda: (sup.stats() or stats).workers == expected_workers, 5)

        [entry] = registry.alive_entries()
        assert (entry.id, entry.port, entry.kind) == (sup.id, spec.port, spec.kind)
        pids = sup.pids
        assert len(pids) >= (3 if expected_workers == 2 else 1)
    finally:
        result = sup.stop(grace=5)
    assert result.clean and not result.killed
    assert sup.state == "stopped"
    assert_tree_gone(pids, spec.port)
    assert registry.entries() == []
    assert sup.flush_events()
    states = [e.status.state for e in events if isinstance(e, StateChanged)]
    assert states[-2:] == ["stopping", "stopped"]
    assert "running" in states
    logs = [ln.text for ln in sup.buffer.snapshot()]
    assert any("GET /hello" in t for t in logs)


LEAKY_APP = (
    """\
import os
print("token is", os.environ["API_TOKEN"], "db is", os.environ["DATABASE_URL"], flush=True)
"""
    + TINY_APP
)


def test_secrets_never_reach_the_log_or_state_files(tmp_path: Path) -> None:
    env = {"API_TOKEN": "tok-123456789", "DATABASE_URL": "postgresql://u:hunter22@db/x"}
    spec = make_spec(write_app(tmp_path / "proj", LEAKY_APP, "leaky"), "leaky:app", env=env)
    sup = Supervisor(spec, name="leaky")
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        state_file = registry.registry_path().read_text()
    finally:
        sup.stop()
    texts = "\n".join(ln.text for ln in sup.buffer.snapshot())
    assert "token is **** db is postgresql://u:****@db/x" in texts
    [run_log] = logs_dir().glob("*leaky*.log")
    on_disk = run_log.read_text() + state_file
    assert "token is ****" in on_disk
    for secret in ("tok-123456789", "hunter22"):
        assert secret not in texts and secret not in on_disk


def test_each_run_is_logged_to_a_file(tmp_path: Path) -> None:
    spec = make_spec(write_app(tmp_path / "proj"))
    sup = Supervisor(spec, name="filed")
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
        httpx.get(f"http://127.0.0.1:{spec.port}/from-the-file-test")
        assert wait_until(lambda: (st := sup.stats()) is not None and st.requests_total == 1, 5)
    finally:
        sup.stop()
    [run_log] = logs_dir().glob("*filed*.log")
    text = run_log.read_text()
    assert "Application startup complete." in text
    assert "GET /from-the-file-test" in text
