"""Done #7 (and #2 through the GUI): route -> prefilled composer -> send -> response shown;
history re-send with the current token; curl copy, run for real; cancel; images; errors.

A real uvicorn echo server on a free loopback port (tests/support/apps/client_echo_app.py).
"""

from __future__ import annotations

import base64
import json
import shlex
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QCoreApplication
from PySide6.QtGui import QGuiApplication

from asgideck.gui.tabs.workbench.response import PREVIEW_TAB
from asgideck.runtime.client import BearerAuth, to_curl
from asgideck.runtime.openapi import Document
from support.try_view import Views, fetch_document, operation, serve_echo

pytestmark = pytest.mark.integration
TIMEOUT_MS = 15_000


@pytest.fixture(scope="module")
def echo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Document]]:
    with serve_echo(tmp_path_factory.mktemp("echo")) as url:
        yield url, fetch_document(url)


def shown(view, qtbot, count: int | None = None) -> None:  # type: ignore[no-untyped-def]
    """Wait until the answer is on screen (and the history has ``count`` rows, if given)."""
    qtbot.waitUntil(lambda: view._flight is None, timeout=TIMEOUT_MS)
    if count is not None:
        qtbot.waitUntil(lambda: view.history.model.rowCount() == count, timeout=TIMEOUT_MS)


