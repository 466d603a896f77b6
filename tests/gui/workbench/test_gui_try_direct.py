"""Issue #15 (Try send-to-shown): the sender's worker hands the answer straight home.

A Send no longer parks a pool thread waiting on the sender: the worker prepares the
body view and posts the result through the view's task scope. "Sending…" shows only
when the answer takes longer than a frame, the status chip keeps one style sheet (its
colour follows a property), and the history entry is written a frame after the answer
shows. These check that nothing a user sees or keeps changed: the same answer shown,
errors, cancel, the history entry (secrets masked), and that a late answer after the
view closed, or after a cancel, never lands. Real loopback servers (uvicorn echo app;
a stdlib handler where the test must decide when the answer comes).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QColor, QFont

from asgideck.gui.core import theme
from asgideck.gui.tabs.workbench import flight as flight_module
from asgideck.gui.tabs.workbench.body import body_view
from asgideck.gui.tabs.workbench.elided import ElidedLabel
from asgideck.runtime.client import History, RequestFailed, Sender
from asgideck.runtime.openapi import Document
from support.loopback import free_port, serve_handler
from support.try_view import Views, fetch_document, serve_echo

pytestmark = pytest.mark.integration
TIMEOUT_MS = 15_000
SECRET = "s3cret-token-value"


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Document]]:
    with serve_echo(tmp_path_factory.mktemp("echo")) as url:
        yield url, fetch_document(url)


class Held(BaseHTTPRequestHandler):
    """Answers 200 with a small JSON body once the test releases it."""

    arrived = threading.Event()
    release = threading.Event()

    def do_GET(self) -> None:
        Held.arrived.set()
        Held.release.wait(30)
        body = b'{"late": true}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass


@pytest.fixture
def held() -> Iterator[str]:
    Held.arrived.clear()
    Held.release.clear()
    with serve_handler(Held) as url:
        try:
            yield url
        finally:
            Held.release.set()


def settled(view, qtbot, rows: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """The answer landed, the history entry is written (and listed, if ``rows``)."""
    qtbot.waitUntil(lambda: view._flight is None, timeout=TIMEOUT_MS)
    qtbot.waitUntil(
        lambda: not view._storing.isActive() and not view.runner.busy, timeout=TIMEOUT_MS
    )
    if rows is not None:
        qtbot.waitUntil(lambda: view.history.model.rowCount() == rows, timeout=TIMEOUT_MS)


def test_the_shown_answer_is_the_senders_entry_masked(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/direct")
    view.composer.query_model.add_row("q", "1")
    view.composer.headers_model.add_row("Authorization", f"Bearer {SECRET}")
    spec = view.build_spec()
    with Sender() as sender:
        expected = sender.send(spec)
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    response = view.response
    record = response.record
    assert record is not None
    assert (record.status, record.reason, record.url, record.content_type) == (
        expected.status,
        expected.reason,
        expected.url,
        expected.content_type,
    )
    assert record.body == expected.body
    assert [name for name, _ in record.headers] == [name for name, _ in expected.headers]
    assert response.chip.text() == "200 OK" and response.chip.property("status_class") == "2xx"
    assert response.body.toPlainText() == body_view(expected).pretty
    assert json.loads(response.body.toPlainText())["query"] == [["q", "1"]]
    assert response.headers_model.rowCount() == len(expected.headers)
    assert view.composer.send_button.text() == "Send"
    assert not view.actions_["cancel"].isEnabled()
    settled(view, qtbot, rows=1)
    entry = view.workbench.recent()[0]
    assert (entry.method, entry.status, entry.error) == ("GET", 200, None)
    assert SECRET not in repr(entry)  # masked, as before


def test_the_answer_is_prepared_on_the_sender_thread(
    views: Views, echo, qtbot, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    threads: list[tuple[threading.Thread, str]] = []

    def spy(record):  # type: ignore[no-untyped-def]
        threads.append((threading.current_thread(), threading.current_thread().name))
        return body_view(record)

    monkeypatch.setattr(flight_module, "body_view", spy)
    view = views(url)
    view.composer.url.setText("/echo/thread")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    assert [name for _, name in threads] == ["asgideck-send"]
    assert threads[0][0] is not threading.main_thread()


def test_an_answer_after_the_view_closed_never_lands(views: Views, held, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(held)
    view.composer.url.setText("/held")
    assert view.send()
    assert Held.arrived.wait(TIMEOUT_MS / 1000)
    sender = view.workbench.sender
    view.scope.close()  # the view closes (detach's first step) while the answer is on its way
    Held.release.set()  # the answer arrives and is handed home: the closed scope drops it
    qtbot.waitUntil(lambda: sender.in_flight == 0, timeout=TIMEOUT_MS)
    for _ in range(5):
        QCoreApplication.processEvents()
    assert view.response.record is None
    assert view._flight is not None  # nothing landed: not even the flight's end
    assert not view.runner.busy  # yet the busy light went off when the answer came home
    assert view.response.chip.text() != "200 OK"
    assert view._unrecorded == [] and view.workbench.recent() == []


def test_a_cancelled_flight_never_lands_even_if_answered(views: Views, held, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(held)
    view.composer.url.setText("/held")
    assert view.send()
    assert Held.arrived.wait(TIMEOUT_MS / 1000)
    view.cancel()  # hangs up at once
    assert view._flight is None and view.response.chip.text() == "Cancelled"
    assert view.workbench.sender.in_flight == 0
    Held.release.set()
    for _ in range(5):
        QCoreApplication.processEvents()
    settled(view, qtbot)
    assert view.response.chip.text() == "Cancelled" and view.response.record is None
    assert view.workbench.recent() == []  # nothing recorded
    view.composer.url.setText("/again")
    Held.release.set()
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    assert json.loads(view.response.body.toPlainText()) == {"late": True}


def test_an_error_shows_the_senders_message_and_is_recorded(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(f"http://127.0.0.1:{free_port()}")
    view.composer.url.setText("/nothing-listens")
    spec = view.build_spec()
    with Sender() as sender, pytest.raises(RequestFailed) as info:
        sender.send(spec)
    assert view.send()
    settled(view, qtbot, rows=1)
    assert view.response.chip.text() == "Error"
    assert view.response.error.text() == str(info.value)
    assert view.response.chip.property("tone") == "error"
    assert view.workbench.recent()[0].error == str(info.value)


def test_the_sending_state_shows_while_an_answer_takes_long(views: Views, held, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(held)
    view.composer.url.setText("/held")
    assert view.send()
    assert view.actions_["cancel"].isEnabled()
    assert view.runner.busy  # the window's busy light is on while the answer is on its way
    qtbot.waitUntil(lambda: view.response.chip.text() == "…", timeout=TIMEOUT_MS)
    assert view.composer.send_button.text() == "Cancel"
    assert view.response.meta.text().startswith(f"Sending GET {held}/held")
    Held.release.set()
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        pass
    assert view.response.chip.text() == "200 OK"
    assert view.composer.send_button.text() == "Send"
    assert not view._sending.isActive()
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)  # and off once answered


def _chip_colour(view) -> QColor:  # type: ignore[no-untyped-def]
    chip = view.response.chip
    image = chip.grab().toImage()
    return image.pixelColor(4, image.height() // 2)  # inside the rounded fill, left of the text


def test_the_chip_colour_follows_the_status_with_one_style_sheet(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    chip = view.response.chip
    sheet = chip.styleSheet()
    for path, tone in (("/echo/ok", "ok"), ("/no-such-route", "warning"), ("/echo/ok2", "ok")):
        view.composer.url.setText(path)
        with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
            assert view.send()
        assert chip.property("tone") == tone
        assert chip.styleSheet() == sheet  # one style sheet, never a new one per answer
        assert _chip_colour(view) == QColor(theme.SEVERITY_COLOURS[tone])
    assert chip.property("status_class") == "2xx"
    view.response.show_error("boom")
    assert chip.property("tone") == "error" and chip.property("status_class") == ""
    assert _chip_colour(view) == QColor(theme.SEVERITY_COLOURS["error"])


def test_detach_right_after_the_answer_still_writes_it(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/echo/last")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    assert view._storing.isActive()  # written a frame after the answer shows
    history_path = view.workbench.history_path
    view.detach()
    assert view.runner.wait(10_000)
    entries = History(history_path).list("try-tests")
    assert [(e.method, e.status) for e in entries] == [("GET", 200)]


def test_a_kept_size_hint_follows_font_changes(qtbot) -> None:  # type: ignore[no-untyped-def]
    hint_text = "Send a request to see its answer here."
    label = ElidedLabel("idle", hint_text=hint_text)
    qtbot.addWidget(label)
    before = label.sizeHint()
    label.setText("another summary")
    assert label.sizeHint() == before
    bigger = QFont(label.font())
    bigger.setPointSizeF(bigger.pointSizeF() * 2)
    label.setFont(bigger)
    fresh = ElidedLabel("idle", hint_text=hint_text)
    qtbot.addWidget(fresh)
    fresh.setFont(bigger)
    assert label.sizeHint() == fresh.sizeHint() != before
    assert label.minimumSizeHint() == fresh.minimumSizeHint()
    label.setContentsMargins(10, 0, 10, 0)
    assert label.sizeHint().width() == fresh.sizeHint().width() + 20


def test_entries_waiting_together_are_stored_in_their_order(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    specs = []
    for path in ("/echo/one", "/echo/two", "/echo/three"):
        view.composer.url.setText(path)
        specs.append(view.build_spec())
    with Sender() as sender:
        first = sender.send(specs[0])
        third = sender.send(specs[2])
    view._record(specs[0], first, None)  # answers that came within one frame: one write
    view._record(specs[1], None, "it failed")
    view._record(specs[2], third, None)
    assert view._storing.isActive()
    settled(view, qtbot, rows=3)
    entries = view.workbench.recent()  # newest first
    assert [(e.url.rsplit("/", 1)[1], e.status, e.error) for e in entries] == [
        ("three", 200, None),
        ("two", None, "it failed"),
        ("one", 200, None),
    ]
