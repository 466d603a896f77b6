"""Requests to the local server ignore HTTP_PROXY: tokens and passwords never go to a proxy."""

from __future__ import annotations

import json
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler

import pytest

from asgideck.runtime.client import RequestSpec, Sender, oauth2_password_token
from asgideck.runtime.inspect import fetch_openapi
from asgideck.runtime.servers import free_port
from support.loopback import serve_handler

DOCUMENT = {
    "openapi": "3.1.0",
    "info": {"title": "local", "version": "1"},
    "paths": {"/hello": {"get": {"responses": {"200": {"description": "ok"}}}}},
}


class _Handler(BaseHTTPRequestHandler):
    def _reply(self, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/openapi.json":
            self._reply(json.dumps(DOCUMENT).encode())
        else:
            self._reply(b"hello", "text/plain")

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self._reply(b'{"access_token": "local-token", "token_type": "bearer"}')

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def local_url() -> Iterator[str]:
    with serve_handler(_Handler) as url:
        yield url


@pytest.fixture(autouse=True)
def dead_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """Every proxy variable points at a port nothing listens on."""
    proxy = f"http://127.0.0.1:{free_port()}"
    for name in ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, proxy)
    for name in ("NO_PROXY", "no_proxy", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    return proxy


def test_the_sender_goes_straight_to_the_server(local_url: str) -> None:
    with Sender() as sender:
        response = sender.send(RequestSpec("GET", "/hello", base_url=local_url, timeout=5))
    assert response.status == 200
    assert response.text() == "hello"


def test_the_openapi_fetch_goes_straight_to_the_server(local_url: str) -> None:
    assert fetch_openapi(local_url, timeout=5).title == "local"


def test_the_password_form_goes_straight_to_the_server(local_url: str) -> None:
    assert oauth2_password_token(local_url, "/token", "alice", "pw", timeout=5) == "local-token"
