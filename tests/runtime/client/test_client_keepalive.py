"""Issue #15 (Try send-to-shown): the Sender keeps connections alive per target.

Counted from this process's own sockets (psutil): consecutive requests share one
connection; drop_connections() and close() leave none; a cancel on a kept connection
still hangs up at once; a server restarted on the same port is simply reconnected to,
and one that is gone gives the same message as without a kept connection.
Real uvicorn echo servers on free loopback ports.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.client import RequestCancelled, RequestFailed, RequestSpec, Sender
from asgideck.runtime.servers import free_port
from support.loopback import serve
from support.servers import wait_until


def _open_to(url: str) -> int:
    """How many established TCP connections this process has to ``url``'s port."""
    port = int(url.rsplit(":", 1)[1])
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def test_requests_share_one_kept_connection_closed_on_drop_and_close(echo_url: str) -> None:
    sender = Sender()
    spec = RequestSpec("GET", "/echo/kept", base_url=echo_url)
    bodies = {sender.send(spec).body for _ in range(4)}
    assert len(bodies) == 1  # the same answer every time
    assert _open_to(echo_url) == 1
    sender.drop_connections()  # e.g. the target changed
    assert wait_until(lambda: _open_to(echo_url) == 0, 5)
    assert sender.send(spec).status == 200  # a new connection, kept again
    assert _open_to(echo_url) == 1
    sender.close()
    assert wait_until(lambda: _open_to(echo_url) == 0, 5)


def test_cancel_on_a_kept_connection_hangs_up_at_once(echo_url: str) -> None:
    sender = Sender()
    assert sender.send(RequestSpec("GET", "/echo/first", base_url=echo_url)).status == 200
    outcome: list[BaseException] = []

    def run() -> None:
        try:  # the server would answer after 30 s; this request reuses the kept connection
            sender.send(RequestSpec("GET", "/slow-headers", base_url=echo_url))
        except RequestCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert wait_until(lambda: sender.in_flight == 1, 10)
    sender.cancel()
    thread.join(5)  # a bound for a hang: the answer itself would come only after 30 s
    assert not thread.is_alive() and outcome
    busy = lambda: [t for t in threading.enumerate() if t.name == "asgideck-send"]  # noqa: E731
    assert wait_until(lambda: not busy(), 3), "the worker kept waiting after cancel()"
    assert sender.send(RequestSpec("GET", "/echo/after", base_url=echo_url)).status == 200
    sender.close()
    assert wait_until(lambda: _open_to(echo_url) == 0, 5)


def test_a_restarted_server_is_reconnected_and_a_gone_one_reported_as_before(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    spec = RequestSpec("POST", "/echo/again", base_url=url, body='{"a": 1}', body_kind="json")
    sender = Sender()
    with serve("client_echo_app:app", port=port, log=tmp_path / "first.log"):
        assert sender.send(spec).status == 200
        assert _open_to(url) == 1
    with serve("client_echo_app:app", port=port, log=tmp_path / "second.log"):
        assert sender.send(spec).status == 200  # the dropped kept connection is not reused
    with pytest.raises(RequestFailed) as kept:
        sender.send(spec)
    with Sender() as fresh, pytest.raises(RequestFailed) as new:
        fresh.send(spec)
    assert str(kept.value) == str(new.value)
    sender.close()


def test_plain_http_skips_the_ca_bundle_and_https_keeps_verification(echo_url: str) -> None:
    """(From helper "cli") an http:// send that follows no redirect can never open TLS, so
    its client is built without loading the CA bundle; https:// or redirects keep verify."""
    with Sender() as sender:
        assert sender.send(RequestSpec("GET", "/echo/plain", base_url=echo_url)).status == 200
        assert set(sender._clients) == {False}
        redirect = RequestSpec("GET", "/redirect", base_url=echo_url, follow_redirects=True)
        assert sender.send(redirect).status == 200
        assert set(sender._clients) == {False, True}
    with Sender() as sender:
        with pytest.raises(RequestFailed):  # nothing listens there; the client verifies
            sender.send(RequestSpec("GET", f"https://127.0.0.1:{free_port()}/x"))
        assert set(sender._clients) == {True}
