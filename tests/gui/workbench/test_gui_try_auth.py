"""Done #1 through the GUI: against a real sample_app, authorize with the OAuth2 password flow
from the Authorize dialog, call a protected route (200) and without the token (401); the
token survives a server restart (the same server name, a new process)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from support.try_view import DEMO_USER, Views, fetch_document, operation, serve_sample

pytestmark = pytest.mark.integration
TIMEOUT_MS = 20_000


def send_and_wait(view, qtbot) -> int:  # type: ignore[no-untyped-def]
    with qtbot.waitSignal(view.response.shown, timeout=TIMEOUT_MS):
        assert view.send(), view.banner.text()
    return view.response.record.status  # type: ignore[no-any-return]


def test_oauth2_login_protected_route_and_restart(views: Views, qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with serve_sample(tmp_path) as url:
        doc = fetch_document(url)
        view = views(url, doc, name="development")
        me = operation(doc, "GET", "/api/v1/users/me")
        view.open_operation(me)
        assert "OAuth2PasswordBearer" in view.composer.auth_hint.text()
        assert send_and_wait(view, qtbot) == 401  # not authorized yet

        # A wrong password: the dialog says why and stays open.
        dialog = view.authorize()
        assert dialog is not None and dialog.scheme.kind == "oauth2-password"
        assert dialog.token_url.text() == "/api/v1/auth/token"
        dialog.username.setText(DEMO_USER[0])
        dialog.password.setText("not-the-password")
        dialog.submit()
        qtbot.waitUntil(lambda: dialog.banner.isVisible(), timeout=TIMEOUT_MS)
        assert "Incorrect username or password" in dialog.banner.text()
        assert view.workbench.auth is None

        dialog.password.setText(DEMO_USER[1])
        dialog.submit()
        qtbot.waitUntil(lambda: view.workbench.auth is not None, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: view.auth_flow.dialog is None, timeout=TIMEOUT_MS)
        token = view.workbench.auth.token  # type: ignore[union-attr]
        expected = f"Authorized: bearer token ({len(token)} characters)."
        # The label follows the workbench's auth event, which arrives through the event loop.
        qtbot.waitUntil(lambda: view.auth_label.text() == expected, timeout=TIMEOUT_MS)
        assert token not in view.auth_label.text()

        assert send_and_wait(view, qtbot) == 200
        assert json.loads(view.response.body.toPlainText())["username"] == DEMO_USER[0]
        view.composer.use_auth.setChecked(False)
        assert send_and_wait(view, qtbot) == 401
        view.composer.use_auth.setChecked(True)

        view.workbench.set_target(None, None)  # the server stops...
        qtbot.waitUntil(lambda: view.target_label.text() == "No server running", timeout=5000)

    # ...and a new process starts on the same port, with the same database and secret key.
    with serve_sample(tmp_path, port=int(url.rsplit(":", 1)[1])) as new_url:
        view.workbench.set_target("development", new_url)
        qtbot.waitUntil(lambda: new_url in view.target_label.text(), timeout=5000)
        assert view.workbench.auth is not None and view.workbench.auth.token == token  # type: ignore[union-attr]
        assert send_and_wait(view, qtbot) == 200
        assert view.response.record.url == f"{new_url}/api/v1/users/me"  # type: ignore[union-attr]

    # The history on disk holds the requests, never the token.
    qtbot.waitUntil(lambda: view.history.model.rowCount() == 4, timeout=TIMEOUT_MS)
    raw = (tmp_path / "history.sqlite3").read_bytes()
    assert token.encode() not in raw
