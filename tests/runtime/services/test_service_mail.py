"""The mail catcher as a real process: an app's mail goes in over SMTP (with a login), the
Mailbox reads it back whole, SIGTERM ends it cleanly, and the store stays bounded."""

from __future__ import annotations

import signal
import smtplib
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

import pytest

from asgideck.runtime.servers import free_port
from asgideck.runtime.services import (
    Mailbox,
    MailEngine,
    NotReady,
    ServiceNeed,
    mail_store,
)

pytestmark = pytest.mark.integration

SECRET = "s3cret-smtp-pass"


def mail_need(port: int) -> ServiceNeed:
    return ServiceNeed(
        kind="mail",
        name="mail",
        host="127.0.0.1",
        port=port,
        user="app",
        password=SECRET,
        variables=("SMTP_HOST", "SMTP_PORT"),
        port_variable="SMTP_PORT",
    )


@contextmanager
def catcher(data_dir: Path) -> Iterator[tuple[ServiceNeed, subprocess.Popen[bytes], Path]]:
    """A real catcher on a free loopback port, ready (NOOP 250) when this yields."""
    engine = MailEngine()
    need = mail_need(free_port())
    engine.prepare(need, data_dir)
    log = data_dir / "catcher.log"
    with log.open("ab") as out:
        proc = subprocess.Popen(engine.argv(need, data_dir), stdout=out, stderr=out)
    try:
        deadline = time.monotonic() + 20
        while True:
            assert proc.poll() is None, f"catcher exited {proc.returncode}: {log.read_text()}"
            try:
                engine.ready(need, data_dir, timeout=1.0)
                break
            except NotReady:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)  # polling a condition (NOOP answers), bounded by the deadline
        yield need, proc, log
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def multipart_message() -> EmailMessage:
    message = EmailMessage()
    message["From"] = "App <noreply@example.test>"
    message["To"] = "alice@example.test"
    message["Subject"] = "Welcome, Alice ✓"
    message.set_content("Hello Alice,\nyour account is ready.\n")
    message.add_alternative(
        "<html><body><h1>Hello Alice</h1><p>Your account is ready.</p></body></html>",
        subtype="html",
    )
    message.add_attachment(
        b"%PDF-1.4 fake invoice\n" * 10,
        maintype="application",
        subtype="pdf",
        filename="invoice.pdf",
    )
    return message


def send(need: ServiceNeed, message: EmailMessage, *, to: list[str] | None = None) -> None:
    with smtplib.SMTP(need.host, need.port, timeout=10) as client:
        client.ehlo()
        assert client.has_extn("auth")
        client.login(need.user, need.password)  # tries LOGIN/PLAIN as the server offers
        client.send_message(message, to_addrs=to)


def test_catcher_keeps_a_multipart_message_sent_with_a_login(tmp_path: Path) -> None:
    with catcher(tmp_path) as (need, proc, log):
        # an explicit AUTH LOGIN, as many apps' mail libraries do it
        with smtplib.SMTP(need.host, need.port, timeout=10) as client:
            client.ehlo()
            client.user, client.password = need.user, need.password
            code, _ = client.auth("LOGIN", client.auth_login, initial_response_ok=False)
            assert code == 235
            client.send_message(
                multipart_message(), to_addrs=["alice@example.test", "bcc@example.test"]
            )
        mailbox = Mailbox(mail_store(tmp_path))
        (mail,) = mailbox.messages()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    assert mail.sender == "noreply@example.test"
    assert mail.recipients == ("alice@example.test", "bcc@example.test")  # the envelope: Bcc too
    assert mail.subject == "Welcome, Alice ✓"
    assert mail.text == "Hello Alice,\nyour account is ready.\n"
    assert "<h1>Hello Alice</h1>" in mail.html
    (attachment,) = mail.attachments
    assert attachment.filename == "invoice.pdf"
    assert attachment.content_type == "application/pdf"
    assert attachment.size == len(b"%PDF-1.4 fake invoice\n" * 10)
    assert mail.path is not None and mail.path.read_bytes().startswith(b"From: App")
    assert mail.received_at.tzinfo is not None
    lines = log.read_text(encoding="utf-8", errors="replace").splitlines()
    caught = [line for line in lines if line.startswith("caught:")]
    assert caught == [
        "caught: noreply@example.test → alice@example.test, bcc@example.test: Welcome, Alice ✓"
    ]
    text = log.read_text(encoding="utf-8", errors="replace")
    assert "account is ready" not in text  # no bodies in the log
    assert lines[-1] == "mail catcher stopped"
    assert [line for line in lines if not line.startswith(("caught:", "mail catcher"))] == []


def test_any_login_is_accepted_and_never_logged(tmp_path: Path) -> None:
    with catcher(tmp_path) as (need, proc, log):
        send(need, multipart_message())
        with smtplib.SMTP(need.host, need.port, timeout=10) as client:
            client.ehlo()
            client.user, client.password = "someone-else", "wrong-" + SECRET
            code, _ = client.auth("PLAIN", client.auth_plain)
            assert code == 235
        proc.terminate()
        assert proc.wait(10) == 0
    assert len(Mailbox(mail_store(tmp_path)).messages()) == 1
    text = log.read_text(encoding="utf-8", errors="replace")
    assert SECRET not in text
    store_bytes = b"".join(p.read_bytes() for p in mail_store(tmp_path).iterdir())
    assert SECRET.encode() not in store_bytes


