"""The window's fetch of the running server's document (after every (re)start) is capped:
an endless, drip-fed or deeply nested answer ends in one line and the probe's document."""

from __future__ import annotations

import socket
import threading

import pytest

from asgideck.runtime.inspect import AppInfo, best_openapi, fetch_openapi
from asgideck.runtime.openapi import OpenAPILimitError
from support.raw_http import deep_json, drip_headers, endless_body, fixed_body, serve_raw

MiB = 1 << 20
PROBED = {"openapi": "3.1.0", "info": {"title": "probed", "version": "1"}, "paths": {}}


def _probed() -> AppInfo:
    """What the probe reported for an app that serves /openapi.json."""
    return AppInfo(
        app="app.main:app",
        app_class="FastAPI",
        fastapi="0.115",
        starlette="0.40",
        python="3.11",
        middleware=(),
        routes=(),
        mounts=(),
        openapi=PROBED,
        openapi_url="/openapi.json",
        openapi_note="",
        root_path="",
        errors=(),
    )


def test_an_endless_document_stops_at_the_cap() -> None:
    with serve_raw(endless_body()) as base, pytest.raises(OpenAPILimitError) as caught:
        fetch_openapi(base, max_bytes=2 * MiB)
    assert str(caught.value) == f"{base}/openapi.json: larger than 2 MiB (the limit); not read"


def test_the_default_cap_holds_without_options() -> None:
    with serve_raw(endless_body()) as base, pytest.raises(OpenAPILimitError, match="64 MiB"):
        fetch_openapi(base)


def test_a_limit_is_not_retried_under_the_root_path() -> None:
    seen: list[str] = []
    answer = endless_body()

    def counted(conn: socket.socket, stop: threading.Event) -> None:
        seen.append("hit")
        answer(conn, stop)

    table = {"/openapi.json": counted, "/edge/openapi.json": counted}
    with serve_raw(table) as base, pytest.raises(OpenAPILimitError):
        fetch_openapi(base, root_path="/edge", max_bytes=MiB)
    assert seen == ["hit"]  # the server answered, badly: the second candidate is not asked


def test_slow_headers_meet_the_deadline_and_the_probe_is_used() -> None:
    with serve_raw(drip_headers(every=0.1)) as base:  # drips forever: only the deadline ends it
        document, source, note = best_openapi(_probed(), base, timeout=5, deadline=1)
    assert source == "probe" and document is not None and document.title == "probed"
    assert f"{base}/openapi.json: not complete within 1 s (the limit); gave up" in note


def test_a_deep_document_is_refused_and_the_probe_is_used() -> None:
    with serve_raw(fixed_body(deep_json(3000))) as base:
        document, source, note = best_openapi(_probed(), base)
    assert source == "probe" and document is not None
    assert f"{base}/openapi.json: nested deeper than 200 levels (the limit); not read" in note


def test_a_served_document_within_the_limits_still_wins() -> None:
    served = b'{"openapi": "3.0.0", "info": {"title": "served", "version": "1"}, "paths": {}}'
    with serve_raw(fixed_body(served)) as base:
        document, source, note = best_openapi(_probed(), base, max_bytes=len(served))
    assert source == "server" and document is not None and document.title == "served"
    assert note == f"from the running server: {base}/openapi.json"
