"""WebSocket client for the Try tab: connect, send text/JSON, a message log, close with a code.

httpx speaks no WebSocket, so the wire is the ``websockets`` package's
threaded client (``websockets.sync.client``), imported only when a connection
is opened: without the package, :meth:`WsClient.connect` says what to install.
The same package gives uvicorn its server side (``uvicorn[standard]``).

A reader thread receives every message into a bounded log as it arrives, so the
GUI polls :meth:`WsClient.messages` on a timer (like the log view) and never
blocks; :meth:`WsClient.receive` waits for the next one for scripts and tests.
The wire is behind a small :class:`WsConnection` seam that tests can replace.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol
from urllib.parse import urlsplit, urlunsplit

from asgideck.runtime.errors import AsgideckError

__all__ = [
    "WsClient",
    "WsClosed",
    "WsConnection",
    "WsError",
    "WsMessage",
    "filter_messages",
    "websockets_connector",
    "ws_url",
]

Direction = Literal["sent", "received", "event"]
_SENDABLE_CLOSE_CODES = {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011}
_BINARY_PREVIEW = 64


class WsError(AsgideckError):
    """A WebSocket operation failed; ``str()`` is the message to show."""


class WsClosed(WsError):
    """The connection is closed (by either side); ``code``/``reason`` from the close frame."""

    def __init__(self, code: int | None, reason: str = "") -> None:
        self.code = code
        self.reason = reason
        detail = f"code {code}" if code is not None else "no close code"
        super().__init__(f"connection closed ({detail}{': ' + reason if reason else ''})")


class WsConnection(Protocol):
    """The wire: ``recv`` raises ``TimeoutError`` on timeout and :class:`WsClosed` when closed."""

    def send(self, message: str | bytes) -> None: ...

    def recv(self, timeout: float | None) -> str | bytes: ...

    def close(self, code: int, reason: str) -> None: ...


Connector = Callable[[str, Sequence[tuple[str, str]], float], WsConnection]


@dataclass(frozen=True)
class WsMessage:
    """One line of the message log. ``data`` keeps a binary message's bytes."""

    seq: int
    direction: Direction
    time: float
    text: str
    data: bytes | None = None

    @property
    def is_binary(self) -> bool:
        return self.data is not None


def ws_url(base_url: str, path: str = "") -> str:
    """``http://h:1`` + ``/ws/echo`` -> ``ws://h:1/ws/echo`` (https -> wss)."""
    joined = base_url.rstrip("/") + "/" + path.lstrip("/") if path else base_url
    parts = urlsplit(joined)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    if scheme not in ("ws", "wss"):
        raise WsError(
            f"invalid WebSocket URL {joined!r}: it needs ws://, wss://, http:// or https://"
        )
    return urlunsplit((scheme, parts.netloc, parts.path, parts.query, ""))


def filter_messages(
    messages: Iterable[WsMessage], text: str = "", direction: Direction | None = None
) -> list[WsMessage]:
    """The messages containing ``text`` (case-insensitive) and of ``direction``, if given."""
    needle = text.lower()
    return [
        m
        for m in messages
        if (direction is None or m.direction == direction) and needle in m.text.lower()
    ]


def _describe(payload: str | bytes) -> tuple[str, bytes | None]:
    if isinstance(payload, str):
        return payload, None
    head = payload[:_BINARY_PREVIEW].hex(" ")
    more = " …" if len(payload) > _BINARY_PREVIEW else ""
    return f"<{len(payload)} bytes> {head}{more}", payload


