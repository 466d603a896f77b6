"""Sender over httpx.MockTransport and bare loopback sockets: records, caps, cancel, errors."""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from asgideck.runtime.client import (
    RequestCancelled,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
)
from support.loopback import free_port

PNG_HEAD = bytes.fromhex("89504e470d0a1a0a0000000d49484452")


def _sender(handler: Callable[[httpx.Request], httpx.Response], **kwargs: Any) -> Sender:
    return Sender(transport=httpx.MockTransport(handler), **kwargs)


def _send(
    handler: Callable[[httpx.Request], httpx.Response], spec: RequestSpec | None = None, **kw: Any
) -> ResponseRecord:
    with _sender(handler, **kw) as sender:
        return sender.send(spec or RequestSpec("GET", "http://test/x"))


def test_record_has_status_reason_version_headers_and_timings() -> None:
    record = _send(
        lambda r: httpx.Response(201, headers=[("X-A", "1"), ("X-A", "2")], json={"a": 1})
    )
    assert (record.status, record.reason, record.http_version) == (201, "Created", "HTTP/1.1")
    assert [v for k, v in record.headers if k.lower() == "x-a"] == ["1", "2"]
    assert record.content_type == "application/json"
    assert record.size == len(record.body) and not record.truncated and record.body_file is None
    assert 0 <= record.ttfb_s <= record.elapsed_s
    assert record.url == "http://test/x"


def test_json_is_pretty_printed_text_decoded_with_its_charset() -> None:
    record = _send(lambda r: httpx.Response(200, json={"b": [1, 2], "a": "é"}))
    assert record.pretty() == '{\n  "b": [\n    1,\n    2\n  ],\n  "a": "é"\n}'
    latin = _send(
        lambda r: httpx.Response(
            200,
            content="café".encode("latin-1"),
            headers={"content-type": "text/plain; charset=latin-1"},
        )
    )
    assert latin.text() == "café" and not latin.is_binary


def test_binary_body_is_shown_as_size_type_and_hex_head() -> None:
    payload = PNG_HEAD + bytes(range(256)) * 4
    record = _send(
        lambda r: httpx.Response(200, content=payload, headers={"content-type": "image/png"})
    )
    assert record.is_binary and record.is_image
    lines = record.pretty().splitlines()
    assert lines[0] == f"<{len(payload)} bytes of image/png>"
    assert (
        lines[1] == "00000000  89 50 4e 47 0d 0a 1a 0a 00 00 00 0d 49 48 44 52  |.PNG........IHDR|"
    )
    assert len(lines) == 1 + 256 // 16  # the hex head stops after 256 bytes


def test_binary_sniffed_when_there_is_no_content_type() -> None:
    def no_type(body: bytes) -> Callable[[httpx.Request], httpx.Response]:
        return lambda r: httpx.Response(200, content=body, headers={"content-type": ""})

    assert _send(no_type(b"abc\x00def")).is_binary
    assert not _send(no_type("plain text é".encode())).is_binary
    assert _send(no_type(b"\xff\xfe\xfa garbage bytes")).is_binary


def test_body_over_the_cap_is_streamed_to_a_file_and_truncated_in_memory() -> None:
    payload = bytes(range(256)) * 40  # 10240 bytes

    def chunks() -> Iterator[bytes]:
        for start in range(0, len(payload), 1000):
            yield payload[start : start + 1000]

    sender = _sender(lambda r: httpx.Response(200, content=chunks()), body_cap=4096)
    record = sender.send(RequestSpec("GET", "http://test/big"))
    assert record.truncated and record.size == len(payload)
    assert record.body == payload[:4096]
    assert record.body_file is not None and record.body_file.read_bytes() == payload
    assert (
        record.notice()
        == f"showing the first 4.0 KB of 10.0 KB; the whole body is in {record.body_file}"
    )
    sender.close()
    assert not record.body_file.exists(), "close() deletes the large-body files"


def test_body_exactly_at_the_cap_stays_in_memory() -> None:
    record = _send(lambda r: httpx.Response(200, content=b"x" * 100), body_cap=100)
    assert not record.truncated and record.body_file is None and record.notice() is None


def test_gzip_body_is_decoded() -> None:
    packed = gzip.compress(b'{"ok": true}')
    record = _send(
        lambda r: httpx.Response(
            200,
            content=packed,
            headers={"content-encoding": "gzip", "content-type": "application/json"},
        )
    )
    assert record.body == b'{"ok": true}' and record.size == 12


def test_time_to_first_byte_is_before_a_slow_body_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]  # the sender's clock, moved by the simulated server: no wall time

    def chunks() -> Iterator[bytes]:
        yield b"a"
        clock[0] += 5.0  # the rest of the body takes the server 5 s
        yield b"b"

    fake = SimpleNamespace(perf_counter=lambda: clock[0], monotonic=time.monotonic)
    monkeypatch.setattr("asgideck.runtime.client._sender.time", fake)
    record = _send(lambda r: httpx.Response(200, content=chunks()))
    assert record.body == b"ab"
    assert (record.ttfb_s, record.elapsed_s) == (0.0, 5.0)  # first byte at once, end at 5 s


