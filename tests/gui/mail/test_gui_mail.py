"""Mail tab against a real catcher: a message an app sends shows in the list with its text,
HTML (nothing loaded from anywhere) and attachments; Delete and Clear change the store;
the store is read off the GUI thread, through the tab's task scope."""

from __future__ import annotations

import smtplib
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path

import pytest

from asgideck.runtime.servers import free_port
from asgideck.runtime.services import CaughtMail, Mailbox, MailEngine, NotReady, ServiceNeed
from asgideck.runtime.services import mail_store as store_in

pytestmark = pytest.mark.integration

TIMEOUT_MS = 20_000


class WatchedMailbox(Mailbox):
    """Remembers the threads the tab read the store on."""

    def __init__(self, store: Path) -> None:
        super().__init__(store)
        self.read_on: set[threading.Thread] = set()

    def messages(self) -> list[CaughtMail]:
        self.read_on.add(threading.current_thread())
        return super().messages()


@pytest.fixture
def catcher(tmp_path: Path) -> Iterator[ServiceNeed]:
    """A real catcher process on a free loopback port, answering NOOP."""
    engine = MailEngine()
    need = ServiceNeed(kind="mail", name="mail", host="127.0.0.1", port=free_port())
    engine.prepare(need, tmp_path)
    log = tmp_path / "catcher.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(engine.argv(need, tmp_path), stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, log.read_text()
            try:
                engine.ready(need, tmp_path, timeout=1.0)
                break
            except NotReady:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # polling a condition (NOOP answers), bounded by the deadline
        yield need
    finally:
        proc.terminate()
        assert proc.wait(10) == 0


@pytest.fixture
def pixel_server() -> Iterator[socket.socket]:
    """A listening socket an image URL points at: nothing may ever connect to it."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.setblocking(False)
        yield listener


@pytest.fixture
def runner(qtbot) -> Iterator:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app
    from asgideck.gui.core.tasks import TaskRunner

    make_app()
    built = TaskRunner()
    yield built
    assert built.wait(TIMEOUT_MS)
    built.deleteLater()


def welcome(pixel_port: int, subject: str = "Welcome, Alice") -> EmailMessage:
    message = EmailMessage()
    message["From"] = "App <noreply@example.test>"
    message["To"] = "alice@example.test"
    message["Subject"] = subject
    message.set_content("Hello Alice,\nyour account is ready.\n")
    message.add_alternative(
        "<html><body><h1>Hello Alice</h1>"
        f'<img src="http://127.0.0.1:{pixel_port}/pixel.png" width="1" height="1">'
        '<img src="file:///etc/hostname">'
        '<p><a href="https://example.test/confirm">Confirm</a></p></body></html>',
        subtype="html",
    )
    message.add_attachment(
        b"x" * 2048, maintype="application", subtype="pdf", filename="invoice.pdf"
    )
    return message


def send(need: ServiceNeed, message: EmailMessage) -> None:
    with smtplib.SMTP(need.host, need.port, timeout=10) as client:
        client.login("app", "any-password")
        client.send_message(message)


def test_mail_tab_shows_deletes_and_clears_caught_mail(  # type: ignore[no-untyped-def]
    qtbot, qtmodeltester, runner, catcher: ServiceNeed, pixel_server, tmp_path: Path
) -> None:
    from asgideck.gui.tabs.mail.detail import ATTACHMENTS, HTML
    from asgideck.gui.tabs.mail.view import EMPTY_HINT, MailTab

    pixel_port = pixel_server.getsockname()[1]
    send(catcher, welcome(pixel_port))
    mailbox = WatchedMailbox(store_in(tmp_path))
    tab = MailTab(mailbox, runner)
    qtbot.addWidget(tab)
    tab.resize(900, 700)
    tab.show()
    qtbot.waitUntil(lambda: tab.model.rowCount() == 1, timeout=TIMEOUT_MS)
    assert mailbox.read_on and threading.main_thread() not in mailbox.read_on
    qtmodeltester.check(tab.model)
    assert [a.text() for a in tab.actions()] == ["&Delete Message", "C&lear Mailbox"]

    tab.focus_main()  # selects the first row
    mail = tab.selected()
    assert mail is not None and mail.subject == "Welcome, Alice"
    row = [tab.model.index(0, c).data() for c in range(4)]
    assert row[:3] == ["noreply@example.test", "alice@example.test", "Welcome, Alice"]
    detail = tab.detail
    assert "Welcome, Alice" in detail.header.text()
    assert detail.text.toPlainText() == "Hello Alice,\nyour account is ready.\n"
    assert "Hello Alice" in detail.html.toPlainText()
    assert detail.tabs.tabText(ATTACHMENTS) == "Attachments (1)"
    assert detail.attachments.item(0).text() == "invoice.pdf — application/pdf, 2.0 KiB"

    detail.tabs.setCurrentIndex(HTML)  # laid out and painted: the images are asked for
    remote = f"http://127.0.0.1:{pixel_port}/pixel.png"
    qtbot.waitUntil(lambda: remote in detail.html.blocked, timeout=TIMEOUT_MS)
    assert "file:///etc/hostname" in detail.html.blocked
    with pytest.raises(BlockingIOError):
        pixel_server.accept()  # nobody connected to the image's server

    # a second message arrives while the tab is open: the poll brings it in, newest first
    send(catcher, welcome(pixel_port, subject="Reset your password"))
    qtbot.waitUntil(lambda: tab.model.rowCount() == 2, timeout=TIMEOUT_MS)
    assert tab.model.index(0, 2).data() == "Reset your password"
    assert tab.selected() == mail  # the selection follows the message, not the row

    tab.table.selectRow(0)
    tab.delete_action.trigger()
    assert tab.model.rowCount() == 1
    assert tab.selected() == mail  # the next one down
    qtbot.waitUntil(lambda: mailbox.ids() == [mail.id], timeout=TIMEOUT_MS)

    tab.clear_action.trigger()
    assert tab.model.rowCount() == 0 and tab.detail.mail is None
    qtbot.waitUntil(lambda: mailbox.ids() == [], timeout=TIMEOUT_MS)
    assert tab.status.text() == EMPTY_HINT
    assert not tab.delete_action.isEnabled() and not tab.clear_action.isEnabled()
    tab.detach()
    assert not tab.timer.isActive()


def test_mail_tab_on_a_store_that_does_not_exist_yet(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app
    from asgideck.gui.tabs.mail.view import EMPTY_HINT, MailTab

    make_app()
    mailbox = WatchedMailbox(tmp_path / "never-started" / "messages")
    tab = MailTab(mailbox)  # no runner given: the tab keeps its own
    qtbot.addWidget(tab)
    tab.show()
    qtbot.waitUntil(lambda: bool(mailbox.read_on), timeout=TIMEOUT_MS)
    assert threading.main_thread() not in mailbox.read_on
    assert tab.scope.runner.wait(TIMEOUT_MS)
    qtbot.waitUntil(lambda: not tab.scope.pending("refresh"), timeout=TIMEOUT_MS)
    assert tab.model.rowCount() == 0 and tab.status.text() == EMPTY_HINT
    assert not tab.banner.isVisible()
    tab.hide()
    assert not tab.timer.isActive()  # no polling while the tab is not shown
    tab.detach()
