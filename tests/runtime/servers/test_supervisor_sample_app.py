"""The bundled sample_app: its real profile, its gunicorn.conf.py, its crash route."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import ServerEvent, StateChanged, Supervisor
from asgideck.runtime.servers import _registry as registry
from support.loopback import sample_env
from support.servers import (
    MODES,
    assert_tree_gone,
    make_spec,
    orphan_reaper,
    run_and_kill_asgideck,
    wait_until,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("way", ["stop", "close", "orphan"])
@pytest.mark.parametrize("mode", list(MODES))
def test_every_mode_and_every_way_to_stop(
    sample_app: Path, tmp_path: Path, mode: str, way: str
) -> None:
    """Issue #3's matrix: launch modes x {stop, asgideck closed, asgideck SIGKILLed + orphan}."""
    spec = make_spec(
        sample_app, "app.main:app", env=sample_env(tmp_path / "sample.db"), **MODES[mode]
    )
    if way == "orphan":
        with orphan_reaper() as reaper:
            pids = run_and_kill_asgideck(spec, reaper)["pids"]
            [orphan] = registry.orphans()
            assert registry.stop_orphan(orphan, grace=5).clean
    else:
        sup = Supervisor(spec, name=mode)
        sup.start()
        try:
            status = sup.wait_for("running", "crashed", timeout=30)
            assert status.state == "running", status.error
            assert httpx.get(f"{status.url}/health").status_code == 200
            pids = sup.pids
        finally:
            if way == "stop":
                assert sup.stop(grace=5).clean
            else:
                sup.close(grace=5)
        assert sup.state == "stopped"
    assert_tree_gone(pids, spec.port)
    assert registry.entries() == []


def test_uvicorn_serves_sample_app_and_stops_clean(sample_app: Path, tmp_path: Path) -> None:
    spec = make_spec(sample_app, "app.main:app", env=sample_env(tmp_path / "sample.db"))
    sup = Supervisor(spec, name="dev")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        health = httpx.get(f"{status.url}/health").json()
        assert health["status"] == "ok" and health["environment"] == "development"
        assert wait_until(lambda: (st := sup.stats()) is not None and st.requests_total == 1, 5)
        assert (sup.stats() or pytest.fail()).status_counts == {"2xx": 1}
        pids = sup.pids
    finally:
        result = sup.stop()
    assert result.clean and not result.killed
    assert sup.status.exit_code == -15  # uvicorn's answer to SIGTERM: a clean stop
    assert_tree_gone(pids, spec.port)


def test_gunicorn_uses_the_projects_config_file(sample_app: Path, tmp_path: Path) -> None:
    env = sample_env(tmp_path / "sample.db", "production") | {"WEB_CONCURRENCY": "2"}
    env["SECRET_KEY"] = "x" * 40
    spec = make_spec(sample_app, "app.main:app", kind="gunicorn", env=env)
    sup = Supervisor(spec, name="prod")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        assert httpx.get(f"{status.url}/health").status_code == 200
        # workers = 2 comes from sample_app/gunicorn.conf.py (WEB_CONCURRENCY), not from asgideck
        assert wait_until(lambda: (st := sup.stats()) is not None and st.workers == 2, 10)
        argv = registry.alive_entries()[0].argv
        assert "--config" in argv and "--workers" not in argv
        pids = sup.pids
    finally:
        result = sup.stop()
    assert result.clean
    assert_tree_gone(pids, spec.port)


def test_debug_crash_route_is_detected(sample_app: Path, tmp_path: Path) -> None:
    spec = make_spec(sample_app, "app.main:app", env=sample_env(tmp_path / "sample.db"))
    crashed: list[ServerEvent] = []

    def on_event(event: ServerEvent) -> None:
        if isinstance(event, StateChanged) and event.status.state == "crashed":
            crashed.append(event)

    sup = Supervisor(spec, on_event=on_event)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=30).state == "running"
        pids = sup.pids
        with pytest.raises(httpx.HTTPError):
            httpx.post(f"http://127.0.0.1:{spec.port}/api/v1/debug/crash")
        # the exit itself is the news (no request or poll needed); 10 s bounds a hang only
        assert wait_until(lambda: bool(crashed), 10)
        assert len(crashed) == 1
        status = sup.status
        assert status.exit_code == 3
        assert "exiting with code 3" in (status.error or "")
    finally:
        sup.stop()
    assert_tree_gone(pids, spec.port)


def test_profile_missing_secret_key_shows_the_validation_error(
    sample_app: Path, tmp_path: Path
) -> None:
    env = sample_env(tmp_path / "sample.db")
    del env["SECRET_KEY"]
    sup = Supervisor(make_spec(sample_app, "app.main:app", env=env))
    sup.start()
    status = sup.wait_for("running", "crashed", timeout=10)
    try:
        assert status.state == "crashed"
        assert "ValidationError" in (status.error or "")
        assert "secret_key\n  Field required" in (status.error or "")
    finally:
        sup.stop()