def test_redirects_are_followed_only_when_asked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/old":
            return httpx.Response(307, headers={"location": "/new"})
        return httpx.Response(200, text="new")

    stay = _send(handler, RequestSpec("GET", "http://test/old"))
    assert stay.status == 307 and stay.header("location") == "/new"
    follow = _send(handler, RequestSpec("GET", "http://test/old", follow_redirects=True))
    assert (follow.status, follow.body, follow.url) == (200, b"new", "http://test/new")


def test_cookies_set_by_a_response_are_not_sent_again() -> None:
    seen: list[str | None] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("cookie"))
        return httpx.Response(200, headers={"set-cookie": "session=abc; Path=/"})

    with _sender(handler) as sender:
        sender.send(RequestSpec("GET", "http://test/a"))
        sender.send(RequestSpec("GET", "http://test/a"))
        sender.send(RequestSpec("GET", "http://test/a", cookies={"mine": "1"}))
    assert seen == [None, None, "mine=1"]


def _send_in_thread(sender: Sender, spec: RequestSpec) -> tuple[threading.Thread, dict[str, Any]]:
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["record"] = sender.send(spec)
        except RequestFailed as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def test_cancel_during_a_stalled_body_returns_promptly() -> None:
    started, release = threading.Event(), threading.Event()

    def chunks() -> Iterator[bytes]:
        yield b"first"
        started.set()
        release.wait(10)
        yield b"late"

    sender = _sender(lambda r: httpx.Response(200, content=chunks()))
    thread, outcome = _send_in_thread(sender, RequestSpec("GET", "http://test/slow"))
    assert started.wait(5)
    sender.cancel()
    thread.join(5)  # the stalled body is released only below: only the cancel ends the send
    assert not thread.is_alive() and isinstance(outcome.get("error"), RequestCancelled)
    assert "cancelled" in str(outcome["error"])
    release.set()
    sender.close()


def test_cancel_before_headers_arrive_returns_promptly() -> None:
    entered, release = threading.Event(), threading.Event()

    def handler(request: httpx.Request) -> httpx.Response:
        entered.set()
        release.wait(10)
        return httpx.Response(200)

    sender = _sender(handler)
    thread, outcome = _send_in_thread(sender, RequestSpec("GET", "http://test/hang"))
    assert entered.wait(5)
    sender.cancel()
    thread.join(5)
    assert not thread.is_alive() and isinstance(outcome.get("error"), RequestCancelled)
    release.set()
    # The sender stays usable after a cancel.
    assert sender.send(RequestSpec("GET", "http://test/again")).status == 200
    sender.close()


def test_unexpected_transport_errors_become_one_line_messages() -> None:
    def boom(request: httpx.Request) -> httpx.Response:
        raise ValueError("weird")

    with pytest.raises(RequestFailed) as info:
        _send(boom)
    assert str(info.value) == "request to http://test/x failed: ValueError('weird')"


# --- real sockets on loopback, no server process needed -----------------------------------


def test_connection_refused_asks_whether_the_server_is_running() -> None:
    port = free_port()
    with Sender() as sender, pytest.raises(RequestFailed) as info:
        sender.send(RequestSpec("GET", "/x", base_url=f"http://127.0.0.1:{port}"))
    assert (
        str(info.value) == f"connection refused: is the server at http://127.0.0.1:{port} running?"
    )


class _SilentServer:
    """Accepts connections and reads, but never answers (or answers ``reply``)."""

    def __init__(self, reply: bytes = b"") -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen()
        self.port = self.sock.getsockname()[1]
        self.reply = reply
        self.conns: list[socket.socket] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        try:
            conn, _ = self.sock.accept()
        except OSError:
            return
        self.conns.append(conn)
        if self.reply:
            conn.recv(65536)
            conn.sendall(self.reply)

    def close(self) -> None:
        self.sock.close()
        for conn in self.conns:
            conn.close()
        self.thread.join(5)


def test_read_timeout_names_the_server_and_the_limit() -> None:
    server = _SilentServer()
    try:
        url = f"http://127.0.0.1:{server.port}/x"
        with Sender() as sender, pytest.raises(RequestFailed) as info:
            sender.send(RequestSpec("GET", url, timeout=0.3))
        expected = f"no answer from http://127.0.0.1:{server.port} within 0.3 s (read timeout)"
        assert str(info.value) == expected
    finally:
        server.close()


def test_tls_error_is_explained() -> None:
    server = _SilentServer(reply=b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
    try:
        url = f"https://127.0.0.1:{server.port}/x"
        with Sender() as sender, pytest.raises(RequestFailed) as info:
            sender.send(RequestSpec("GET", url, timeout=5))
        assert str(info.value).startswith(f"TLS error talking to https://127.0.0.1:{server.port}: ")
    finally:
        server.close()


def test_invalid_url_is_explained() -> None:
    with Sender() as sender, pytest.raises(RequestFailed, match=r"^invalid URL 'http:///x'"):
        sender.send(RequestSpec("GET", "http:///x"))
