"""Done-means 5 (runtime level): WebSocket echo against a real sample_app on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import websockets  # noqa: F401  (a hard dependency: a broken install fails here, never skips)

from asgideck.runtime.client import WsClient, WsError, ws_url
from support.loopback import free_port, serve_sample

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def sample_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serve_sample(tmp_path_factory.mktemp("sample")) as base_url:
        yield base_url


def test_echo_text_and_json_then_close_with_a_code(sample_url: str) -> None:
    client = WsClient()
    client.connect(ws_url(sample_url, "/ws/echo"))
    assert client.connected
    client.send_text("hello, not json")
    text = client.receive(timeout=5)
    assert text is not None and text.text == "hello, not json"
    client.send_json({"n": 1, "s": "é"})
    echoed = client.receive(timeout=5)
    assert echoed is not None and json.loads(echoed.text) == {"echo": {"n": 1, "s": "é"}}
    client.close(4000, "bye")
    assert not client.connected and client.close_code == 4000
    directions = [m.direction for m in client.messages()]
    assert directions == ["event", "sent", "received", "sent", "received", "event"]


def test_many_messages_keep_their_order(sample_url: str) -> None:
    with WsClient() as client:
        client.connect(sample_url + "/ws/echo")
        for n in range(50):
            client.send_text(f"m{n}")
        got = [client.receive(timeout=5) for _ in range(50)]
    assert [m.text for m in got if m is not None] == [f"m{n}" for n in range(50)]


def test_a_path_without_a_websocket_route_is_explained(sample_url: str) -> None:
    with pytest.raises(WsError) as info:
        WsClient().connect(sample_url + "/ws/nowhere")
    assert str(info.value) == (
        f"the server refused the WebSocket upgrade at {ws_url(sample_url, '/ws/nowhere')}: "
        "HTTP 403 (no WebSocket route at that path, or the route refused the connection)"
    )


def test_a_stopped_server_is_a_clear_message() -> None:
    port = free_port()
    with pytest.raises(WsError) as info:
        WsClient().connect(f"ws://127.0.0.1:{port}/ws/echo", timeout=3)
    assert str(info.value) == f"connection refused: is the server at ws://127.0.0.1:{port} running?"


def test_server_stopping_closes_the_conversation(tmp_path: Path) -> None:
    client = WsClient()
    with serve_sample(tmp_path) as base_url:
        client.connect(base_url + "/ws/echo")
        client.send_text("ping")
        assert client.receive(timeout=5) is not None
    # uvicorn closes open WebSockets on shutdown; the reader notices and logs it.
    with pytest.raises(WsError):
        while client.receive(timeout=10) is not None:
            pass
    assert not client.connected
    assert client.messages()[-1].direction == "event"
    client.close()
