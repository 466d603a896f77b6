"""OpenAPI: the probe's document, a disabled one, and the running server's (root_path)."""

from __future__ import annotations

import json

import httpx
import pytest

from asgideck.runtime.inspect import app_info_json, best_openapi, fetch_openapi
from asgideck.runtime.openapi import OpenAPIError, parse_document
from asgideck.runtime.project import open_project
from support.inspecting import APPS, check_factory, free_port, inspect, serve


def test_factory_without_openapi_and_with_root_path() -> None:
    project = open_project(APPS / "factory")
    assert project.app is not None and project.app.factory  # found as a factory, and called
    info = inspect("factory")
    check_factory(info)
    data = app_info_json(info)
    assert data["openapi"] is None and "openapi_url=None" in data["openapi_note"]
    assert best_openapi(info, None) == (None, None, info.openapi_note)


def test_probe_document_matches_the_routes() -> None:
    info = inspect("routers")
    assert info.openapi is not None
    document = parse_document(info.openapi)
    operations = {(op.method, op.path) for op in document.operations}
    in_schema = {
        (method, route.path)
        for route in info.routes
        if route.kind == "http" and route.include_in_schema
        for method in route.methods
        if method != "HEAD"
    }
    assert (
        operations
        == in_schema
        == {
            ("GET", "/api/v1/items/{item_id}"),
            ("POST", "/api/v1/items"),
        }
    )


def test_fetch_from_a_server_started_with_root_path() -> None:
    info = inspect("routers")
    with serve(APPS / "routers", "app.main:app", args=["--root-path", "/edge"]) as base:
        document = fetch_openapi(base, "/openapi.json", root_path="/edge")
    assert {op.path for op in document.operations} == set(info.openapi["paths"])  # type: ignore[index]
    assert document.servers == ("/edge",)  # FastAPI puts the root path in servers


def test_fetch_behind_a_proxy_that_strips_the_root_path() -> None:
    document = {"openapi": "3.1.0", "info": {"title": "behind", "version": "1"}, "paths": {}}
    seen: list[str] = []

    def proxy(request: httpx.Request) -> httpx.Response:
        seen.append(request.url.path)
        if request.url.path == "/edge/openapi.json":
            return httpx.Response(200, content=b"\xef\xbb\xbf" + json.dumps(document).encode())
        return httpx.Response(404)

    transport = httpx.MockTransport(proxy)
    found = fetch_openapi("http://proxy.test", "/openapi.json", "/edge", transport=transport)
    assert found.title == "behind"
    assert seen == ["/openapi.json", "/edge/openapi.json"]
    with pytest.raises(OpenAPIError) as caught:
        fetch_openapi("http://proxy.test", "/other.json", "/edge", transport=transport)
    message = str(caught.value)
    assert "http://proxy.test/other.json: HTTP 404" in message
    assert "http://proxy.test/edge/other.json: HTTP 404" in message


def test_a_non_document_is_refused_with_its_url() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(200, text="<html>spa</html>"))
    with pytest.raises(OpenAPIError, match=r"http://x\.test/openapi\.json: not an OpenAPI"):
        fetch_openapi("http://x.test", transport=transport)


def test_the_running_server_wins_over_the_probe() -> None:
    info = inspect("routers")  # the probe's view: the routers app
    with serve(APPS / "layered", "main:app") as base:  # what actually runs: another app
        document, source, note = best_openapi(info, base)
    assert source == "server" and document is not None
    assert document.title == "layered" and note.startswith("from the running server: ")
    document, source, note = best_openapi(info, None)
    assert source == "probe" and document is not None and document.title == "routers"


def test_a_server_that_does_not_answer_falls_back_to_the_probe() -> None:
    info = inspect("routers")
    base = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    document, source, note = best_openapi(info, base, timeout=2)
    assert source == "probe" and document is not None and document.title == "routers"
    assert "could not be read" in note and "ConnectError" in note