def test_route_prefill_send_and_response_shown(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = echo
    view = views(url, doc)
    view.open_operation(operation(doc, "GET", "/echo/{rest}"))
    composer = view.composer
    assert (composer.method.currentText(), composer.url.text()) == ("GET", "/echo/{rest}")
    assert [f.name for f in composer.path_model.rows()] == ["rest"]
    composer.path_model.set_value("rest", "a b")
    composer.query_model.add_row("q", "1")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    response = view.response
    assert response.chip.text() == "200 OK"
    assert response.chip.property("status_class") == "2xx"
    assert "first byte" in response.meta.text() and "HTTP/1.1" in response.meta.text()
    body = json.loads(response.body.toPlainText())
    assert body["raw_path"] == "/echo/a%20b" and body["query"] == [["q", "1"]]
    assert response.body.toPlainText().startswith("{\n  ")  # pretty
    response.pretty_button.setChecked(False)
    assert response.body.toPlainText() == response.record.body.decode()  # type: ignore[union-attr]
    assert ("content-type", "application/json") in response.headers_model.rows()
    assert response.notice.isHidden()
    shown(view, qtbot, count=1)
    entry = view.history.model.row(0)
    assert entry is not None and entry.status == 200 and entry.url == f"{url}/echo/a%20b?q=1"
    model = view.history.model
    assert model.data(model.index(0, model.URL)) == "/echo/a%20b?q=1"


def test_history_resend_applies_the_current_token(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.workbench.set_auth(BearerAuth("old-token"))
    for path in ("/echo/first", "/echo/second"):
        view.composer.url.setText(path)
        assert view.send()
        shown(view, qtbot)
    shown(view, qtbot, count=2)
    view.workbench.set_auth(BearerAuth("new-token"))
    view.history.select_row(1)  # newest first: row 1 is /echo/first
    entry = view.history.selected_entry()
    assert entry is not None and entry.url.endswith("/echo/first")
    assert "old-token" not in json.dumps(entry.spec)
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        view.history.resend_requested.emit(entry)
    body = json.loads(view.response.body.toPlainText())
    assert body["path"] == "/echo/first"
    assert body["headers"]["authorization"] == "Bearer new-token"
    assert view.composer.url.text() == "/echo/first"
    shown(view, qtbot, count=3)
    view.history.search.setText("second")
    qtbot.waitUntil(lambda: view.history.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert view.history.count.text() == "1 request matching 'second'"


def test_curl_copy_equals_to_curl_and_runs_the_same(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.workbench.set_auth(BearerAuth("t-1"))
    composer = view.composer
    composer.method.setCurrentText("POST")
    composer.url.setText("/echo/c")
    composer.headers_model.add_row("X-Note", 'it\'s "here"')
    composer.body_kind.setCurrentIndex(composer.body_kind.findData("json"))
    composer.body_edit.setPlainText('{"a": "é"}')
    view.actions_["copy_curl"].trigger()
    spec = view.build_spec()
    assert QGuiApplication.clipboard().text() == to_curl(spec)
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        view.send()
    gui_body = view.response.record.body  # type: ignore[union-attr]
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    ran = subprocess.run(
        [*shlex.split(QGuiApplication.clipboard().text()), "-w", "\n%{http_code}"],
        capture_output=True,
        timeout=30,
        check=True,
    )
    curl_body, status = ran.stdout.rsplit(b"\n", 1)
    assert status == b"200"
    assert json.loads(curl_body) == json.loads(gui_body)
    assert base64.b64decode(json.loads(gui_body)["body_b64"]) == '{"a": "é"}'.encode()


def test_escape_cancels_a_request_in_flight(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/slow-headers")
    assert not view.actions_["cancel"].isEnabled()
    assert view.send()
    assert view.actions_["cancel"].isEnabled()  # Esc works at once; the label follows a frame on
    qtbot.waitUntil(lambda: view.composer.send_button.text() == "Cancel", timeout=TIMEOUT_MS)
    assert view.response.chip.text() == "…"
    qtbot.waitUntil(lambda: view.workbench.sender.in_flight == 1, timeout=TIMEOUT_MS)
    view.actions_["cancel"].trigger()
    shown(view, qtbot)
    assert view.response.chip.text() == "Cancelled"
    assert view.response.error.text().startswith("Cancelled after ")
    assert view.composer.send_button.text() == "Send"
    # The cancelled send ends on its own later: its RequestCancelled must not land.
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    assert view.response.chip.text() == "Cancelled"
    assert view.history.model.rowCount() == 0  # nothing recorded
    view.composer.url.setText("/echo/after")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        view.send()
    assert view.response.chip.text() == "200 OK"


def test_images_get_a_preview_and_a_hex_head(views: Views, echo, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/png")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        view.send()
    response = view.response
    # The test PNG is a signature and garbage: not decodable, so no preview, but a hex head.
    assert not response.tabs.isTabVisible(PREVIEW_TAB)
    assert response.body.toPlainText().startswith("<272 B of image/png>\n00000000  89 50 4e 47")
    target = tmp_path / "body.bin"
    view.save_body_to(target)
    qtbot.waitUntil(lambda: view.status.text().startswith("Saved 272 bytes"), timeout=TIMEOUT_MS)
    assert target.read_bytes() == response.record.body  # type: ignore[union-attr]


def test_a_real_image_is_previewed(views: Views, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QColor, QImage

    from asgideck.gui.tabs.workbench.flight import decode_image
    from asgideck.runtime.client import ResponseRecord

    image = QImage(40, 20, QImage.Format.Format_RGB32)
    image.fill(QColor("teal"))
    path = tmp_path / "a.png"
    image.save(str(path))
    record = ResponseRecord(
        200, "OK", "HTTP/1.1", (), path.read_bytes(), None, path.stat().st_size, False,
        "image/png", 0.01, 0.01, "http://x/a.png",
    )  # fmt: skip
    decoded = decode_image(record)
    assert decoded is not None and (decoded.width(), decoded.height()) == (40, 20)
    view = views(None)
    from asgideck.gui.tabs.workbench.body import body_view

    view.response.show_response(record, body_view(record), decoded)
    assert view.response.tabs.isTabVisible(PREVIEW_TAB)
    assert view.response.tabs.currentIndex() == PREVIEW_TAB
    assert view.response.image.pixmap().width() == 40


def test_a_stopped_server_is_a_clear_message_and_is_recorded(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    from support.try_view import free_port

    port = free_port()
    view = views(f"http://127.0.0.1:{port}")
    view.composer.url.setText("/health")
    assert view.send()
    shown(view, qtbot, count=1)
    assert view.response.chip.text() == "Error"
    assert view.response.error.text() == (
        f"connection refused: is the server at http://127.0.0.1:{port} running?"
    )
    entry = view.history.model.row(0)
    assert (
        entry is not None and entry.status is None and "connection refused" in (entry.error or "")
    )


def test_multipart_files_from_the_composer(views: Views, echo, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    upload = tmp_path / "notes.txt"
    upload.write_bytes(b"hello file")
    composer = view.composer
    composer.method.setCurrentText("POST")
    composer.url.setText("/echo/upload")
    composer.body_kind.setCurrentIndex(composer.body_kind.findData("multipart"))
    composer.form_model.add_row("caption", "hi")
    composer.form_model.add_row("file", f"@{upload}")
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send()
    form = json.loads(view.response.body.toPlainText())["form"]
    assert form[0] == ["caption", "hi"]
    assert form[1][:4] == ["file", "notes.txt", "text/plain", 10]


def test_only_the_newest_history_query_lands(views: Views, qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    view = views(None)
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)  # the first refresh
    slow = threading.Event()

    def recent(search: str = "", limit: int = 200) -> list[str]:
        if search == "old":
            assert slow.wait(TIMEOUT_MS / 1000)
        return [search]

    landed: list[list[str]] = []
    monkeypatch.setattr(view.workbench, "recent", recent)
    monkeypatch.setattr(view.history, "set_entries", landed.append)
    view.history.search.blockSignals(True)  # no debounced refresh of its own
    for search in ("old", "new"):
        view.history.search.setText(search)
        view.refresh_history()
    qtbot.waitUntil(lambda: landed == [["new"]], timeout=TIMEOUT_MS)
    slow.set()  # the older query answers last
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    assert landed == [["new"]]


def test_target_changes_from_another_thread_reach_the_view(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    view = views(None)
    thread = threading.Thread(
        target=lambda: view.workbench.set_target("dev", "http://127.0.0.1:4321", "/api")
    )
    thread.start()
    thread.join()
    qtbot.waitUntil(
        lambda: view.target_label.text() == "dev · http://127.0.0.1:4321/api", timeout=5000
    )
    assert view.composer.base_label.text() == "http://127.0.0.1:4321/api"


def test_detach_mid_request_cancels_and_closes_everything(views: Views, echo, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, _doc = echo
    view = views(url)
    view.composer.url.setText("/slow-headers")
    assert view.send()
    sender = view.workbench.sender
    qtbot.waitUntil(lambda: sender.in_flight == 1, timeout=TIMEOUT_MS)
    view.detach()
    assert view.runner.wait(10_000)  # the send job ended promptly (cancelled)
    QCoreApplication.processEvents()  # deliver the queued callback: it must be ignored
    assert view.response.chip.isHidden()  # not "Cancelled": the detached view shows nothing
    assert sender.in_flight == 0
    assert view.workbench._sender is None  # closed (a later use would open a new one)
    assert not view.ws_panel.timer.isActive() and not view._progress.isActive()
    view.detach()  # twice is harmless
