"""Detaching the WebSocket panel never blocks the GUI thread, even when the server hangs.

The hung server sits behind the WebSocket client's connection seam (``WsConnection``):
its close handshake waits until the test lets it go, as a server stuck in a breakpoint
would. The last test does the same against a real sample_app's ``/ws/echo``.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

import pytest
import websockets  # noqa: F401  (a hard dependency: a broken install fails here, never skips)

from asgideck.runtime.client import WsClient, WsClosed
from support.try_view import Views

TIMEOUT_MS = 20_000
WAIT_S = 10.0
HANG_S = 10.0  # how long the hung server ignores the close frame


def python_threads() -> set[threading.Thread]:
    """Threads Python started (Qt's pool threads show up as dummies and outlive a test)."""
    return {t for t in threading.enumerate() if not isinstance(t, threading._DummyThread)}


def wait_for_threads_to_end(baseline: set[threading.Thread], timeout: float = WAIT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = python_threads() - baseline
        if not left:
            return
        for thread in left:
            thread.join(max(0.0, deadline - time.monotonic()) / len(left))
    assert sorted(t.name for t in python_threads() - baseline) == []


class HungConnection:
    """A wire whose server never answers the close frame until ``answer`` is set."""

    def __init__(self) -> None:
        self.answer = threading.Event()
        self.closing = threading.Event()
        self.returned = threading.Event()  # close() came back (answered, or HANG_S passed)
        self.closed_on: threading.Thread | None = None
        self.closed_with: tuple[int, str] | None = None

    def send(self, message: str | bytes) -> None:
        pass

    def recv(self, timeout: float | None) -> str | bytes:
        if self.answer.wait(timeout):
            raise WsClosed(1001, "")
        raise TimeoutError

    def close(self, code: int, reason: str) -> None:
        self.closed_on = threading.current_thread()
        self.closing.set()
        self.closed_with = (code, reason)
        self.answer.wait(HANG_S)  # bounded: a blocking detach fails the test, never hangs it
        self.returned.set()


def test_detach_returns_at_once_while_the_server_hangs(views: Views) -> None:
    baseline = python_threads()
    wire = HungConnection()

    def connector(url: str, headers: Sequence[tuple[str, str]], timeout: float) -> HungConnection:
        return wire

    panel = views("http://127.0.0.1:9").ws_panel
    panel.client = WsClient(connector=connector)
    panel.client.connect("ws://127.0.0.1:9/ws/hung")
    assert panel.client.connected

    panel.detach()
    # detach came back while the server still holds the close: it did not wait for it
    assert not wire.returned.is_set(), "detach waited for the hung server's close"
    assert wire.closing.wait(WAIT_S), "detach never closed the connection"
    assert wire.closed_on is not threading.current_thread()  # off the GUI thread
    assert wire.closed_with == (1001, "asgideck closed the panel")
    assert not panel.timer.isActive()

    wire.answer.set()  # the server finally answers: the closer and the reader end
    wait_for_threads_to_end(baseline)
    assert not panel.client.connected and panel.client.close_code == 1001


def test_a_connect_finishing_after_detach_is_closed_again(views: Views, qtbot) -> None:  # type: ignore[no-untyped-def]
    baseline = python_threads()
    wire = HungConnection()
    dialing, release = threading.Event(), threading.Event()

    def connector(url: str, headers: Sequence[tuple[str, str]], timeout: float) -> HungConnection:
        dialing.set()
        assert release.wait(WAIT_S)
        return wire

    view = views("http://127.0.0.1:9")
    panel = view.ws_panel
    panel.client = WsClient(connector=connector)
    panel.set_path("/ws/late")
    panel.connect_()
    assert dialing.wait(WAIT_S)
    panel.detach()  # the handshake is still under way: nothing to close yet
    release.set()  # now the connection opens, for a panel that is gone
    assert wire.closing.wait(WAIT_S), "the late connection was never closed"
    assert wire.closed_with == (1001, "asgideck closed the panel")
    wire.answer.set()
    qtbot.waitUntil(lambda: not view.runner.busy, timeout=TIMEOUT_MS)
    assert panel.state.text() == "Connecting to ws://127.0.0.1:9/ws/late…"  # nothing landed
    wait_for_threads_to_end(baseline)
    assert not panel.client.connected and panel.client.close_code == 1001


def test_detach_without_a_connection_leaves_nothing(views: Views) -> None:
    baseline = python_threads()
    panel = views().ws_panel
    panel.detach()
    panel.detach()  # twice is harmless
    wait_for_threads_to_end(baseline)


@pytest.mark.integration
def test_detach_with_an_open_echo_connection(views: Views, sample, qtbot) -> None:  # type: ignore[no-untyped-def]
    url, doc = sample
    view = views(url, doc)
    baseline = python_threads()
    view.open_websocket("/ws/echo")
    panel = view.ws_panel
    panel.connect_()
    ws = url.replace("http://", "ws://") + "/ws/echo"
    qtbot.waitUntil(lambda: panel.state.text() == f"Connected to {ws}", timeout=TIMEOUT_MS)
    panel.message.setPlainText("still here")
    panel.send_text()
    qtbot.waitUntil(
        lambda: (
            ("received", "still here") in [(m.direction, m.text) for m in panel.client.messages()]
        ),
        timeout=TIMEOUT_MS,
    )

    panel.detach()  # not waiting for the close: the hung-server test above shows it
    wait_for_threads_to_end(baseline)  # the closer, the reader and websockets' own thread
    assert not panel.client.connected and panel.client.close_code == 1001
    last = panel.client.messages()[-1]
    assert (last.direction, last.text) == (
        "event",
        "closed by us (code 1001: asgideck closed the panel)",
    )
