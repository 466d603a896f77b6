"""Around the Requests tab: the status strip after Stop, the header's path in a narrow
window, the waterfall's cut labels, the "slower than" box's steps and width."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from asgideck.gui.core.status_strip import StatusStrip
from asgideck.gui.header import ProjectHeader
from asgideck.gui.tabs.requests.filters import FilterBar
from asgideck.gui.tabs.requests.waterfall import Bar, tooltip


def test_a_stop_clears_the_stopped_server_s_cpu_rss_and_processes(qtbot) -> None:  # type: ignore[no-untyped-def]
    strip = StatusStrip()
    qtbot.addWidget(strip)
    strip.show_server("dev", "running", "http://127.0.0.1:8000")
    strip.set_stats(5.0, 12.0, 50_000_000, 2, 1.5)
    assert "2 proc" in strip.rss_label.text() and strip.cpu_label.text() == "CPU 12%"
    strip.set_state("dev", "stopped", None)
    assert (strip.cpu_label.text(), strip.rss_label.text(), strip.rate_label.text()) == ("", "", "")
    assert not strip.cpu_line.samples and not strip.rss_line.samples
    strip.set_stats(6.0, 3.0, 1, 1, 0.0)  # a late sample
    assert strip.rss_label.text() == ""


def test_the_project_path_loses_its_start_in_a_narrow_header(qtbot) -> None:  # type: ignore[no-untyped-def]
    header = ProjectHeader()
    qtbot.addWidget(header)
    label = header.path_label
    label.setText("/tmp/some/long/folder/walk/app")
    label.resize(label.fontMetrics().horizontalAdvance("…/walk/app") + 8, 20)
    shown = label.shown_text()
    assert shown.startswith("…") and shown.endswith("/walk/app")
    assert label.text() == "/tmp/some/long/folder/walk/app"
    label.resize(2000, 20)
    assert label.shown_text() == label.text()


def test_a_waterfall_row_s_tooltip_has_its_whole_name_time_and_source() -> None:
    name = "a_very_long_dependency_name_that_is_cut"
    tip = f"dependency {name} (app/deps.py:12)"
    bar = Bar(name, "dependency", 1.0, 4.5, 4, source="app/deps.py:12", tip=tip)
    text = tooltip(bar)
    assert text.splitlines()[0] == f"{name} — 3.50 ms"
    assert "app/deps.py:12" in text.splitlines()[1]
    statement = "SELECT * FROM items WHERE id = ?"
    sql = Bar(statement, "sql", 0.0, 0.2, 5, tip=statement)
    assert tooltip(sql) == "SELECT * FROM items WHERE id = ? — 0.20 ms"


def test_slower_than_steps_by_the_scale_and_stays_whole_when_narrow(qtbot) -> None:  # type: ignore[no-untyped-def]
    host = QWidget()
    qtbot.addWidget(host)
    bar = FilterBar(host)
    spin = bar.slower
    values = []
    for _ in range(12):
        spin.stepBy(1)
        values.append(spin.value())
    assert values[:10] == [10, 20, 30, 40, 50, 60, 70, 80, 90, 100]
    assert values[10:] == [200, 300]
    spin.setValue(200)
    spin.stepBy(-1)
    spin.stepBy(-1)
    spin.stepBy(-1)
    assert spin.value() == 80
    host.show()
    qtbot.waitExposed(host)
    for width in (1100, 1180, 600):  # the walker's widths, and narrower
        host.resize(width, 40)
        bar.resize(width - 40, 30)  # the tab's width in a window that wide
        assert spin.width() >= spin.sizeHint().width()
