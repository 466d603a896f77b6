"""Misbehaving HTTP servers on loopback, written byte by byte for the limit tests.

``serve_raw(answer)`` accepts connections on a free loopback port and runs
``answer(conn, stop)`` for each in a thread, after the request head has been read
(``answer`` may be a dict: one answer per path, a 404 for the others).
The answers here stream without end, drip a byte at a time, or drip the headers;
each ends when ``stop`` is set (on leaving ``serve_raw``) or the client goes away,
so no thread or socket outlives the test.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

Answer = Callable[[socket.socket, threading.Event], None]
_NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"

__all__ = [
    "Answer",
    "deep_json",
    "drip_body",
    "drip_headers",
    "endless_body",
    "fixed_body",
    "serve_raw",
]


def _read_head(conn: socket.socket) -> bytes:
    head = b""
    while b"\r\n\r\n" not in head and len(head) < 65536:
        chunk = conn.recv(4096)
        if not chunk:
            break
        head += chunk
    return head


@contextmanager
def serve_raw(answer: Answer | dict[str, Answer]) -> Iterator[str]:
    """Yield ``http://127.0.0.1:PORT``; each connection gets ``answer`` (or its path's)."""
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.1)
    stop = threading.Event()
    workers: list[threading.Thread] = []

    def handle(conn: socket.socket) -> None:
        with conn, contextlib.suppress(OSError):
            conn.settimeout(10)
            head = _read_head(conn)
            if not isinstance(answer, dict):
                answer(conn, stop)
                return
            parts = head.split(b" ", 2)
            chosen = answer.get(parts[1].decode("latin-1") if len(parts) > 2 else "")
            if chosen is None:
                conn.sendall(_NOT_FOUND)
            else:
                chosen(conn, stop)

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=handle, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for worker in workers:
            worker.join(5)


def endless_body(limit: int = 512 << 20) -> Answer:
    """A 200 with no length that sends JSON-looking bytes until ``limit`` (far past any
    cap under test, so a reader without a cap fails its test instead of hanging it)."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
        conn.sendall(b'{"openapi": "3.0.0", "x": "')
        chunk = b"a" * 65536
        sent = 0
        while sent < limit and not stop.is_set():
            conn.sendall(chunk)
            sent += len(chunk)

    return answer


def drip_body(every: float = 0.2) -> Answer:
    """Headers at once (a 1 MB Content-Length), then one body byte every ``every`` s."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n{")
        while not stop.wait(every):
            conn.sendall(b" ")

    return answer


def drip_headers(every: float = 0.2) -> Answer:
    """The status line, then one header byte every ``every`` s, never ending the head."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        while not stop.wait(every):
            conn.sendall(b"a")

    return answer


def fixed_body(body: bytes, content_type: str = "application/json") -> Answer:
    """A 200 with ``body`` and its length."""

    def answer(conn: socket.socket, stop: threading.Event) -> None:
        head = f"HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\n"
        head += f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        conn.sendall(head.encode() + body)

    return answer


def deep_json(levels: int) -> bytes:
    """An OpenAPI document whose ``x-deep`` extension nests ``levels`` lists deep."""
    head = b'{"openapi": "3.0.0", "info": {"title": "deep", "version": "1"}, "paths": {},'
    return head + b' "x-deep": ' + b"[" * levels + b"]" * levels + b"}"