def test_too_big_a_message_is_refused_and_not_kept(tmp_path: Path) -> None:
    from asgideck.runtime.services import MAX_MESSAGE_BYTES

    message = EmailMessage()
    message["From"] = "a@example.test"
    message["To"] = "b@example.test"
    message["Subject"] = "huge"
    message.set_content("x" * 70 + "\n", subtype="plain")
    big = message.as_bytes() + (b"y" * 999 + b"\r\n") * (MAX_MESSAGE_BYTES // 1000 + 10)
    with catcher(tmp_path) as (need, _proc, _log):
        with smtplib.SMTP(need.host, need.port, timeout=30) as client:
            with pytest.raises(smtplib.SMTPException) as refused:
                client.sendmail("a@example.test", ["b@example.test"], big)
            assert "552" in str(refused.value) or getattr(refused.value, "smtp_code", 0) == 552
        assert Mailbox(mail_store(tmp_path)).messages() == []


def test_port_taken_exits_with_one_line(tmp_path: Path) -> None:
    import socket
    import sys

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        argv = MailEngine().argv(mail_need(port), tmp_path)
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1, done.stderr
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith(f"mail catcher: cannot listen on 127.0.0.1:{port}")
    assert argv[0] == sys.executable


def test_engine_not_ready_names_the_service_and_variables() -> None:
    need = mail_need(free_port())
    with pytest.raises(NotReady) as failed:
        MailEngine().ready(need, Path("/nonexistent"), timeout=1.0)
    message = str(failed.value)
    assert message.startswith("mail (SMTP_HOST, SMTP_PORT): no SMTP answer on 127.0.0.1:")
    assert SECRET not in message
    assert MailEngine().shell(need) == ([], {})
    assert MailEngine().stop_signal == signal.SIGTERM


def test_mailbox_keeps_newest_first_and_trims_deletes_and_clears(tmp_path: Path) -> None:
    box = Mailbox(tmp_path / "store")
    assert box.messages() == []  # no store yet: nothing caught
    ids = [
        box.keep(f"Subject: n{i}\r\n\r\nbody {i}\r\n".encode(), "a@x.test", ["b@x.test"])
        for i in range(5)
    ]
    assert [m.subject for m in box.messages()] == ["n4", "n3", "n2", "n1", "n0"]
    assert box.trim(3) == 2
    assert [m.id for m in box.messages()] == ids[:1:-1]
    assert box.delete(ids[3]) is True
    assert box.delete(ids[3]) is False
    assert box.delete("../../etc/passwd") is False
    assert [m.subject for m in box.messages()] == ["n4", "n2"]
    (tmp_path / "store" / ".incoming-leftover").write_bytes(b"half")
    assert box.clear() == 2
    assert box.messages() == []
    assert list((tmp_path / "store").iterdir()) == []


def test_mailbox_caps_the_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from asgideck.runtime.services import _mailbox

    monkeypatch.setattr(_mailbox, "MAX_MESSAGES", 3)
    box = Mailbox(tmp_path)
    for i in range(5):
        box.keep(f"Subject: n{i}\r\n\r\n".encode(), "a@x.test", ["b@x.test"])
    assert [m.subject for m in box.messages()] == ["n4", "n3", "n2"]
    assert len(list(tmp_path.glob("*.json"))) == 3


def test_mailbox_reads_a_message_without_an_envelope(tmp_path: Path) -> None:
    raw = (
        b"From: x@example.test\r\nTo: a@example.test, b@example.test\r\n"
        b"Subject: =?utf-8?q?caf=C3=A9?=\r\n\r\nplain only\r\n"
    )
    mail_id = f"{time.time_ns()}-{'0' * 32}"
    (tmp_path / f"{mail_id}.eml").write_bytes(raw)
    (mail,) = Mailbox(tmp_path).messages()
    assert (mail.sender, mail.recipients) == (
        "x@example.test",
        ("a@example.test", "b@example.test"),
    )
    assert (mail.subject, mail.text, mail.html, mail.attachments) == (
        "café",
        "plain only\n",
        "",
        (),
    )


def test_mailbox_for_is_the_store_of_the_profiles_mail_catcher(tmp_path: Path) -> None:
    from asgideck.runtime.services import data_dir, mailbox_for, service_needs

    project = tmp_path / "api"
    project.mkdir()
    (project / ".env").write_text("SMTP_HOST=127.0.0.1\nSMTP_PORT=51025\n")
    (need,) = [n for n in service_needs(project, "default") if n.kind == "mail"]
    box = mailbox_for(project, "default")
    assert box.store == mail_store(data_dir(project, "default", need))
    assert box.store.parts[-3:] == ("default", need.name, "messages")
    assert box.messages() == []  # the catcher never ran: an empty mailbox, no error
    # a profile without SMTP settings still has a (never filled) mailbox of its own
    (project / ".env").write_text("DEBUG=1\n")
    assert mailbox_for(project, "default").store == box.store


def test_sigterm_ends_the_catcher_while_an_app_holds_a_connection(tmp_path: Path) -> None:
    with catcher(tmp_path) as (need, proc, _log):
        client = smtplib.SMTP(need.host, need.port, timeout=10)
        try:
            client.ehlo()
            client.login("app", "pw")  # logged in and idle, as a pooled mail client sits
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(10) == 0
        finally:
            client.close()