class WsClient:
    """One WebSocket conversation. Methods may be called from any thread."""

    def __init__(self, *, connector: Connector | None = None, log_limit: int = 10_000) -> None:
        self._connector = connector or websockets_connector
        self._log: deque[WsMessage] = deque(maxlen=log_limit)
        self._seq = 0
        self._read_seq = 0
        self._changed = threading.Condition()
        self._conn: WsConnection | None = None
        self._reader: threading.Thread | None = None
        self._closed: WsClosed | None = None
        self.url = ""

    # --- state ---------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        with self._changed:
            return self._conn is not None and self._closed is None

    @property
    def close_code(self) -> int | None:
        with self._changed:
            return self._closed.code if self._closed else None

    @property
    def close_reason(self) -> str:
        with self._changed:
            return self._closed.reason if self._closed else ""

    def messages(self, since: int = 0) -> list[WsMessage]:
        """Log entries with ``seq > since`` (the GUI passes the last seq it showed)."""
        with self._changed:
            return [m for m in self._log if m.seq > since]

    def _append(self, direction: Direction, payload: str | bytes) -> WsMessage:
        text, data = _describe(payload)
        with self._changed:
            self._seq += 1
            message = WsMessage(self._seq, direction, time.time(), text, data)
            self._log.append(message)
            self._changed.notify_all()
        return message

    # --- actions -------------------------------------------------------------------------

    def connect(
        self, url: str, headers: Sequence[tuple[str, str]] = (), timeout: float = 10.0
    ) -> None:
        """Open the connection (raises :class:`WsError` with a clear message) and start reading."""
        if self.connected:
            raise WsError(f"already connected to {self.url}: close it first")
        url = ws_url(url)
        conn = self._connector(url, headers, timeout)
        with self._changed:
            self._conn, self._closed, self.url = conn, None, url
            self._read_seq = self._seq
        self._append("event", f"connected to {url}")
        self._reader = threading.Thread(
            target=self._read_loop, args=(conn,), name="asgideck-ws-reader", daemon=True
        )
        self._reader.start()

    def _read_loop(self, conn: WsConnection) -> None:
        while True:
            try:
                payload = conn.recv(0.25)
            except TimeoutError:
                with self._changed:
                    if self._conn is not conn:
                        return
                continue
            except WsClosed as closed:
                self._mark_closed(conn, closed, "closed by the server")
                return
            except Exception as exc:  # a broken wire ends the conversation, never the app
                self._mark_closed(conn, WsClosed(None, str(exc) or type(exc).__name__), "lost")
                return
            self._append("received", payload)

    def _mark_closed(self, conn: WsConnection, closed: WsClosed, how: str) -> None:
        with self._changed:
            if self._conn is not conn or self._closed is not None:
                return
            self._closed = closed
        self._append("event", f"{how}: {closed}")

    def _live(self) -> WsConnection:
        with self._changed:
            if self._conn is None:
                raise WsError("not connected")
            if self._closed is not None:
                raise WsError(f"not connected: {self._closed}")
            return self._conn

    def send_text(self, text: str) -> None:
        conn = self._live()
        try:
            conn.send(text)
        except WsClosed as closed:
            self._mark_closed(conn, closed, "closed")
            raise
        except Exception as exc:
            raise WsError(f"sending failed: {exc}") from None
        self._append("sent", text)

    def send_json(self, value: Any) -> None:
        """Send JSON: a ``str`` must already be valid JSON text; anything else is encoded."""
        if isinstance(value, str):
            try:
                json.loads(value)
            except ValueError as exc:
                raise WsError(f"not valid JSON: {exc}") from None
            self.send_text(value)
            return
        try:
            text = json.dumps(value, ensure_ascii=False)
        except (TypeError, ValueError) as exc:
            raise WsError(f"cannot encode as JSON: {exc}") from None
        self.send_text(text)

    def receive(self, timeout: float = 5.0) -> WsMessage | None:
        """The next received message not yet returned by ``receive``; ``None`` after ``timeout``.

        Raises :class:`WsClosed` when the connection closes with nothing left to read.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for message in self._log:
                    if message.seq > self._read_seq and message.direction == "received":
                        self._read_seq = message.seq
                        return message
                if self._closed is not None:
                    raise self._closed
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._changed.wait(remaining)

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close with ``code`` (1000, or 3000–4999 for the app's own codes) and stop reading."""
        if code not in _SENDABLE_CLOSE_CODES and not 3000 <= code <= 4999:
            raise WsError(f"close code {code} cannot be sent: use 1000, 1001 or 3000-4999")
        if len(reason.encode("utf-8")) > 123:
            raise WsError("the close reason is longer than 123 bytes")
        with self._changed:
            conn, reader = self._conn, self._reader
            already = self._closed is not None
            if conn is not None and not already:
                self._closed = WsClosed(code, reason)
        if conn is None:
            return
        if not already:
            with contextlib.suppress(Exception):  # closing a dead wire is not an error
                conn.close(code, reason)
            self._append("event", f"closed by us (code {code}{': ' + reason if reason else ''})")
        with self._changed:
            self._conn = None
            self._changed.notify_all()
        if reader is not None and reader is not threading.current_thread():
            reader.join(5)

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- the websockets package behind the seam -------------------------------------------------


