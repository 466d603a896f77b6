"""WsClient over a scripted wire (the WsConnection seam): log, JSON, receive, close codes."""

from __future__ import annotations

import importlib
import queue
import threading
from collections.abc import Sequence

import pytest

from asgideck.runtime.client import (
    WsClient,
    WsClosed,
    WsError,
    filter_messages,
    websockets_connector,
    ws_url,
)


class FakeWire:
    """A server that echoes text (when ``echo``) and can push messages or close."""

    def __init__(self, echo: bool = True) -> None:
        self.echo = echo
        self.inbox: queue.Queue[str | bytes | WsClosed] = queue.Queue()
        self.sent: list[str | bytes] = []
        self.closed_with: tuple[int, str] | None = None
        self.opened: tuple[str, list[tuple[str, str]], float] | None = None

    def connect(self, url: str, headers: Sequence[tuple[str, str]], timeout: float) -> FakeWire:
        self.opened = (url, list(headers), timeout)
        return self

    def send(self, message: str | bytes) -> None:
        if self.closed_with is not None:
            raise WsClosed(*self.closed_with)
        self.sent.append(message)
        if self.echo:
            self.inbox.put(message)

    def recv(self, timeout: float | None) -> str | bytes:
        try:
            item = self.inbox.get(timeout=timeout)
        except queue.Empty:
            raise TimeoutError from None
        if isinstance(item, WsClosed):
            self.closed_with = (item.code or 1006, item.reason)
            raise item
        return item

    def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)
        self.inbox.put(WsClosed(code, reason))


def _client(wire: FakeWire, **kwargs: int) -> WsClient:
    client = WsClient(connector=wire.connect, **kwargs)
    client.connect("http://127.0.0.1:8000/ws/echo", headers=[("Authorization", "Bearer t")])
    return client


def test_ws_url_converts_http_schemes() -> None:
    assert ws_url("http://127.0.0.1:8000", "/ws/echo") == "ws://127.0.0.1:8000/ws/echo"
    assert ws_url("https://h/api/", "ws?x=1") == "wss://h/api/ws?x=1"
    assert ws_url("ws://h/a#frag") == "ws://h/a"
    with pytest.raises(WsError, match="invalid WebSocket URL 'ftp://h/x'"):
        ws_url("ftp://h/x")


def test_send_receive_and_a_log_with_directions_and_times() -> None:
    wire = FakeWire()
    with _client(wire) as client:
        assert wire.opened == ("ws://127.0.0.1:8000/ws/echo", [("Authorization", "Bearer t")], 10.0)
        assert client.connected
        client.send_text("hello")
        received = client.receive(timeout=5)
        assert received is not None and received.text == "hello"
        log = client.messages()
        assert [(m.direction, m.text) for m in log] == [
            ("event", "connected to ws://127.0.0.1:8000/ws/echo"),
            ("sent", "hello"),
            ("received", "hello"),
        ]
        assert [m.seq for m in log] == [1, 2, 3] and log[0].time <= log[2].time
        assert client.messages(since=2) == log[2:]


def test_json_is_validated_or_encoded() -> None:
    wire = FakeWire(echo=False)
    with _client(wire) as client:
        client.send_json({"a": [1, "é"]})
        client.send_json('{"raw": true}')
        with pytest.raises(WsError, match=r"not valid JSON: Expecting value: line 1 column 1"):
            client.send_json("nope")
        with pytest.raises(WsError, match="cannot encode as JSON"):
            client.send_json({"x": object()})
    assert wire.sent == ['{"a": [1, "é"]}', '{"raw": true}']


def test_receive_times_out_with_none() -> None:
    with _client(FakeWire(echo=False)) as client:
        assert client.receive(timeout=0.1) is None


