"""Sender and OAuth2 login against real uvicorn servers on loopback (echo app and sample_app)."""

from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

import psutil
import pytest

from asgideck.runtime.client import (
    AuthFailed,
    BearerAuth,
    RequestCancelled,
    RequestSpec,
    Sender,
    TokenStore,
    oauth2_password_token,
)
from support.loopback import DEMO_USER, serve_sample

pytestmark = pytest.mark.integration


def test_password_flow_token_opens_the_protected_route(echo_url: str) -> None:
    token = oauth2_password_token(echo_url, "/auth/token", "alice", "wonderland-pass")
    with Sender() as sender:
        ok = sender.send(RequestSpec("GET", "/me", base_url=echo_url, auth=BearerAuth(token)))
        denied = sender.send(RequestSpec("GET", "/me", base_url=echo_url))
        wrong = sender.send(RequestSpec("GET", "/me", base_url=echo_url, auth=BearerAuth("nope")))
    assert (ok.status, ok.pretty()) == (200, '{\n  "username": "alice"\n}')
    assert denied.status == 401 and wrong.status == 401


def test_refused_login_says_why(echo_url: str) -> None:
    with pytest.raises(AuthFailed) as info:
        oauth2_password_token(echo_url, "auth/token", "alice", "wrong")
    assert str(info.value) == (
        f"login at {echo_url}/auth/token failed: 401 Unauthorized: Incorrect username or password"
    )
    with pytest.raises(AuthFailed, match=r"failed: 422 Unprocessable .*: username: Field required"):
        oauth2_password_token(echo_url, "/auth/token", "", "x")


def test_token_endpoint_that_is_not_json_or_has_no_token(echo_url: str) -> None:
    with pytest.raises(AuthFailed, match=r"answered 200 OK with image/png, not JSON"):
        oauth2_password_token(echo_url, "/png", "alice", "x")
    with pytest.raises(AuthFailed, match=r"without an access_token \(got: ok\)"):
        oauth2_password_token(echo_url, "/set-cookie", "alice", "x")


def test_login_against_a_stopped_server_is_a_clear_message(echo_url: str) -> None:
    from support.loopback import free_port

    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(Exception, match=r"^connection refused: is the server at .* running\?$"):
        oauth2_password_token(url, "/auth/token", "alice", "x")


def test_cancel_shuts_a_real_stalled_stream_promptly(echo_url: str) -> None:
    sender = Sender()
    outcome: list[BaseException] = []
    first_chunk = threading.Event()

    def progress(received: int) -> None:
        if received > 0:
            first_chunk.set()

    def run() -> None:
        try:
            sender.send(RequestSpec("GET", "/slow-body", base_url=echo_url), progress)
        except RequestCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    assert first_chunk.wait(10), "the first chunk never arrived"
    sender.cancel()
    thread.join(5)  # a bound for a hang: the stalled body never ends by itself
    assert not thread.is_alive() and outcome
    assert _wait_no_send_threads(3), "the worker kept reading after cancel()"
    # The same sender still works after the cancel.
    assert sender.send(RequestSpec("GET", "/echo/x", base_url=echo_url)).status == 200
    sender.close()


def _send_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "asgideck-send"]


def _wait_no_send_threads(timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _send_threads() and time.monotonic() < deadline:
        time.sleep(0.02)  # polling the condition, bounded by the deadline
    return not _send_threads()


def test_cancel_before_the_headers_returns_and_closes_the_connection(echo_url: str) -> None:
    """The server would answer after 30 s; cancel frees the caller and the worker at once."""
    sender = Sender()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            sender.send(RequestSpec("GET", "/slow-headers", base_url=echo_url))
        except RequestCancelled as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 10
    while not sender.in_flight and time.monotonic() < deadline:
        time.sleep(0.01)  # polling until send() is waiting; cancel works at any stage after
    sender.cancel()
    thread.join(5)  # a bound for a hang: the answer itself would come only after 30 s
    assert not thread.is_alive() and outcome
    assert _wait_no_send_threads(3), "the worker kept waiting for the server after cancel()"
    sender.close()


def test_progress_reports_headers_then_growing_sizes(echo_url: str) -> None:
    seen: list[int] = []
    with Sender() as sender:
        record = sender.send(RequestSpec("GET", "/big?size=300000", base_url=echo_url), seen.append)
    assert seen[0] == 0 and seen[-1] == record.size == 300000
    assert seen == sorted(seen) and len(seen) > 2


def test_100_mb_response_goes_to_a_file_with_bounded_memory(echo_url: str) -> None:
    size = 100 * 2**20
    me = psutil.Process()
    before = me.memory_info().rss
    peak = [before]
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.01):
            peak[0] = max(peak[0], me.memory_info().rss)

    watcher = threading.Thread(target=watch)
    watcher.start()
    sender = Sender()
    try:
        record = sender.send(RequestSpec("GET", f"/big?size={size}", base_url=echo_url))
    finally:
        done.set()
        watcher.join()
    try:
        assert record.status == 200 and record.size == size and record.truncated
        assert len(record.body) == 10 * 2**20
        assert record.body_file is not None and record.body_file.stat().st_size == size
        block = b"0123456789abcdef" * 4096
        expected = hashlib.sha256(block * (size // len(block))).hexdigest()
        digest = hashlib.sha256()
        with record.body_file.open("rb") as handle:
            for piece in iter(lambda: handle.read(2**20), b""):
                digest.update(piece)
        assert digest.hexdigest() == expected
        grown = (peak[0] - before) / 2**20
        assert grown < 50, f"memory grew by {grown:.0f} MB while receiving 100 MB"
        assert record.pretty().startswith(f"<{size} bytes of application/octet-stream>")
    finally:
        sender.close()


def test_sample_app_login_protected_route_and_token_survives_a_restart(tmp_path: Path) -> None:
    """Done-means 1 at runtime level: real sample_app, OAuth2 login, 401 without, restart."""
    tokens = TokenStore()
    key = TokenStore.key("sample_app", "dev")
    me = "/api/v1/users/me"
    with Sender() as sender:
        with serve_sample(tmp_path) as base_url:
            token = oauth2_password_token(base_url, "/api/v1/auth/token", *DEMO_USER)
            tokens.set(key, BearerAuth(token))
            ok = sender.send(RequestSpec("GET", me, base_url=base_url, auth=tokens.get(key)))
            denied = sender.send(RequestSpec("GET", me, base_url=base_url))
            port = int(base_url.rsplit(":", 1)[1])
        assert ok.status == 200, ok.text()
        assert ok.pretty().count('"username": "alice"') == 1
        assert denied.status == 401
        with serve_sample(tmp_path, port=port) as base_url:
            again = sender.send(RequestSpec("GET", me, base_url=base_url, auth=tokens.get(key)))
        assert again.status == 200, again.text()
