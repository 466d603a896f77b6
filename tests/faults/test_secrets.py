"""Issue 10, defects 4 and 5: credentials never reach the history on disk; the one
secret rule hides the common secret names in ``profiles --show`` and in run logs.

Real loopback servers written for the test echo what they get; the proof is read
from the files asgideck wrote (the history's SQLite bytes, the run log).
"""

from __future__ import annotations

import base64
import json
import sqlite3
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import parse_qsl, quote, quote_plus, urlsplit

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
        if self.path.startswith("/echo-encoded"):
            self._encoded()
            return
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

    def _encoded(self) -> None:
        """Sends back every query value, JSON body value and X-Api-Key in the encoded
        forms servers use (percent-encoding, base64), in headers and in the body."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        values = [v for _k, v in parse_qsl(urlsplit(self.path).query)]
        values += [v for v in json.loads(body or b"{}").values() if isinstance(v, str)]
        values.append(self.headers.get("X-Api-Key", ""))
        forms = []  # one list per value, in order: query values, body values, the header
        for value in values:
            raw = value.encode()
            some = [quote(value, safe=""), quote_plus(value, safe=""), quote(value)]
            for b64 in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
                some += [b64.decode(), b64.decode().rstrip("=")]
            forms.append(some)
        payload = json.dumps(
            {
                "url": f"http://{self.headers['Host']}{self.path}",
                "forms": forms,
                "raw": body.decode(),
            }
        ).encode()
        self.send_response(200)
        for number, some in enumerate(forms):
            for form in some:
                self.send_header(f"X-Form-{number}", form)
        self.send_header("Content-Type", "application/json")
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


def _stored(db: Path) -> tuple[dict[str, object], list[list[str]], bytes]:
    """(request spec, response headers, response body) of the newest entry, read with
    sqlite3 itself rather than through asgideck."""
    conn = sqlite3.connect(db)
    try:
        spec, headers, body = conn.execute(
            "SELECT spec, response_headers, response_body FROM entries ORDER BY id DESC"
        ).fetchone()
    finally:
        conn.close()
    return json.loads(spec), json.loads(headers), bytes(body)


def test_a_secret_with_spaces_is_masked_whole(echo: str, project: Path) -> None:
    """Review F1: "alpha beta" under a secret name is no "scheme credential" pair; only an
    Authorization header with a real auth scheme keeps its scheme visible."""
    code, out = run_cli(
        "call", str(project), "POST", "/echo/f1",
        "password=correcthorse batterystaple",
        "X-Api-Key:alphaword betaword",
        "Authorization:Token tok-abcdef1234",
        "Proxy-Authorization:opaqueword secondword",
        "--url", echo, "--timeout", "5",
    )  # fmt: skip
    assert code == 0, out
    assert "alphaword betaword" in out and "correcthorse batterystaple" in out  # echoed
    db = state_dir() / "history.sqlite3"
    spec, headers, body = _stored(db)
    sent = {name.lower(): value for name, value in spec["headers"]}  # type: ignore[attr-defined]
    assert sent["x-api-key"] == MASK
    assert sent["authorization"] == f"Token {MASK}"
    assert sent["proxy-authorization"] == MASK
    got = {name.lower(): value for name, value in headers}
    assert got["x-echo-x-api-key"] == MASK and got["x-echo-authorization"] == f"Token {MASK}"
    echoed = json.loads(body)
    assert echoed["headers"]["x-api-key"] == MASK
    assert echoed["headers"]["proxy-authorization"] == MASK
    raw = _file_bytes(db)
    for word in (b"alphaword", b"betaword", b"correcthorse", b"batterystaple", b"opaqueword"):
        assert word not in raw, word
    assert b"tok-abcdef1234" not in raw


ENCODED_SECRETS = {
    "query": "sec ret/QQ5+x",
    "json": "p\u00e4 ss/w\u00f6rd+1",  # non-ASCII: percent-encoded as UTF-8
    "header": "hk ab+/=value",
}


def test_encoded_echoes_of_secrets_are_scrubbed(echo: str, tmp_path: Path) -> None:
    """Review F1b: a server echoing a secret percent-encoded or in base64 (standard or
    URL-safe, padded or not) in its headers or body: none of those forms is stored."""
    db = tmp_path / "h.sqlite3"
    spec = RequestSpec(
        "POST",
        "/echo-encoded",
        base_url=echo,
        query=[("api_key", ENCODED_SECRETS["query"]), ("page", "2")],
        headers=[("X-Api-Key", ENCODED_SECRETS["header"])],
        body_kind="json",
        body={"password": ENCODED_SECRETS["json"], "user": "alice"},
    )
    with Sender() as sender, History(db) as history:
        answer = sender.send(spec)
        history.add("demo", spec, answer)
    forms = json.loads(answer.body)["forms"]  # [api_key, page, password, user, X-Api-Key]
    assert quote(ENCODED_SECRETS["json"], safe="") in forms[2]  # the server really encoded
    assert "sec%20ret%2FQQ5%2Bx" in answer.body.decode()  # (as the reviewer saw it)
    secret_forms = forms[0] + forms[2] + forms[4]
    raw = _file_bytes(db)
    assert [form for form in secret_forms if form.encode() in raw] == []
    for value in ENCODED_SECRETS.values():
        assert value.encode() not in raw
    _spec, headers, body = _stored(db)
    for name, value in headers:
        if name.lower() in ("x-form-0", "x-form-2", "x-form-4"):
            assert value == MASK, name
    stored = json.loads(body)
    assert "api_key=****" in stored["url"] and "page=2" in stored["url"]
    assert stored["forms"][3] == forms[3]  # the harmless "alice" stays, in every form


def test_a_corrupt_history_warns_once_then_calls_are_stored(
    echo: str, project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Review M5: a damaged history.sqlite3 is moved aside by the first call (one warning
    line naming both files); the next call is stored without a warning."""
    db = state_dir() / "history.sqlite3"
    db.parent.mkdir(parents=True, exist_ok=True)
    db.write_bytes(b"\x00garbage, not SQLite\n" * 200)
    capsys.readouterr()
    code, _out = run_cli("call", str(project), "GET", "/echo/m5a", "--url", echo, "--timeout", "5")
    assert code == 0
    [moved] = db.parent.glob("history.sqlite3.damaged-*")
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "warning" in warning, warning
    assert str(db) in warning and str(moved) in warning
    code, _out = run_cli("call", str(project), "GET", "/echo/m5b", "--url", echo, "--timeout", "5")
    assert code == 0
    assert capsys.readouterr().err == ""
    with History(db) as history:
        assert [entry.url.rsplit("/", 1)[1] for entry in history.list(project.name)] == ["m5b"]
    assert list(db.parent.glob("history.sqlite3.damaged-*")) == [moved]


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
