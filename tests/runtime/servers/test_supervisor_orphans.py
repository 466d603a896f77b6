"""asgideck SIGKILLed with servers running: the next asgideck finds them and stops them."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.servers import PortInUse, Supervisor, is_port_free
from asgideck.runtime.servers import _registry as registry
from support.servers import (
    MODES,
    assert_tree_gone,
    make_spec,
    orphan_reaper,
    run_and_kill_asgideck,
    wait_until,
    write_app,
)

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("mode", ["uvicorn-reload", "gunicorn-uvicorn-worker"])
def test_orphan_is_found_and_stopped(tmp_path: Path, mode: str) -> None:
    """(Every launch mode goes through this on sample_app in test_supervisor_sample_app.)"""
    spec = make_spec(write_app(tmp_path / "proj"), **MODES[mode])
    with orphan_reaper() as reaper:
        report = run_and_kill_asgideck(spec, reaper)
        assert not is_port_free(spec.port)  # the server outlived its asgideck

        # the next asgideck: the server is an orphan, and a new start on its port says so
        [orphan] = registry.orphans()
        assert (orphan.id, orphan.port, orphan.kind) == (report["id"], spec.port, spec.kind)
        with pytest.raises(PortInUse) as info:
            Supervisor(spec).start()
        assert info.value.entry is not None and info.value.entry.id == orphan.id

        result = registry.stop_orphan(orphan, grace=5)
        assert result.clean, result
    assert_tree_gone(report["pids"], spec.port)
    assert registry.entries() == []


def test_adopted_orphan_can_be_stopped(tmp_path: Path) -> None:
    spec = make_spec(write_app(tmp_path / "proj"), kind="gunicorn", workers=2)
    with orphan_reaper() as reaper:
        report = run_and_kill_asgideck(spec, reaper)
        [orphan] = registry.orphans()
        handle = registry.adopt(orphan)
        assert registry.orphans() == []  # ours now
        assert wait_until(lambda: handle.sample().workers == 2, 5), handle.sample()
        assert handle.sample().processes == 3 and handle.sample().rss > 0
        assert handle.stop(grace=5).clean
    assert_tree_gone(report["pids"], spec.port)
    assert registry.entries() == []
