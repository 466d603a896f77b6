"""Done-means 3: history keeps requests with secrets redacted — proven on the SQLite file itself."""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from asgideck.runtime.client import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    History,
    Redactor,
    RequestSpec,
    Sender,
    oauth2_password_token,
)
from asgideck.runtime.secrets import MASK

LOGIN_PASSWORD = "wonderland-pass"  # the echo app's demo user
SECRETS = {
    "api_key_query": "qk-9f8e7d6c5b4a",
    "api_key_header": "hk-1a2b3c4d5e6f",
    "cookie": "ck-session-0a1b2c3d",
    "cookie_header": "ck-header-4e5f6a7b",
    "json_password": "pw-json-8c9d0e1f",
    "client_secret": "cs-nested-2a3b4c5d",
    "form_token": "ft-form-6e7f8a9b",
    "basic_password": "bp-basic-0c1d2e3f",
    "url_password": "up-url-4a5b6c7d",
    "path_token": "pt-path-8e9f0a1b",
    "error_token": "et-error-2c3d4e5f",
    "raw_secret": "rs-raw-6a7b8c9d",
}


def _all_bytes(db: Path) -> bytes:
    """The database file and any journal beside it, exactly as they lie on disk."""
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    return b"".join(p.read_bytes() for p in files)


def test_no_secret_reaches_the_history_file(echo_url: str, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite3"
    s = SECRETS
    token = oauth2_password_token(echo_url, "/auth/token", "alice", LOGIN_PASSWORD)
    hostport = echo_url.removeprefix("http://")
    q_key = s["api_key_query"]
    specs = [
        # The login itself: a form with the password; the answer carries the token.
        RequestSpec(
            "POST",
            "/auth/token",
            base_url=echo_url,
            body_kind="form",
            body=[("grant_type", "password"), ("username", "alice"), ("password", LOGIN_PASSWORD)],
        ),
        # Everything at once; the echo server reflects headers, cookies and query back.
        RequestSpec(
            "POST",
            "/echo/reset/{token}",
            base_url=echo_url,
            path_params={"token": s["path_token"]},
            query=[("page", "2")],
            headers=[("X-API-Key", s["api_key_header"]), ("Cookie", f"pref={s['cookie_header']}")],
            cookies={"session": s["cookie"]},
            body_kind="json",
            body={
                "user": "alice",
                "password": s["json_password"],
                "nested": {"client_secret": s["client_secret"]},
                "note": f"my token is {token}",
            },
            auth=BearerAuth(token),
        ),
        RequestSpec(
            "GET", "/echo/q", base_url=echo_url, auth=ApiKeyAuth("api_key", q_key, "query")
        ),
        RequestSpec(
            "PUT",
            "/echo/form",
            base_url=echo_url,
            body_kind="form",
            body=[("name", "x"), ("refresh_token", s["form_token"])],
            auth=BasicAuth("bob", s["basic_password"]),
        ),
        RequestSpec(
            "POST",
            "/echo/raw",
            base_url=echo_url,
            body_kind="raw",
            body='{"secret": "' + s["raw_secret"] + '", broken json',
        ),
        RequestSpec("GET", "/set-cookie", base_url=echo_url),
    ]
    with Sender() as sender, History(db) as history:
        for spec in specs:
            history.add("demo", spec, sender.send(spec))
        history.add(
            "demo",
            RequestSpec("GET", f"http://bob:{s['url_password']}@{hostport}/echo/u"),
            None,
            f"cannot connect to http://bob:{s['url_password']}@{hostport}",
        )
        history.add(
            "demo",
            RequestSpec("GET", "/x", base_url=echo_url, auth=BearerAuth(s["error_token"])),
            None,
            f"server said: invalid token {s['error_token']}",
        )
        assert history.count("demo") == 8
    raw = _all_bytes(db)
    leaked = [name for name, value in s.items() if value.encode() in raw]
    assert leaked == [], f"secrets written to the history file: {leaked}"
    assert token.encode() not in raw, "the OAuth2 access token was written"
    assert LOGIN_PASSWORD.encode() not in raw, "the login password was written"
    assert b"cookie-secret-value" not in raw, "the Set-Cookie value was written"
    # The proof is not vacuous: the harmless parts of the same requests are in the file.
    for visible in (b"/echo/reset/", b"alice", b"page", b"refresh_token", b"X-API-Key", b"Bearer"):
        assert visible in raw


def test_redacted_entries_keep_their_shape(echo_url: str, tmp_path: Path) -> None:
    spec = RequestSpec(
        "GET",
        "/echo/me",
        base_url=echo_url,
        query=[("access_token", "qt-123456"), ("page", "1")],
        headers=[("X-Trace", "keep-me")],
        cookies={"sid": "ck-123456"},
        auth=BearerAuth("bt-123456"),
    )
    with Sender() as sender, History(tmp_path / "h.db") as history:
        entry = history.get(history.add("demo", spec, sender.send(spec)))
        conn = sqlite3.connect(tmp_path / "h.db")
        stored_url = conn.execute("SELECT url FROM entries").fetchone()[0]
        conn.close()
    assert stored_url == entry.url == f"{echo_url}/echo/me?access_token=****&page=1"
    assert entry.spec["auth"] == {"kind": "bearer", "token": "****"}
    assert entry.spec["cookies"] == {"sid": "****"}
    assert entry.spec["headers"] == [["X-Trace", "keep-me"]]
    echoed = json.loads(entry.response_body)
    assert echoed["headers"]["authorization"] == "Bearer ****"
    assert echoed["headers"]["cookie"] == "sid=****"
    assert echoed["headers"]["x-trace"] == "keep-me"
    assert ["access_token", "****"] in echoed["query"]


def test_a_resent_entry_works_once_the_current_token_is_applied(
    echo_url: str, tmp_path: Path
) -> None:
    token = oauth2_password_token(echo_url, "/auth/token", "alice", LOGIN_PASSWORD)
    with Sender() as sender, History(tmp_path / "h.db") as history:
        spec = RequestSpec("GET", "/me", base_url=echo_url, auth=BearerAuth(token))
        entry = history.get(history.add("demo", spec, sender.send(spec)))
        again = history.spec_of(entry)
        assert sender.send(again).status == 401  # the stored token is "****"
        fresh = RequestSpec(**{**again.__dict__, "auth": BearerAuth(token)})
        assert sender.send(fresh).status == 200


def test_redactor_header_rules() -> None:
    r = Redactor()
    basic = "Basic " + base64.b64encode(b"bob:s3cr3t-pw").decode()
    assert r.header("Authorization", basic) == "Basic ****"
    assert "s3cr3t-pw" in r.values  # decoded, so an echoed copy gets scrubbed too
    assert r.header("authorization", "opaque-token-value") == "****"
    assert r.header("Cookie", "a=1; b=two") == "a=****; b=****"
    assert r.header("Set-Cookie", "sid=xyz; Path=/; HttpOnly") == "sid=****; Path=/; HttpOnly"
    assert r.header("X-Auth-Token", "t") == "****"
    assert r.header("X-Request-ID", "abc") == "abc"
    assert r.header("Keyboard-Layout", "us") == "us"


def test_redactor_bodies() -> None:
    r = Redactor()
    masked = r.text_body('{"a": {"api_key": "k-1234", "list": [{"passwd": 5}]}, "ok": 1}', "")
    assert json.loads(masked) == {"a": {"api_key": "****", "list": [{"passwd": "****"}]}, "ok": 1}
    assert r.text_body("user=a&password=p%40ss1", "application/x-www-form-urlencoded") == (
        "user=a&password=****"
    )
    assert "p@ss1" in r.values
    broken = r.text_body('{"token": "abc-1234", "x": "y", oops', "application/json")
    assert broken == '{"token": "****", "x": "y", oops'
    assert r.scrub("echo abc-1234 and p@ss1 and k-1234") == "echo **** and **** and ****"


def test_a_short_api_key_under_an_innocent_name_is_still_masked(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    spec = RequestSpec("GET", "http://127.0.0.1:1/x", auth=ApiKeyAuth("k", "zq7", "query"))
    with History(db) as history:
        entry = history.get(history.add("demo", spec, None, "connection refused"))
    assert entry.url == "http://127.0.0.1:1/x?k=****"
    assert b"zq7" not in _all_bytes(db)
    assert db.stat().st_mode & 0o777 == 0o600


def test_redactor_masks_by_shape_and_remembers_every_form_of_basic_credentials() -> None:
    r = Redactor()
    ghp = "ghp_" + "x1Y2z3" * 6
    # The value's shape makes it secret; outside an Authorization header it is masked whole.
    assert r.header("X-Upstream", f"Bearer {ghp}") == MASK
    assert r.header("X-Note", "Basic usage") == "Basic usage"  # prose, not a credential
    assert r.url("http://bob:pw@h/x?page=1&k=" + ghp) == "http://bob:****@h/x?page=1&k=****"
    # httpx turns URL userinfo into "Authorization: Basic Ym9iOnB3": an echo of it is scrubbed.
    assert {"pw", "bob:pw", base64.b64encode(b"bob:pw").decode(), ghp} <= r.values
    assert r.scrub("echo: Basic Ym9iOnB3 / bob:pw") == "echo: Basic **** / ****"
    data = {"cookie": "sid=abc123", "x": [f"key {ghp}"], "session": {"id": "s-1", "n": [2]}}
    assert r.json_value(data) == {
        "cookie": "sid=****",
        "x": ["key ****"],
        "session": {"id": "****", "n": ["****"]},  # all of a secret field, its shape kept
    }
