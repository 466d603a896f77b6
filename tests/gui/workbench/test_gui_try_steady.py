"""Issue #15 (Try send-to-shown): a Send no longer re-lays out and repaints the whole tab.

The optimisations: the tab's mode pages sit behind a :class:`LayoutFirewall` (steady.py),
the response summary and status chip and the Send/Cancel button keep steady size hints,
and the History model answers repaints from a cache. These tests check that the answer
shown (status, summary, headers, body, size), the history entry (secrets masked), errors
and timeouts are what the record says, as before; that real size changes still re-lay
the tab out; that the cache answers what the model does; and, counting work rather than
time, that a Send repaints neither the History table nor relays past the firewall.
A real uvicorn echo server on a free loopback port.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import psutil
import pytest
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QApplication, QWidget

from asgideck.gui.core.table_models import TableModel
from asgideck.gui.tabs.workbench.body import body_view
from asgideck.gui.tabs.workbench.elided import ElidedLabel
from asgideck.gui.tabs.workbench.models import HistoryModel
from asgideck.runtime.client import (
    BearerAuth,
    History,
    HistoryEntry,
    ResponseRecord,
    size_text,
)
from asgideck.runtime.openapi import Document
from asgideck.runtime.servers import free_port
from support.try_view import Views, fetch_document, serve_echo

pytestmark = pytest.mark.integration
TIMEOUT_MS = 15_000
ROLES = [role.value for role in Qt.ItemDataRole if role.value < 256]  # Qt's own roles


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Document]]:
    with serve_echo(tmp_path_factory.mktemp("echo-steady")) as url:
        yield url, fetch_document(url)


class Counter(QObject):
    """Counts the events of one type a widget receives."""

    def __init__(self, widget: QWidget, kind: QEvent.Type) -> None:
        super().__init__()
        self.kind, self.count = kind, 0
        widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == self.kind:
            self.count += 1
        return False


def settle(view: Any, qtbot: Any, rows: int) -> None:
    """The answer landed, the history lists ``rows`` entries and every paint is done."""
    qtbot.waitUntil(lambda: view._flight is None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: view.history.model.rowCount() == rows, timeout=TIMEOUT_MS)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    for _ in range(5):
        QApplication.processEvents()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def expect_shown(view: Any, record: ResponseRecord) -> None:
    """What the viewer showed for ``record`` before the optimisations (its own rules)."""
    response = view.response
    assert response.chip.text() == f"{record.status} {record.reason}".strip()
    assert response.chip.property("status_class") == f"{record.status // 100}xx"
    chip_text_width = response.chip.fontMetrics().horizontalAdvance(response.chip.text())
    assert response.chip.width() >= chip_text_width  # the whole status is visible
    parts = [
        f"{_ms(record.elapsed_s)} (first byte {_ms(record.ttfb_s)})",
        size_text(record.size),
        record.http_version,
    ]
    if record.content_type:
        parts.append(record.content_type)
    assert response.meta.text() == " · ".join(parts)
    assert response.headers_model.rows() == list(record.headers)
    shown = body_view(record)
    pretty = response.pretty_button.isChecked() and shown.is_json
    assert response.body.toPlainText() == (shown.pretty if pretty else shown.raw)
    assert response.save_button.isEnabled()


def expect_entry(entry: HistoryEntry | None, record: ResponseRecord | None, error: str | None):  # type: ignore[no-untyped-def]
    assert entry is not None
    assert entry.error == error
    if record is None:
        assert entry.status is None
        return
    assert (entry.status, entry.reason, entry.size) == (record.status, record.reason, record.size)
    assert entry.response_headers == record.headers
    assert entry.content_type == record.content_type


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/echo/small", ""),
        ("POST", "/echo/json", '{"name": "Ada", "tags": [1, 2]}'),
        ("GET", "/big?size=300000", ""),
    ],
    ids=["get", "post-json", "large-body"],
)
def test_answer_and_history_entry_shown_as_before(  # type: ignore[no-untyped-def]
    views: Views, echo, qtbot, method: str, path: str, body: str
) -> None:
    url, _doc = echo
    view = views(url)
    view.workbench.set_auth(BearerAuth("steady-secret-token"))
    view.composer.method.setCurrentText(method)
    view.composer.url.setText(path)
    if body:
        composer = view.composer
        composer.body_kind.setCurrentIndex(composer.body_kind.findData("json"))
        composer.body_edit.setPlainText(body)
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    record = view.response.record
    assert record is not None and record.status == 200
    expect_shown(view, record)
    if body:
        echoed = json.loads(record.body)
        assert echoed["method"] == "POST"
        assert echoed["headers"]["content-type"] == "application/json"
    settle(view, qtbot, rows=1)
    entry = view.history.model.row(0)
    expect_entry(entry, record, None)
    assert entry is not None
    assert "steady-secret-token" not in json.dumps(dict(entry.spec))  # masked in history


def test_error_and_timeout_shown_and_recorded_as_before(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.workbench.set_limits(deadline=0.5, max_body=2**30)
    view.composer.url.setText("/slow-headers")
    assert view.send()
    settle(view, qtbot, rows=1)
    message = view.response.error.text()
    assert "deadline" in message and view.response.chip.text() == "Error"
    expect_entry(view.history.model.row(0), None, message)

    closed = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    view.composer.url.setText(f"{closed}/echo/x")
    assert view.send()
    settle(view, qtbot, rows=2)
    message = view.response.error.text()
    assert message and view.response.chip.text() == "Error"
    expect_entry(view.history.model.row(0), None, message)


def test_send_repaints_neither_history_nor_the_tab(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/steady")
    for rows in (1, 2):  # twice: the second Send starts from a settled tab with history
        history_paints = Counter(view.history.view.viewport(), QEvent.Type.Paint)
        tab_layouts = Counter(view, QEvent.Type.LayoutRequest)
        dropped = view.layout_firewall.dropped
        with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
            assert view.send()
        assert view.response.record is not None and view.response.record.status == 200
        if rows == 2:
            assert history_paints.count == 0
            assert tab_layouts.count == 0
        settle(view, qtbot, rows=rows)
        assert view.layout_firewall.dropped > dropped  # it kept re-layouts from the tab


def test_real_size_changes_still_lay_the_tab_out(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/steady")
    assert view.send()
    settle(view, qtbot, rows=1)
    before = view.minimumSizeHint().width()
    wider = view.modes.minimumSizeHint().width() + 300
    view.composer.setMinimumWidth(wider)
    qtbot.waitUntil(lambda: view.minimumSizeHint().width() > before, timeout=TIMEOUT_MS)
    assert view.modes.minimumSizeHint().width() >= wider
    view.resize(wider + 200, 720)
    page = view.modes.currentWidget()
    qtbot.waitUntil(lambda: page.width() >= wider, timeout=TIMEOUT_MS)


def test_send_button_and_chip_keep_steady_widths(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views()
    button = view.composer.send_button
    assert button.text() == "Send"
    widths = set()
    for sending in (True, False):
        view.composer.set_sending(sending)
        assert button.text() == ("Cancel" if sending else "Send")
        assert button.minimumWidth() >= button.sizeHint().width()
        widths.add(button.minimumWidth())
    assert len(widths) == 1
    chip = view.response.chip
    chips = set()
    for text, status in (("…", None), ("200 OK", 200), ("Cancelled", None)):
        view.response._chip(text, status)
        assert chip.text() == text
        chips.add(chip.minimumWidth())
    assert len(chips) == 1
    view.response._chip("422 Unprocessable Content", 422)  # a longer status still fits
    assert chip.minimumWidth() > chips.pop()


def test_elided_label_with_a_hint_text_shows_the_same(qtbot) -> None:  # type: ignore[no-untyped-def]
    steady = ElidedLabel("idle", hint_text="Send a request to see its answer here.")
    plain = ElidedLabel("idle")
    for label in (steady, plain):
        qtbot.addWidget(label)
        label.resize(120, 20)
    hint = steady.sizeHint()
    for text in ("short", "a much longer summary · 12 ms (first byte 3 ms) · 2 KB · HTTP/1.1"):
        steady.setText(text)
        plain.setText(text)
        assert steady.sizeHint() == hint
        assert (steady.text(), steady.shown_text(), steady.toolTip()) == (
            plain.text(),
            plain.shown_text(),
            plain.toolTip(),
        )


def _entry(n: int, url: str, status: int | None = 200) -> HistoryEntry:
    return HistoryEntry(
        id=n,
        project="p",
        created=1_700_000_000.0 + n,
        method="GET" if n % 2 else "DELETE",
        url=url,
        spec={},
        status=status,
        reason="OK" if status else "",
        elapsed_s=0.012 * n if status else None,
        size=100 * n if status else None,
        content_type="application/json",
        response_headers=(),
        response_body=b"",
        body_truncated=False,
        error=None if status else "connection refused",
    )


def _same_as_uncached(model: HistoryModel) -> None:
    for row in range(-1, model.rowCount() + 1):
        for column in range(-1, model.columnCount() + 1):
            index = model.index(row, column)
            for role in ROLES:
                cached = model.data(index, role)
                assert cached == TableModel.data(model, index, role), (row, column, role)
                assert model.data(index, role) == cached  # asked again: from the cache


def test_history_model_cache_answers_what_the_model_does(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = HistoryModel()
    model.set_rows([_entry(n, f"http://127.0.0.1:800{n % 2}/items/{n}") for n in range(1, 6)])
    _same_as_uncached(model)
    model.set_server_names({"http://127.0.0.1:8001": "dev"})  # the Server column changes
    assert model.data(model.index(0, model.SERVER)) == "dev"
    _same_as_uncached(model)
    model.set_rows([_entry(9, "http://127.0.0.1:8000/other", status=None)])
    _same_as_uncached(model)
    model.append_rows([_entry(10, "http://127.0.0.1:8001/x", status=404)])
    _same_as_uncached(model)
    model.remove_row(0)
    _same_as_uncached(model)
    assert model.row(0) is not None and model.row(0).id == 10  # type: ignore[union-attr]


def _open_to(url: str) -> int:
    """How many established TCP connections this process has to ``url``'s port."""
    port = int(url.rsplit(":", 1)[1])
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def test_kept_connection_closes_when_the_target_changes_or_the_view_closes(  # type: ignore[no-untyped-def]
    views: Views, echo, qtbot
) -> None:
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/kept")
    for rows in (1, 2):
        assert view.send()
        settle(view, qtbot, rows=rows)
    assert _open_to(url) == 1  # both requests went over one kept connection
    view.workbench.set_target("other", "http://127.0.0.1:9")  # the server moved
    qtbot.waitUntil(lambda: _open_to(url) == 0, timeout=TIMEOUT_MS)
    view.workbench.set_target("dev", url)
    qtbot.waitUntil(lambda: view.target_label.text().startswith("dev"), timeout=TIMEOUT_MS)
    assert view.send()
    settle(view, qtbot, rows=3)
    assert _open_to(url) == 1
    view.detach()
    qtbot.waitUntil(lambda: _open_to(url) == 0, timeout=TIMEOUT_MS)


def test_an_answer_shown_just_before_the_view_closes_is_still_recorded(  # type: ignore[no-untyped-def]
    views: Views, echo, qtbot
) -> None:
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/last")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    record = view.response.record
    view.detach()  # at once: the entry's write was still waiting for the paint
    assert view.runner.wait(15_000)
    history = History(view.workbench.history_path)
    try:
        entries = history.list(view.workbench.project_key)
    finally:
        history.close()
    assert len(entries) == 1
    expect_entry(entries[0], record, None)
