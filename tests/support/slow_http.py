"""A raw-socket HTTP server on loopback, in a thread, for the faults a real app can send:
a body that never ends, headers or a body one byte at a time, escape codes, binary data.

Written on bare sockets (not http.server) so the pacing is exact and the server
notices the moment a client hangs up: ``hangups`` is set then, which is how a
test proves the client really closed its socket rather than only stopped waiting.

Routes (``GET``, any method works):

- ``/endless?chunk=N&every=S``: chunked text, N bytes every S seconds, until the
  client goes or ``limit_s`` passes (default 64 KiB as fast as the socket takes);
- ``/drip``: a chunked body, one byte per ``drip_s`` seconds;
- ``/slow-headers``: the status line and headers, one byte per ``drip_s`` seconds;
- ``/size/N``: N bytes of ``x`` with a Content-Length;
- ``/escape``: text/plain holding an OSC 52 clipboard write, a NUL and colour codes;
- ``/binary``: 300 bytes of application/octet-stream;
- ``/echo``: the request line and headers as text/plain (what the client sent).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import parse_qs, urlsplit

ESCAPE_BODY = b"before \x1b]52;c;ZXZpbA==\x07 nul \x00 \x1b[31mred\x1b[0m \x1b]0;title\x07 after\n"
BINARY_BODY = bytes(range(256)) + b"\x00\xff" * 22


class SlowServer:
    """One listening socket; a thread per connection; :meth:`close` stops them all."""

    def __init__(self, *, drip_s: float = 1.0, limit_s: float = 30.0) -> None:
        self.drip_s = drip_s
        self.limit_s = limit_s
        self.stop = threading.Event()
        self.hangups = threading.Event()  # a client closed its end while we were sending
        self.requests: list[bytes] = []  # raw request heads, as received
        self.sent = 0  # body bytes written, all connections
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self._sock.listen(16)
        self.port = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._threads: list[threading.Thread] = []
        self._conns: list[socket.socket] = []
        self._lock = threading.Lock()
        self._accept = threading.Thread(target=self._serve, daemon=True)
        self._accept.start()

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(conn,), daemon=True)
            with self._lock:
                self._conns.append(conn)
                self._threads.append(thread)
            thread.start()

    def _handle(self, conn: socket.socket) -> None:
        try:
            head = b""
            while b"\r\n\r\n" not in head:
                data = conn.recv(65536)
                if not data:
                    return
                head += data
            with self._lock:
                self.requests.append(head.split(b"\r\n\r\n", 1)[0])
            target = head.split(b" ", 2)[1].decode("latin-1")
            self._route(conn, target, head)
        except (BrokenPipeError, ConnectionResetError):
            self.hangups.set()
        except OSError:
            pass
        finally:
            conn.close()

    def _route(self, conn: socket.socket, target: str, head: bytes) -> None:
        parts = urlsplit(target)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        path = parts.path
        if path == "/endless":
            chunk = int(query.get("chunk", 65536))
            every = float(query.get("every", 0))
            self._send_head(conn, "text/plain; charset=utf-8", chunked=True)
            self._stream(conn, b"y" * chunk, every)
        elif path == "/drip":
            self._send_head(conn, "text/plain", chunked=True)
            self._stream(conn, b"z", self.drip_s)
        elif path == "/slow-headers":
            for byte in b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\n":
                conn.sendall(bytes([byte]))
                if not self._pace(conn, self.drip_s):
                    return
        elif path.startswith("/size/"):
            self._send_whole(conn, b"x" * int(path.rsplit("/", 1)[1]), "text/plain")
        elif path == "/escape":
            self._send_whole(conn, ESCAPE_BODY, "text/plain; charset=utf-8")
        elif path == "/binary":
            self._send_whole(conn, BINARY_BODY, "application/octet-stream")
        elif path == "/echo":
            self._send_whole(conn, head.split(b"\r\n\r\n", 1)[0], "text/plain")
        else:
            self._send_whole(conn, b"not found", "text/plain", status="404 Not Found")

    def _send_head(self, conn: socket.socket, kind: str, *, chunked: bool, length: int = 0) -> None:
        framing = "Transfer-Encoding: chunked" if chunked else f"Content-Length: {length}"
        conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: {kind}\r\n{framing}\r\n\r\n".encode())

    def _send_whole(
        self, conn: socket.socket, body: bytes, kind: str, status: str = "200 OK"
    ) -> None:
        head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {len(body)}\r\n"
        conn.sendall(head.encode() + b"Connection: close\r\n\r\n" + body)
        with self._lock:
            self.sent += len(body)

    def _stream(self, conn: socket.socket, piece: bytes, every: float) -> None:
        frame = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
        ends = time.monotonic() + self.limit_s
        while time.monotonic() < ends and not self.stop.is_set():
            conn.sendall(frame)
            with self._lock:
                self.sent += len(piece)
            if every and not self._pace(conn, every):
                return

    def _pace(self, conn: socket.socket, seconds: float) -> bool:
        """Wait ``seconds`` between two sends, watching for the client hanging up (then
        ``hangups`` is set and this is False); False too when the server stops."""
        ends = time.monotonic() + seconds
        while not self.stop.is_set():
            left = ends - time.monotonic()
            if left <= 0:
                return True
            conn.settimeout(min(left, 0.1))
            try:
                if conn.recv(65536) == b"":
                    self.hangups.set()
                    return False
            except TimeoutError:
                continue
            finally:
                conn.settimeout(None)
        return False

    def close(self) -> None:
        self.stop.set()
        with suppress(OSError):  # wakes the accept() (close() alone does not)
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        with self._lock:
            conns, threads = list(self._conns), list(self._threads)
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        for thread in threads:
            thread.join(5)
        self._accept.join(5)


@contextmanager
def slow_server(*, drip_s: float = 1.0, limit_s: float = 30.0) -> Iterator[SlowServer]:
    server = SlowServer(drip_s=drip_s, limit_s=limit_s)
    try:
        yield server
    finally:
        server.close()
