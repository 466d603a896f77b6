"""asgideck's own fetch of a running server's document names itself, so the Requests tab
can keep it out of the user's list (RequestRecord.internal)."""

from __future__ import annotations

import httpx

from asgideck import __version__
from asgideck.runtime.inspect import fetch_openapi
from asgideck.runtime.recording import RequestRecord

DOC = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}}


def test_the_fetch_sends_asgideck_internal_user_agent() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("user-agent", ""))
        return httpx.Response(200, json=DOC)

    fetch_openapi("http://127.0.0.1:9", transport=httpx.MockTransport(handler))
    assert seen == [f"asgideck/{__version__} (internal)"]
    record = RequestRecord(
        id="1",
        pid=1,
        start=0.0,
        duration_ms=1.0,
        method="GET",
        path="/openapi.json",
        request_headers=(("user-agent", seen[0]),),
    )
    assert record.internal
    assert not RequestRecord(
        id="2", pid=1, start=0.0, duration_ms=1.0, method="GET", path="/"
    ).internal
    assert not RequestRecord(
        id="3",
        pid=1,
        start=0.0,
        duration_ms=1.0,
        method="GET",
        path="/",
        request_headers=(("User-Agent", "asgideck/1 curl"),),
    ).internal
