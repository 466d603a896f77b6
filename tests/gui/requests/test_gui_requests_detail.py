"""The detail pane: N+1 flagged at 5 repeats and not at 4; logs; the exception's project
frame as a link; headers and bodies; counts in the page titles."""

from __future__ import annotations

from PySide6.QtCore import QUrl

from asgideck.gui.tabs.requests.detail import RequestDetail, page_titles
from asgideck.gui.tabs.requests.render import exception_html, sql_html


def test_five_repeats_are_a_likely_n_plus_one_four_are_not(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    detail = RequestDetail()
    qtbot.addWidget(detail)
    detail.show_record(make_record(sql=1, repeats=5))
    text = detail.text("sql")
    assert "same statement × 5 — likely N+1" in text
    assert "SELECT * FROM tags WHERE item_id = ?" in text
    assert "6 statements" in text and "parameter values are never recorded" in text
    assert detail.pages.tabText(1) == "SQL (6 ⚠)"
    detail.show_record(make_record(sql=1, repeats=4))
    assert "likely N+1" not in detail.text("sql")
    assert detail.pages.tabText(1) == "SQL (5)"
    detail.show_record(make_record())
    assert "No SQL statements" in detail.text("sql") and detail.pages.tabText(1) == "SQL"


def test_the_exception_links_its_project_frame(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    record = make_record(exception=True)
    html = exception_html(record)
    assert 'href="source:app/api/items.py:33"' in html
    assert "starlette/routing.py" in html and 'href="source:/venv' not in html
    detail = RequestDetail()
    qtbot.addWidget(detail)
    detail.show_record(record)
    assert "ZeroDivisionError: division by zero" in detail.text("exception")
    assert "Exception ⚠" in page_titles(record)
    with qtbot.waitSignal(detail.source_requested) as opened:
        detail.browsers["exception"].anchorClicked.emit(QUrl("source:app/api/items.py:33"))
    assert opened.args == ["app/api/items.py:33"]


def test_logs_calls_headers_and_bodies(qtbot, make_record) -> None:  # type: ignore[no-untyped-def]
    record = make_record(
        http_calls=[{"method": "GET", "url": "https://api.example.com/x", "start_ms": 1,
                     "duration_ms": 3.5, "status": 200}],
        request_body='{"name": "Widget"}', request_size=18,
        request_headers=[["authorization", "Bearer ****"], ["content-type", "application/json"]],
    )  # fmt: skip
    detail = RequestDetail()
    qtbot.addWidget(detail)
    detail.show_record(record)
    assert "reading" in detail.text("logs") and "INFO" in detail.text("logs")
    assert "https://api.example.com/x" in detail.text("calls")
    headers = detail.text("headers")
    assert "Bearer ****" in headers and '{"name": "Widget"}' in headers
    assert '{"id": 1, "name": "Widget"}' in headers
    assert page_titles(record)[2:4] == ["Logs (1)", "Calls (1)"]
    detail.show_record(None)
    assert detail.empty.isVisibleTo(detail) and not detail.pages.isVisibleTo(detail)


def test_no_statements_kept_but_some_dropped_is_said(make_record) -> None:  # type: ignore[no-untyped-def]
    html = sql_html(make_record(dropped={"sql": 12}))
    assert "12 statement(s) beyond the record's cap" in html
