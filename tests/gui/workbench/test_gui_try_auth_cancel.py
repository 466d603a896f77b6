"""Cancelling the Authorize dialog while its OAuth2 login is in flight: the late result is
dropped, the deleted dialog is never touched, and no token is stored.

The token endpoint is a tiny loopback HTTP server (in this process) whose token route
waits on an event the test releases once the dialog is gone.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import shiboken6
from PySide6.QtCore import Qt

from asgideck.runtime.openapi import Document, parse_bytes
from support.try_view import Views

TIMEOUT_MS = 10_000
TOKEN = "late-token-0123456789"

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "slow token", "version": "1"},
    "paths": {},
    "components": {
        "securitySchemes": {
            "OAuth2PasswordBearer": {
                "type": "oauth2",
                "flows": {"password": {"tokenUrl": "/token", "scopes": {}}},
            }
        }
    },
}


@dataclass
class SlowToken:
    """The token route's state: ``arrived`` once a login is waiting, ``release`` answers it."""

    status: int
    arrived: threading.Event = field(default_factory=threading.Event)
    release: threading.Event = field(default_factory=threading.Event)
    answered: threading.Event = field(default_factory=threading.Event)


@contextmanager
def serve_slow_token(state: SlowToken) -> Iterator[str]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            state.arrived.set()
            state.release.wait(TIMEOUT_MS / 1000)  # bounded: a broken test never hangs
            if state.status == 200:
                body = {"access_token": TOKEN, "token_type": "bearer"}
            else:
                body = {"detail": "Incorrect username or password"}
            payload = json.dumps(body).encode()
            self.send_response(state.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
            state.answered.set()

        def log_message(self, *_args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, name="slow-token", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        state.release.set()
        server.shutdown()
        server.server_close()
        thread.join(10)


def document() -> Document:
    return parse_bytes(json.dumps(DOCUMENT).encode())


@pytest.mark.parametrize("status", [200, 401], ids=["token", "refused"])
@pytest.mark.parametrize("how", ["escape", "detach"])
def test_a_login_finishing_after_cancel_is_dropped(
    views: Views, qtbot, status: int, how: str
) -> None:  # type: ignore[no-untyped-def]
    state = SlowToken(status)
    with serve_slow_token(state) as url:
        view = views(url, document(), name="development")
        dialog = view.authorize()
        assert dialog is not None and dialog.scheme.kind == "oauth2-password"
        assert dialog.token_url.text() == "/token"
        dialog.username.setText("alice")
        dialog.password.setText("secret")
        dialog.submit()
        assert state.arrived.wait(TIMEOUT_MS / 1000), "the login never reached the server"
        assert view.runner.busy

        if how == "escape":
            qtbot.keyClick(dialog, Qt.Key.Key_Escape)  # the user gives up while it runs
        else:
            view.detach()  # the project closes while it runs
        assert view.auth_flow.dialog is None
        qtbot.waitUntil(lambda: not shiboken6.isValid(dialog), timeout=TIMEOUT_MS)

        state.release.set()  # now the answer lands on a closed (deleted) dialog
        assert state.answered.wait(TIMEOUT_MS / 1000)
        qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
        # pytest-qt fails the test if the callback raised (e.g. on the deleted dialog).
        assert view.workbench.auth is None
        assert view.auth_flow.dialog is None
        assert view.status.text() == ""


def test_the_dialog_still_reports_a_login_that_finishes_while_open(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    state = SlowToken(200)
    with serve_slow_token(state) as url:
        view = views(url, document(), name="development")
        dialog = view.authorize()
        assert dialog is not None
        dialog.username.setText("alice")
        dialog.submit()
        assert state.arrived.wait(TIMEOUT_MS / 1000)
        state.release.set()
        qtbot.waitUntil(lambda: view.workbench.auth is not None, timeout=TIMEOUT_MS)
        assert view.workbench.auth.token == TOKEN  # type: ignore[union-attr]
        qtbot.waitUntil(lambda: view.auth_flow.dialog is None, timeout=TIMEOUT_MS)
