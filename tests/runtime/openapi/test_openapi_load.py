"""asgideck.runtime.openapi.load_source / load: files and http(s) URLs, with clear errors."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from asgideck.runtime.openapi import OpenAPIError, load, load_source
from support.loopback import serve_handler

DOC = {
    "openapi": "3.0.0",
    "info": {"title": "Served", "version": "1"},
    "paths": {"/a": {"get": {"responses": {"200": {"description": "ok"}}}}},
}
BROKEN = b'{"openapi": "3.0.0", "paths": []}'


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        routes = {"/openapi.json": json.dumps(DOC).encode(), "/broken.json": BROKEN}
        body = routes.get(self.path)
        if body is None:
            self.send_error(404)
            return
        if self.path == "/openapi.json":
            body = b"\xef\xbb\xbf" + body
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # keep test output quiet
        pass


@pytest.fixture
def server() -> Iterator[str]:
    with serve_handler(_Handler) as url:
        yield url


def test_load_from_url(server: str) -> None:
    doc = load(f"{server}/openapi.json", timeout=5)
    assert doc.title == "Served" and [op.path for op in doc.operations] == ["/a"]


def test_http_error_names_the_url_and_hides_its_password(server: str) -> None:
    url = server.replace("http://", "http://me:hunter2@") + "/missing.json"
    with pytest.raises(OpenAPIError) as info:
        load_source(url, timeout=5)
    assert str(info.value).endswith("/missing.json: HTTP 404 Not Found")
    assert "me:****@127.0.0.1" in str(info.value) and "hunter2" not in str(info.value)


def test_unreachable_url() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(OpenAPIError, match=rf"^http://127.0.0.1:{port}/x: could not fetch: "):
        load_source(f"http://127.0.0.1:{port}/x", timeout=5)


def test_broken_document_error_names_the_source_and_path(server: str, tmp_path: Path) -> None:
    with pytest.raises(OpenAPIError) as info:
        load(f"{server}/broken.json")
    assert str(info.value) == f"{server}/broken.json: paths: expected an object, got list"
    assert info.value.path == "paths"
    spec = tmp_path / "spec.json"
    spec.write_bytes(BROKEN)
    with pytest.raises(OpenAPIError, match=rf"^{spec}: paths: expected an object, got list$"):
        load(str(spec))


def test_files(tmp_path: Path) -> None:
    spec = tmp_path / "openapi.json"
    spec.write_text(json.dumps(DOC), encoding="utf-8")
    assert load_source(str(spec)) == spec.read_bytes()
    assert load(str(spec)).title == "Served"
    with pytest.raises(OpenAPIError, match=r"nope\.json: no such file$"):
        load_source(str(tmp_path / "nope.json"))
    with pytest.raises(OpenAPIError, match="is a folder"):
        load_source(str(tmp_path))
