"""The status strip's uptime counts only while the server runs (issue #11, defect 8).

A crashed ``--reload`` server keeps its reloader alive, so stats keep coming; the strip
must not keep saying "up …" then. The events go through the page's public path (the
manager's ``events``), as the supervisor sends them.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from asgideck.runtime.servers import StateChanged, StatsUpdated, Status
from support.two_profiles import write_two_profiles


def _stats(uptime: float) -> StatsUpdated:
    """A sample as the monitor sends it (``Stats`` is not public: the fields the strip reads)."""
    stats = SimpleNamespace(
        uptime=uptime, cpu_percent=1.0, rss=50_000_000, processes=2, requests_per_s=0.0
    )
    return StatsUpdated(stats)  # type: ignore[arg-type]


def test_uptime_stops_counting_when_the_server_crashes(make_window, tmp_path: Path, qtbot) -> None:  # type: ignore[no-untyped-def]
    window = make_window(write_two_profiles(tmp_path / "p"))
    window.servers_panel.select("dev")
    events, strip = window.manager.events, window.strip
    url = "http://127.0.0.1:1"

    events.emit(("dev", StateChanged(Status("running", url=url), "starting")))
    events.emit(("dev", _stats(65)))
    qtbot.waitUntil(lambda: strip.uptime_label.text() == "up 1m 05s", timeout=5_000)

    events.emit(
        ("dev", StateChanged(Status("crashed", exit_code=3, reload_waiting=True), "running"))
    )
    qtbot.waitUntil(lambda: "crashed" in strip.state_label.text(), timeout=5_000)
    assert strip.uptime_label.text() == "was up 1m 05s"
    events.emit(("dev", _stats(130)))  # the reloader is still alive and sampled
    events.emit(("dev", StateChanged(Status("crashed", exit_code=3), "crashed")))
    qtbot.waitUntil(lambda: strip.cpu_label.text() == "CPU 1%", timeout=5_000)
    assert strip.uptime_label.text() == "was up 1m 05s"  # not "up 2m 10s"
    assert strip.url_label.text() == ""
    assert strip.url_label.focusPolicy().name == "NoFocus"  # an empty link is no Tab stop

    # A restart counts from its own start again; stopped says nothing.
    events.emit(("dev", StateChanged(Status("running", url=url), "starting")))
    events.emit(("dev", _stats(3)))
    qtbot.waitUntil(lambda: strip.uptime_label.text() == "up 0m 03s", timeout=5_000)
    events.emit(("dev", StateChanged(Status("stopped"), "stopping")))
    qtbot.waitUntil(lambda: "stopped" in strip.state_label.text(), timeout=5_000)
    events.emit(("dev", StateChanged(Status("stopped"), "stopped")))
    qtbot.waitUntil(lambda: strip.uptime_label.text() in ("", "was up 0m 03s"), timeout=5_000)
