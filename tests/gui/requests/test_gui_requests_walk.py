"""What a new user's walkthrough found in the Requests tab: the list follows the server's
latest run, asgideck's own requests stay out of it, a filter hides the detail of what it
hides, notices do not move the layout, and Open Source never fails silently."""

from __future__ import annotations

import shlex
from pathlib import Path

from PySide6.QtGui import QGuiApplication

from asgideck import __version__
from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.tabs.requests.view import FILTERED_OUT, RequestsView, ShownServer
from asgideck.runtime.recording import RequestFilter, RequestLog

MARKER = "asgideck-server.json"  # the note a start renews (runtime/recording/_paths.py)


def build(qtbot, ini, source) -> RequestsView:  # type: ignore[no-untyped-def]
    runner = TaskRunner(threads=1)
    view = RequestsView(source, runner, root=Path("/proj"), settings=ini)
    view.resize(900, 700)

    def finish() -> None:
        view.detach()
        runner.wait(5000)

    qtbot.addWidget(view, before_close_func=lambda _w: finish())
    return view


def _renew_marker(folder: Path) -> None:
    """What a new start does to the folder: its note renewed, the files emptied."""
    tmp = folder / "note.tmp"
    tmp.write_text("{}", encoding="utf-8")
    tmp.replace(folder / MARKER)
    for file in folder.glob("*.jsonl"):
        file.unlink()


def test_the_list_is_the_latest_run_s_and_a_stop_keeps_it(qtbot, ini, write_records, raw) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/first/1"), raw("/first/2"))
    (folder / MARKER).write_text("{}", encoding="utf-8")
    log = RequestLog(folder)
    view = build(qtbot, ini, ShownServer("dev", log, "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    _renew_marker(folder)  # Restart
    write_records(raw("/second/1"))
    qtbot.waitUntil(lambda: log.run == 1 and view.model.total == 1, timeout=5_000)
    assert [view.model.row(0).path] == ["/second/1"]
    write_records(raw("/second/2"))
    qtbot.waitUntil(lambda: view.model.total == 2, timeout=5_000)
    view.set_source(ShownServer("dev", log, None, running=False))  # Stop
    qtbot.waitUntil(lambda: not view.scope.pending("poll"), timeout=5_000)
    assert [r.path for r in log.records()] == ["/second/1", "/second/2"]
    assert [view.model.row(i).path for i in range(view.model.rowCount())] == [
        "/second/1",
        "/second/2",
    ]


def test_asgideck_s_own_fetches_are_hidden_and_counted(qtbot, ini, write_records, raw) -> None:  # type: ignore[no-untyped-def]
    own = raw(
        "/openapi.json", request_headers=[["user-agent", f"asgideck/{__version__} (internal)"]]
    )
    folder = write_records(raw("/a"), own, raw("/b"))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.internal == 1, timeout=5_000)
    assert [view.model.row(i).path for i in range(view.model.rowCount())] == ["/a", "/b"]
    assert view.status.text() == "2 requests · 1 of asgideck's own hidden"
    write_records(own)
    qtbot.waitUntil(lambda: view.model.internal == 2, timeout=5_000)
    assert view.model.rowCount() == 2


def test_a_filter_that_hides_the_selected_request_clears_the_detail(
    qtbot, ini, write_records, raw
) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/admin/stats"), raw("/items/1"))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 2, timeout=5_000)
    view.table.selectRow(0)
    assert view.detail.record is not None and view.detail.record.path == "/admin/stats"
    view.filters.set_value(RequestFilter(path="items"))
    view._on_filter(view.filters.value())
    assert view.detail.record is None and view.selected() is None
    assert view.detail.empty.text() == FILTERED_OUT
    view.table.selectRow(0)
    assert view.detail.record is not None and view.detail.record.path == "/items/1"


def test_copied_as_curl_goes_to_the_status_bar_not_the_layout(
    qtbot, ini, write_records, raw
) -> None:  # type: ignore[no-untyped-def]
    folder = write_records(raw("/a"))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    view.table.selectRow(0)
    before = view.split.geometry()
    with qtbot.waitSignal(view.notice) as said:
        view.copy_curl()
    assert said.args[0].startswith("Copied as curl")
    assert view.banner.isHidden() and view.split.geometry() == before


def test_open_source_without_an_editor_says_so(qtbot, ini, write_records, raw, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import asgideck.gui.tabs.requests.view as view_module

    monkeypatch.setattr(view_module, "editor_command", lambda _file, _line: None)
    monkeypatch.setattr(view_module, "open_url", lambda _url: False)
    folder = write_records(raw("/a"))
    view = build(qtbot, ini, ShownServer("dev", RequestLog(folder), "http://x", running=True))
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=5_000)
    view.table.selectRow(0)
    view.source_action.trigger()
    assert not view.banner.isHidden()
    assert "No editor found for app/api/items.py:20 (copied to the clipboard)" in (
        view.banner.text()
    )
    assert QGuiApplication.clipboard().text() == "app/api/items.py:20"


def test_curl_and_try_carry_the_recorded_body_byte_for_byte(make_record) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.tabs.requests.actions import curl_for, spec_for
    from asgideck.runtime.workbench import draft_from_spec

    for body in ('{"b":2,  "a": 1.50, "u": "\\u00e9"}', '{"cut": "at the li'):
        record = make_record(
            "/items",
            method="POST",
            request_body=body,
            request_size=len(body),
            request_headers=[["content-type", "application/json"]],
        )
        assert shlex.split(curl_for(record, "http://x").replace("\\\n", ""))[-1] == body
        draft, _notes = draft_from_spec(spec_for(record, "http://x"), base_url="http://x")
        assert draft.body_text == body


def test_the_try_banner_is_true_without_authorization() -> None:
    from asgideck.runtime.client import RequestSpec
    from asgideck.runtime.workbench import draft_from_spec

    spec = RequestSpec("GET", "/me", headers=(("Authorization", "Bearer ****"),))
    _draft, notes = draft_from_spec(spec, authorized=False)
    assert notes[0] == (
        "the stored Authorization header was redacted; this server has no authorization "
        "set: set it with Authorize… (Ctrl+Shift+A)"
    )
    _draft, notes = draft_from_spec(spec)
    assert notes[0] == "the stored Authorization header was redacted: the current one is used"
