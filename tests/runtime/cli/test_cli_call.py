"""`asgideck call` against a real sample_app server started with `asgideck run`."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgideck.runtime.cli import ItemError, parse_items
from asgideck.runtime.cli._call import token_url
from asgideck.runtime.servers import Supervisor, free_port, port_accepts
from asgideck.runtime.userstate import state_dir
from support import REPO
from support.cli import run_cli
from support.servers import TINY_APP, make_spec, wait_until

PASSWORD = "wonderland-demo"


def test_items_are_parsed_like_httpie() -> None:
    query, headers, body = parse_items(["q==pen", "X-Trace: 1", "name=Pen", "price:=3.5"])
    assert query == [("q", "pen")]
    assert headers == [("X-Trace", "1")]
    assert body == {"name": "Pen", "price": 3.5}
    with pytest.raises(ItemError, match="'price:=x'"):
        parse_items(["price:=x"])
    with pytest.raises(ItemError, match="'lonely'"):
        parse_items(["lonely"])


def test_no_running_server_is_explained(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    code, _ = run_cli("call", str(tmp_path), "GET", "/")
    assert code == 2
    assert "no running server" in capsys.readouterr().err


@pytest.fixture
def server(project: Path) -> Iterator[Path]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "asgideck", "run", str(project), "--profile", "development",
         "--port", str(port)],
        cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=os.environ.copy(),
    )  # fmt: skip
    try:
        up = wait_until(lambda: port_accepts("127.0.0.1", port) or proc.poll() is not None, 30)
        assert up and proc.poll() is None, "server did not start"
        yield project
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)


@pytest.mark.integration
def test_call_with_and_without_auth(server: Path) -> None:
    code, text = run_cli("call", str(server), "GET", "/api/v1/users/me")
    assert code == 4 and " 401 " in text.splitlines()[0]
    code, text = run_cli(
        "call", str(server), "GET", "/api/v1/users/me", "--auth", f"alice:{PASSWORD}"
    )
    assert code == 0, text
    assert json.loads(text.split("\n\n", 1)[1])["username"] == "alice"
    code, text = run_cli(
        "call",
        str(server),
        "POST",
        "/api/v1/items",
        "name=Pen",
        "price:=3.5",
        "--auth",
        f"alice:{PASSWORD}",
    )
    assert code == 0 and " 201 " in text.splitlines()[0]
    code, text = run_cli("call", str(server), "GET", "/api/v1/items", "limit==1")
    assert code == 0 and len(json.loads(text.split("\n\n", 1)[1])) == 1
    history = (state_dir() / "history.sqlite3").read_bytes()
    assert b"/api/v1/items" in history
    assert PASSWORD.encode() not in history


PREFIXED_APP = """\
from fastapi import Depends, FastAPI
from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

app = FastAPI(openapi_url="/api/v1/openapi.json", docs_url="/api/v1/docs", redoc_url=None)
oauth2 = OAuth2PasswordBearer(tokenUrl="/api/v1/login/access-token")


@app.post("/api/v1/login/access-token")
def login(form: OAuth2PasswordRequestForm = Depends()) -> dict[str, str]:
    return {"access_token": "t-" + form.username, "token_type": "bearer"}


@app.get("/api/v1/me")
def me(token: str = Depends(oauth2)) -> dict[str, str]:
    return {"token": token}


@app.get("/open")
def open_() -> dict[str, str]:
    return {"ok": "yes"}
"""


@pytest.fixture
def prefixed(tmp_path: Path) -> Iterator[str]:
    """An app serving its schema at /api/v1/openapi.json (full-stack-fastapi-template's way)."""
    (tmp_path / "prefixed.py").write_text(PREFIXED_APP)
    sup = Supervisor(make_spec(tmp_path, app="prefixed:app"), log_to_file=False)
    sup.start()
    try:
        assert sup.wait_for("running", "crashed", timeout=30).state == "running"
        yield f"http://127.0.0.1:{sup.spec.port}"
    finally:
        sup.stop()
        sup.close(0)


@pytest.mark.integration
def test_auth_finds_the_token_url_in_the_document_the_app_really_serves(
    prefixed: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert token_url(prefixed, 5) == ("/api/v1/login/access-token", "/api/v1/openapi.json")
    code, text = run_cli(
        "call", str(tmp_path), "GET", "/api/v1/me", "--url", prefixed, "--auth", "bob:pw",
        "--no-history",
    )  # fmt: skip
    assert code == 0, text
    assert json.loads(text.split("\n\n", 1)[1]) == {"token": "t-bob"}
    err = capsys.readouterr().err
    assert "logging in at /api/v1/login/access-token (the tokenUrl in /api/v1/openapi.json)" in err


@pytest.mark.integration
def test_auth_says_when_it_falls_back_to_basic(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "tiny.py").write_text(TINY_APP)  # serves no OpenAPI document at all
    sup = Supervisor(make_spec(tmp_path), log_to_file=False)
    sup.start()
    try:
        assert sup.wait_for("running", timeout=30).state == "running"
        base = f"http://127.0.0.1:{sup.spec.port}"
        code, _text = run_cli(
            "call", str(tmp_path), "GET", "/", "--url", base, "--auth", "bob:pw", "--no-history"
        )
    finally:
        sup.stop()
        sup.close(0)
    assert code == 0
    err = capsys.readouterr().err
    assert "no OpenAPI document at /openapi.json" in err
    assert "/api/v1/openapi.json" in err and "sending HTTP basic auth instead" in err
