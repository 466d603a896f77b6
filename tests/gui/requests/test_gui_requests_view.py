"""The Requests view over a real RequestLog reading files written the agent's way:
empty states, live batches, selection and detail, keyboard, actions, kept choices."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QGuiApplication
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.tabs.requests.view import (
    NO_REQUESTS,
    NO_SERVER,
    NOT_RECORDING,
    NOT_RUNNING,
    RequestsView,
    ShownServer,
)
from asgideck.runtime.recording import RequestFilter, RequestLog


def build(qtbot, ini, source, root: Path | None = None) -> RequestsView:  # type: ignore[no-untyped-def]
    runner = TaskRunner(threads=1)
    view = RequestsView(source, runner, root=root or Path("/proj"), settings=ini)
    view.resize(900, 700)

    def finish() -> None:
        view.detach()
        runner.wait(5000)

    qtbot.addWidget(view, before_close_func=lambda _w: finish())
    return view


def test_each_empty_state_says_what_to_do(qtbot, ini, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    view = build(qtbot, ini, None)
    view.show()
    assert view.empty_text() == NO_SERVER and view.list_stack.currentWidget() is view.empty
    view.set_source(ShownServer("dev", None, "http://127.0.0.1:8000", running=True))
    assert view.empty.text() == NOT_RECORDING
    assert "turn on Record requests in its settings" in NOT_RECORDING
    assert not view.filters.isEnabled()
    log = RequestLog(tmp_path / "none-yet")
    view.set_source(ShownServer("dev", log))
    qtbot.waitUntil(lambda: not view.scope.pending("load"), timeout=5_000)
    assert view.empty.text() == NOT_RUNNING and "send one from Try" in NOT_RUNNING
    view.set_source(ShownServer("dev", log, "http://127.0.0.1:8000", running=True))
    assert view.empty.text() == NO_REQUESTS and view.timer.isActive()
    view.set_source(ShownServer("dev", log))
    assert not view.timer.isActive()


def test_requests_arrive_live_in_batches(qtbot, ini, write_records, raw) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/a"), raw("/b", sql=2))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    assert view.list_stack.currentWidget() is view.table and view.status.text() == "2 requests"
    inserts: list[int] = []
    view.model.rowsInserted.connect(lambda _p, first, last: inserts.append(last - first + 1))
    write_records(*(raw(f"/c/{i}") for i in range(50)))
    qtbot.waitUntil(lambda: view.model.rowCount() == 52, timeout=5_000)
    assert sum(inserts) == 50 and len(inserts) <= 2  # one insert per poll, not per record
    view.hide()
    assert not view.timer.isActive()  # no polling while the tab is not shown


def test_selection_enter_and_ctrl_f(qtbot, ini, write_records, raw) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/ok"), raw("/loop", repeats=5))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    view.activateWindow()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    view.focus_main()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.table, timeout=2_000)
    assert view.selected() is not None and view.selected().path == "/loop"  # the newest
    assert view.detail.record is view.selected()
    assert "likely N+1" in view.detail.text("sql")
    view.split.setSizes([700, 0])
    QTest.keyClick(view.table, Qt.Key.Key_Up)
    assert view.detail.record is not None and view.detail.record.path == "/ok"
    QTest.keyClick(view.table, Qt.Key.Key_Return)
    assert view.split.sizes()[1] > 80  # Enter opens a collapsed detail
    qtbot.waitUntil(lambda: view.detail.isAncestorOf(QApplication.focusWidget()), timeout=2_000)
    view.focus_filter()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.filters.path, timeout=2_000)
    view.filters.n_plus_one.setChecked(True)
    assert [r.path for r in view.model.rows()] == ["/loop"]
    assert view.status.text() == "1 of 2 requests match the filters"


def test_copy_as_curl_open_in_try_and_clear(qtbot, ini, write_records, raw) -> None:  # type: ignore[no-untyped-def]
    raw = raw("/items", method="POST", request_body='{"a": 1}', request_size=8,
                      request_headers=[["content-type", "application/json"]])  # fmt: skip
    folder = write_records(raw)
    log = RequestLog(folder)
    view = build(qtbot, ini, ShownServer("dev", log, "http://127.0.0.1:8765", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    assert not view.curl_action.isEnabled()  # nothing selected yet
    view.table.selectRow(0)
    assert view.curl_action.isEnabled() and view.source_action.isEnabled()
    text = view.copy_curl()
    assert text is not None and "http://127.0.0.1:8765/items" in text
    assert QGuiApplication.clipboard().text() == text
    with qtbot.waitSignal(view.try_requested) as opened:
        view.try_action.trigger()
    spec = opened.args[0]
    assert (spec.method, spec.url, spec.base_url, spec.body) == (
        "POST", "/items", "http://127.0.0.1:8765", '{"a": 1}',
    )  # fmt: skip
    view.clear_action.trigger()
    assert view.model.rowCount() == 0 and view.empty.text() == NO_REQUESTS
    qtbot.waitUntil(lambda: log.records() == [], timeout=5_000)


def test_the_filter_and_divider_are_kept_per_project(qtbot, ini) -> None:  # type: ignore[no-untyped-def]
    first = build(qtbot, ini, None, root=Path("/one"))
    first.filters.set_value(RequestFilter(frozenset({"5xx"}), "api", 100.0))
    first.save_state()
    again = build(qtbot, ini, None, root=Path("/one"))
    assert again.filters.value() == RequestFilter(frozenset({"5xx"}), "api", 100.0)
    assert again.model.filter == again.filters.value()
    other = build(qtbot, ini, None, root=Path("/two"))
    assert other.filters.value() == RequestFilter()


def test_switching_servers_reads_the_other_log(
    qtbot, ini, tmp_path: Path, write_records, raw
) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/one"), raw("/two"))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    empty = tmp_path / "other"
    empty.mkdir()
    view.set_source(ShownServer("prod", RequestLog(empty), "http://y", running=True))
    assert view.model.rowCount() == 0
    qtbot.waitUntil(lambda: not view.scope.pending("load"), timeout=5_000)
    assert view.empty.text() == NO_REQUESTS


def test_open_source_opens_the_endpoint_and_project_frames_in_the_editor(
    qtbot, ini, write_records, raw, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    import asgideck.gui.tabs.requests.view as view_module

    started: list[list[str]] = []
    monkeypatch.setattr(
        view_module.subprocess, "Popen", lambda argv, **_kw: started.append(list(argv))
    )
    monkeypatch.setenv("ASGIDECK_EDITOR", "code")
    folder = write_records(raw("/boom", exception=True))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    view.table.selectRow(0)
    view.source_action.trigger()
    assert started == [["code", "-g", "/proj/app/api/items.py:20"]]
    view.detail.show_page("exception")
    view.detail.browsers["exception"].anchorClicked.emit(QUrl("source:app/api/items.py:33"))
    assert started[-1] == ["code", "-g", "/proj/app/api/items.py:33"]


def test_a_websocket_session_opens_in_try_s_websocket_page_and_has_no_curl(
    qtbot, ini, write_records, raw
) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/ws/echo", kind="websocket", status=None))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    assert view.model.index(0, 1).data() == "WS"
    view.table.selectRow(0)
    assert not view.curl_action.isEnabled() and view.copy_curl() is None
    with qtbot.waitSignal(view.try_websocket_requested) as opened:
        view.try_action.trigger()
    assert opened.args == ["/ws/echo"]
