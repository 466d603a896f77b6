"""The sample app's WebSocket echo route."""

from __future__ import annotations

from pathlib import Path

import pytest

from sample_app_harness import build_app, websocket_client


def test_echo_returns_text_verbatim_and_wraps_json(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with (
        websocket_client(build_app(monkeypatch, tmp_path)) as client,
        client.websocket_connect("/ws/echo") as websocket,
    ):
        websocket.send_text("hello, deck")
        assert websocket.receive_text() == "hello, deck"

        websocket.send_json({"ping": [1, 2, 3]})
        assert websocket.receive_json() == {"echo": {"ping": [1, 2, 3]}}

        websocket.send_text("not json {")
        assert websocket.receive_text() == "not json {"