def test_messages_pushed_by_the_server_arrive_without_asking() -> None:
    wire = FakeWire(echo=False)
    with _client(wire) as client:
        wire.inbox.put("tick 1")
        wire.inbox.put(b"\x01\x02\x03")
        first, second = client.receive(5), client.receive(5)
        assert first is not None and first.text == "tick 1" and not first.is_binary
        assert second is not None and second.is_binary and second.data == b"\x01\x02\x03"
        assert second.text == "<3 bytes> 01 02 03"


def test_server_close_is_logged_and_reading_drains_first() -> None:
    wire = FakeWire(echo=False)
    client = _client(wire)
    wire.inbox.put("last words")
    wire.inbox.put(WsClosed(1001, "going away"))
    message = client.receive(5)
    assert message is not None and message.text == "last words"
    with pytest.raises(WsClosed) as info:
        client.receive(5)
    assert (info.value.code, info.value.reason) == (1001, "going away")
    assert not client.connected and client.close_code == 1001
    assert client.messages()[-1].text == (
        "closed by the server: connection closed (code 1001: going away)"
    )
    with pytest.raises(WsError, match=r"not connected: connection closed \(code 1001"):
        client.send_text("x")
    client.close()  # closing after the server did is harmless
    assert wire.closed_with == (1001, "going away")


def test_close_sends_the_code_and_reason_and_stops_the_reader() -> None:
    wire = FakeWire()
    client = _client(wire)
    reader = client._reader
    client.close(4001, "done testing")
    assert wire.closed_with == (4001, "done testing")
    assert reader is not None and not reader.is_alive()
    assert client.messages()[-1].text == "closed by us (code 4001: done testing)"
    assert (client.close_code, client.close_reason) == (4001, "done testing")
    assert sum(m.direction == "event" for m in client.messages()) == 2


@pytest.mark.parametrize("code", [999, 1005, 1006, 1015, 2999, 5000])
def test_reserved_close_codes_are_refused(code: int) -> None:
    with _client(FakeWire()) as client, pytest.raises(WsError, match=f"close code {code} cannot"):
        client.close(code)


def test_the_log_is_bounded_and_filterable() -> None:
    wire = FakeWire()
    with _client(wire, log_limit=5) as client:
        for n in range(4):
            client.send_text(f"msg {n}")
            assert client.receive(5) is not None
        log = client.messages()
        assert len(log) == 5 and log[-1].text == "msg 3" and log[0].seq == 5
        assert [m.text for m in filter_messages(log, "MSG 3")] == ["msg 3", "msg 3"]
        assert [m.direction for m in filter_messages(log, "msg", "sent")] == ["sent", "sent"]


def test_connect_twice_is_refused_and_reconnect_after_close_works() -> None:
    wire = FakeWire()
    client = _client(wire)
    with pytest.raises(WsError, match="already connected"):
        client.connect("ws://127.0.0.1:8000/ws/echo")
    client.close()
    client.connect("ws://127.0.0.1:8000/ws/echo")
    assert client.connected
    client.close()


def test_a_broken_wire_ends_the_conversation_with_a_message() -> None:
    class Broken(FakeWire):
        def recv(self, timeout: float | None) -> str | bytes:
            raise OSError("connection reset by peer")

    client = _client(Broken())
    with pytest.raises(WsClosed, match="connection reset by peer"):
        client.receive(5)
    assert client.messages()[-1].text.startswith("lost: connection closed")
    client.close()


def test_the_reader_is_one_thread_per_connection() -> None:
    before = threading.active_count()
    client = _client(FakeWire())
    assert threading.active_count() == before + 1
    client.close()
    assert threading.active_count() == before


def test_without_the_websockets_package_connect_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = importlib.import_module

    def no_websockets(name: str, package: str | None = None) -> object:
        if name.startswith("websockets"):
            raise ModuleNotFoundError(f"No module named {name!r}")
        return real_import(name, package)

    monkeypatch.setattr(importlib, "import_module", no_websockets)
    with pytest.raises(WsError, match="needs the 'websockets' package: pip install websockets"):
        websockets_connector("ws://127.0.0.1:1/ws", [], 1.0)
