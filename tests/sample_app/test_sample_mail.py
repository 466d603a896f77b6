"""The welcome e-mail sent after sign-up, received by a real SMTP server."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sample_services import Inbox

from asgideck.runtime.servers import free_port
from sample_app_harness import build_app, serve

pytestmark = pytest.mark.anyio

BOB = {
    "username": "bob",
    "email": "bob@example.com",
    "full_name": "Bob <b>Builder</b>",
    "password": "builder-demo",
}


def smtp_env(inbox: Inbox) -> dict[str, str]:
    return {"SMTP_HOST": inbox.host, "SMTP_PORT": str(inbox.port)}


async def test_signup_sends_a_welcome_mail_in_text_and_html(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, inbox: Inbox
) -> None:
    app = build_app(monkeypatch, tmp_path, MAIL_FROM="Deck <deck@example.com>", **smtp_env(inbox))
    async with serve(app) as client:
        created = await client.post("/api/v1/users", json=BOB)

    assert created.status_code == 201
    [message] = inbox.wait_for(1)
    assert inbox.envelopes == [("deck@example.com", ["bob@example.com"])]
    assert message["Subject"] == "Welcome to Sample Items API"
    assert message["From"] == "Deck <deck@example.com>"
    assert message["To"].addresses[0].addr_spec == "bob@example.com"
    assert message["To"].addresses[0].display_name == "Bob <b>Builder</b>"
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    assert "your account 'bob' on Sample Items API is ready" in text.get_content()
    assert "Hello Bob &lt;b&gt;Builder&lt;/b&gt;," in html.get_content()  # escaped, not markup
    assert "<b>Builder</b>" not in html.get_content()


async def test_a_taken_username_sends_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, inbox: Inbox
) -> None:
    taken = {**BOB, "username": "alice"}
    async with serve(build_app(monkeypatch, tmp_path, **smtp_env(inbox))) as client:
        assert (await client.post("/api/v1/users", json=taken)).status_code == 409
        # a second sign-up that does mail: once it is in, the first had its chance
        assert (await client.post("/api/v1/users", json=BOB)).status_code == 201

    assert [m["To"].addresses[0].username for m in inbox.wait_for(1)] == ["bob"]


async def test_an_unreachable_mail_server_is_a_warning_not_an_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there
    app = build_app(monkeypatch, tmp_path, SMTP_HOST="127.0.0.1", SMTP_PORT=str(port))

    with caplog.at_level(logging.INFO):
        async with serve(app) as client:
            created = await client.post("/api/v1/users", json=BOB)
            me = await client.post(
                "/api/v1/auth/token", data={"username": "bob", "password": "builder-demo"}
            )

    assert created.status_code == 201
    assert me.status_code == 200  # the account exists all the same
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    [warning] = warnings
    assert warning.startswith(
        f"e-mail 'Welcome to Sample Items API' not sent via 127.0.0.1:{port}: "
    )
    assert "Connection refused" in warning
    assert not [r for r in caplog.records if r.exc_info]  # no traceback anywhere


async def test_without_smtp_host_no_mail_is_attempted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, inbox: Inbox
) -> None:
    # The catcher listens, but the profile names no mail server: nothing may reach it.
    async with serve(build_app(monkeypatch, tmp_path, SMTP_HOST="")) as client:
        assert (await client.post("/api/v1/users", json=BOB)).status_code == 201
        # sign-up ran its background tasks before the response reached the client
        assert (await client.post("/api/v1/users", json={**BOB, "username": "bo2"})).is_success

    assert inbox.messages == []