class _WebsocketsConnection:
    """Adapts ``websockets.sync.client.ClientConnection`` to :class:`WsConnection`."""

    def __init__(self, conn: Any, closed_types: tuple[type[BaseException], ...]) -> None:
        self._conn = conn
        self._closed_types = closed_types

    def _closed(self, exc: BaseException) -> WsClosed:
        frame = getattr(exc, "rcvd", None) or getattr(exc, "sent", None)
        code = getattr(frame, "code", None)
        return WsClosed(code, getattr(frame, "reason", "") or "")

    def send(self, message: str | bytes) -> None:
        try:
            self._conn.send(message)
        except self._closed_types as exc:
            raise self._closed(exc) from None

    def recv(self, timeout: float | None) -> str | bytes:
        try:
            message: str | bytes = self._conn.recv(timeout)
        except self._closed_types as exc:
            raise self._closed(exc) from None
        return message

    def close(self, code: int, reason: str) -> None:
        self._conn.close(code, reason)


def websockets_connector(
    url: str, headers: Sequence[tuple[str, str]], timeout: float
) -> WsConnection:
    """Open ``url`` with the ``websockets`` package, turning failures into :class:`WsError`."""
    try:
        client = importlib.import_module("websockets.sync.client")
        exceptions = importlib.import_module("websockets.exceptions")
    except ImportError:
        raise WsError(
            "WebSocket support needs the 'websockets' package: pip install websockets"
        ) from None
    parts = urlsplit(url)
    where = f"{parts.scheme}://{parts.netloc}"
    try:
        # ``with connect(...) as ws`` is the documented form in every version (13 returns the
        # connection, 17 warns unless entered, later ones return a connecter): enter it by hand.
        opener = client.connect(
            url,
            additional_headers=list(headers),
            open_timeout=timeout,
            close_timeout=5,
            max_size=16 * 2**20,
        )
        conn = opener.__enter__()
    except ConnectionRefusedError:
        raise WsError(f"connection refused: is the server at {where} running?") from None
    except TimeoutError:
        raise WsError(f"timed out opening {url} after {timeout:g} s") from None
    except Exception as exc:
        raise WsError(_handshake_message(exc, url)) from None
    return _WebsocketsConnection(conn, (exceptions.ConnectionClosed,))


def _handshake_message(exc: Exception, url: str) -> str:
    response = getattr(exc, "response", None)
    status = getattr(response, "status_code", None) or getattr(exc, "status_code", None)
    if status is not None:
        message = f"the server refused the WebSocket upgrade at {url}: HTTP {status}"
        if status in (404, 405):
            message += (
                " (no WebSocket route at that path, or the server has no WebSocket support:"
                " uvicorn needs the 'websockets' or 'wsproto' package)"
            )
        elif status == 403:
            # Starlette answers 403 both for "no WebSocket route here" and for a route that
            # closed before accepting (missing credentials, wrong origin).
            message += " (no WebSocket route at that path, or the route refused the connection)"
        elif status == 401:
            message += " (the route wants credentials)"
        return message
    if type(exc).__name__ == "InvalidURI":
        return f"invalid WebSocket URL {url!r}: {exc}"
    if isinstance(exc, OSError):
        return f"cannot connect to {url}: {exc.strerror or exc}"
    return f"WebSocket connection to {url} failed: {exc}"
