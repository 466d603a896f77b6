"""Issue 10, defects 4 and 5: credentials never reach the history on disk; the one
secret rule hides the common secret names in ``profiles --show`` and in run logs.

Real loopback servers written for the test echo what they get; the proof is read
from the files asgideck wrote (the history's SQLite bytes, the run log).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from asgideck.runtime.client import BasicAuth, History, RequestSpec, Sender
from asgideck.runtime.logs import logs_dir
from asgideck.runtime.secrets import MASK
from asgideck.runtime.servers import Supervisor
from asgideck.runtime.userstate import state_dir
from support.cli import run_cli
from support.loopback import serve_handler
from support.servers import TINY_APP, make_spec, write_app

BASIC_B64 = base64.b64encode(b"bob:pw").decode()  # "Ym9iOnB3"
URL_PASSWORD = "urlpw-7788x"
API_PASS = "apipass-3344x"
TOKEN = "tok-5566abcdef=="
COOKIE = "cookieval-9911"
QUERY_PASSWORD = "qpw-123456x"
BODY_PASSWORD = "bodypw-2468x"
ANSWER_TOKEN = "srv-issued-1357"  # only in the server's answer, under a secret name
GITHUB_TOKEN = "ghp_" + "Q1w2E3r4T5" * 4  # key-shaped: hidden whatever it is called


class Echo(BaseHTTPRequestHandler):
    """Echoes every request header back as a header, and headers, path and body as JSON
    (or as plain text under /echo-text); everything else is 404 (no OpenAPI document)."""

    def _answer(self) -> None:
        if not self.path.startswith("/echo"):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        headers = {k.lower(): v for k, v in self.headers.items()}
        if self.path.startswith("/echo-text"):
            lines = [self.path] + [f"{k}: {v}" for k, v in headers.items()] + [body]
            payload = "\n".join(lines).encode()
            content_type = "text/plain"
        else:
            echoed = {"path": self.path, "headers": headers, "body": body}
            echoed.update(session_token=ANSWER_TOKEN, note=f"your key {GITHUB_TOKEN}")
            payload = json.dumps(echoed).encode()
            content_type = "application/json"
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(f"X-Echo-{name}", value)
        if "cookie" in headers:
            self.send_header("Set-Cookie", f"{headers['cookie']}; Path=/")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def echo() -> Iterator[str]:
    with serve_handler(Echo) as url:
        yield url


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    return root


def _file_bytes(db: Path) -> bytes:
    """The database and any journal beside it, exactly as they lie on disk."""
    return b"".join(p.read_bytes() for p in db.parent.iterdir() if p.name.startswith(db.name))


def _leaks(raw: bytes) -> list[str]:
    wanted = {
        "bob:pw": "bob:pw",
        "basic base64": BASIC_B64,
        "URL password": URL_PASSWORD,
        "X-Api-Pass": API_PASS,
        "bearer token": TOKEN,
        "cookie": COOKIE,
        "query password": QUERY_PASSWORD,
        "body password": BODY_PASSWORD,
        "answer token": ANSWER_TOKEN,
        "github token": GITHUB_TOKEN,
    }
    return [name for name, value in wanted.items() if value.encode() in raw]


def test_call_keeps_credentials_out_of_the_history_file(echo: str, project: Path) -> None:
    """``call --auth bob:pw`` and secret headers, URL userinfo and query parameters: the
    server echoes all of it back (printed), and none of it is in the history file."""
    host = echo.removeprefix("http://")
    calls = [  # (method, route, items, options)
        ("GET", "/echo/a", [f"X-Api-Pass:{API_PASS}"], ["--url", echo, "--auth", "bob:pw"]),
        ("GET", "/echo-text/b", [f"Authorization:Bearer {TOKEN}"], ["--url", echo]),
        ("GET", "/echo/c", [f"Cookie:session={COOKIE}"], ["--url", echo]),
        ("GET", "/echo-text/d", [], ["--url", f"http://carol:{URL_PASSWORD}@{host}"]),
        ("POST", "/echo/e", [f"password=={QUERY_PASSWORD}"], ["--url", echo]),
        ("POST", "/echo/f", [f"password={BODY_PASSWORD}", "user=alice"], ["--url", echo]),
    ]
    printed = []
    for method, route, items, options in calls:
        code, out = run_cli("call", str(project), method, route, *items, *options, "--timeout", "5")
        assert code == 0, (route, out)
        printed.append(out)
    # The server really got and echoed the credentials (the proof is not vacuous) ...
    shown = "\n".join(printed)
    assert BASIC_B64 in shown and API_PASS in shown and TOKEN in shown and COOKIE in shown
    assert QUERY_PASSWORD in shown and BODY_PASSWORD in shown
    # ... and the history file holds none of them, but does hold the harmless parts.
    db = state_dir() / "history.sqlite3"
    raw = _file_bytes(db)
    assert _leaks(raw) == []
    for visible in (b"/echo/a", b"X-Api-Pass", b"alice", b"carol", b"Basic ****", b"Bearer ****"):
        assert visible in raw, visible
    with History(db) as history:
        assert history.count() == len(calls)


def test_echoed_responses_are_scrubbed_in_headers_and_bodies(echo: str, tmp_path: Path) -> None:
    """The answer repeats the request's secrets (headers, a text body, Set-Cookie) and
    adds its own under secret names or shapes: the stored answer keeps none of them."""
    db = tmp_path / "h.sqlite3"
    specs = [
        RequestSpec(
            "POST",
            "/echo-text/x",
            base_url=echo,
            headers=[("X-Api-Pass", API_PASS), ("Cookie", f"sid={COOKIE}")],
            query=[("password", QUERY_PASSWORD)],
            body_kind="json",
            body={"login": {"password": BODY_PASSWORD}, "hint": f"token {GITHUB_TOKEN}"},
            auth=BasicAuth("bob", "pw"),
        ),
        RequestSpec("GET", f"http://carol:{URL_PASSWORD}@{echo.removeprefix('http://')}/echo/y"),
        RequestSpec("GET", "/echo/z", base_url=echo, headers=[("X-Forward", f"Bearer {TOKEN}")]),
    ]
    with Sender() as sender, History(db) as history:
        answers = [sender.send(spec) for spec in specs]
        assert BASIC_B64.encode() in answers[0].body and API_PASS.encode() in answers[0].body
        ids = [
            history.add("demo", spec, answer) for spec, answer in zip(specs, answers, strict=True)
        ]
        entries = [history.get(i) for i in ids]
    assert _leaks(_file_bytes(db)) == []
    first = entries[0]
    headers = {name.lower(): value for name, value in first.response_headers}
    assert headers["x-echo-x-api-pass"] == MASK
    assert headers["x-echo-authorization"] == f"Basic {MASK}"
    assert headers["set-cookie"] == f"sid={MASK}; Path=/"
    assert b"authorization: Basic ****" in first.response_body
    echoed = json.loads(entries[1].response_body)
    assert echoed["headers"]["authorization"] == f"Basic {MASK}"  # from the URL's userinfo
    assert echoed["session_token"] == MASK and echoed["note"] == f"your key {MASK}"
    assert entries[1].url.startswith("http://carol:****@")


ISSUE_ENV = {
    "SMTP_PASS": "smtp-pass-value-1",
    "DB_PASS": "db-pass-value-22",
    "SENTRY_DSN": "https://9f8e7d6c5b4a@o42.ingest.sentry.io/7",
    "GITHUB_PAT": "github-pat-value-333",
    "STRIPE_SK": "stripe-sk-value-4444",
    "PAYMENTS": "sk_live_4eC39HqLyjWDarjtT1zdp7dc",  # a key by its shape alone
}
PLAIN_ENV = {"APP_TITLE": "visible-title", "PASSENGER_LIMIT": "seventeen"}


def test_profiles_show_hides_the_common_secret_names(project: Path) -> None:
    lines = [f"{k}={v}" for k, v in {**ISSUE_ENV, **PLAIN_ENV}.items()]
    (project / ".env").write_text("\n".join(lines) + "\n")
    code, listing = run_cli("profiles", str(project), "--json")
    assert code == 0
    name = json.loads(listing)["profiles"][0]["name"]
    for extra in ((), ("--json",)):
        code, out = run_cli("profiles", str(project), "--show", name, *extra)
        assert code == 0
        leaked = [key for key, value in ISSUE_ENV.items() if value in out]
        assert leaked == [], out
        assert all(key in out for key in ISSUE_ENV)  # the names stay visible
        assert all(value in out for value in PLAIN_ENV.values())
    rows = json.loads(run_cli("profiles", str(project), "--show", name, "--json")[1])
    flagged = {row["key"] for row in rows["variables"] if row["secret"]}
    assert flagged == set(ISSUE_ENV)
    code, revealed = run_cli("profiles", str(project), "--show", name, "--reveal")
    assert all(value in revealed for value in ISSUE_ENV.values())


PRINTING_APP = (
    "import os\n"
    f"for _name in {sorted(ISSUE_ENV)!r} + {sorted(PLAIN_ENV)!r}:\n"
    '    print("env", _name, "=", os.environ[_name], flush=True)\n'
) + TINY_APP


def test_a_server_printing_its_secrets_gets_them_masked_in_the_run_log(tmp_path: Path) -> None:
    root = write_app(tmp_path / "app", PRINTING_APP, "printing")
    spec = make_spec(root, "printing:app", env={**ISSUE_ENV, **PLAIN_ENV})
    sup = Supervisor(spec, name="secrets")
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=20).state == "running"
    finally:
        sup.stop()
    shown = "\n".join(line.text for line in sup.buffer.snapshot())
    [run_log] = logs_dir().glob("*secrets*.log")
    on_disk = run_log.read_text()
    for text in (shown, on_disk):
        assert [key for key, value in ISSUE_ENV.items() if value in text] == []
        for key in ISSUE_ENV:
            assert f"env {key} = {MASK}" in text
        assert "env APP_TITLE = visible-title" in text
        assert "env PASSENGER_LIMIT = seventeen" in text
