"""The Workbench: target and events, credentials per project+server, history, WS, load, close."""

from __future__ import annotations

import pickle
import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    ApiKeyAuth,
    BearerAuth,
    InvalidRequest,
    LoadTestError,
    MultipartBody,
    RequestFailed,
    TokenStore,
    prepare,
)
from asgideck.runtime.workbench import SESSION_TOKENS, Draft, Field, Target, Workbench


@pytest.fixture
def bench(tmp_path: Path) -> Iterator[Workbench]:
    workbench = Workbench("proj", tmp_path / "history.sqlite3", tokens=TokenStore())
    yield workbench
    workbench.close()


def test_target_events_fire_once_per_change(bench: Workbench) -> None:
    seen: list[Target | None] = []
    bench.target_changed.connect(seen.append)
    bench.set_target("dev", "http://127.0.0.1:8000/", "/api")
    bench.set_target("dev", "http://127.0.0.1:8000", "/api")  # same target: no event
    bench.set_target(None, None)
    assert seen == [Target("dev", "http://127.0.0.1:8000", "/api"), None]
    assert seen[0] is not None and seen[0].api_url == "http://127.0.0.1:8000/api"
    assert bench.target is None


def test_credentials_follow_the_server_name_across_restarts_and_ports(bench: Workbench) -> None:
    changes: list[object] = []
    bench.auth_changed.connect(changes.append)
    with pytest.raises(RequestFailed, match="no server is running"):
        bench.set_auth(BearerAuth("t1"))
    bench.set_target("dev", "http://127.0.0.1:8000")
    bench.set_auth(BearerAuth("t1"))
    bench.set_target(None, None)  # the server stops...
    assert bench.auth is None
    bench.set_target("dev", "http://127.0.0.1:8123")  # ...and comes back on another port
    assert bench.auth == BearerAuth("t1")
    bench.set_target("prod", "http://127.0.0.1:8001")
    assert bench.auth is None  # another server has its own credentials
    bench.set_target("dev", "http://127.0.0.1:8123")
    bench.set_auth(None)
    assert bench.auth is None
    assert changes[-1] is None and BearerAuth("t1") in changes


def test_the_session_store_is_shared_by_project_and_never_pickled(tmp_path: Path) -> None:
    first = Workbench("shared-proj", tmp_path / "h.sqlite3")
    second = Workbench("shared-proj", tmp_path / "h.sqlite3")
    other = Workbench("other-proj", tmp_path / "h.sqlite3")
    try:
        for workbench in (first, second, other):
            workbench.set_target("dev", "http://127.0.0.1:8000")
        first.set_auth(BearerAuth("session-token"))
        assert first.tokens is SESSION_TOKENS
        assert second.auth == BearerAuth("session-token")  # a rebuilt workbench keeps it
        assert other.auth is None
        with pytest.raises(TypeError, match="never serialised"):
            pickle.dumps(first.tokens)
    finally:
        first.set_auth(None)


def test_a_path_without_a_server_is_a_clear_message(bench: Workbench) -> None:
    with pytest.raises(InvalidRequest) as info:
        bench.build_spec(Draft(path="/health"))
    assert str(info.value) == (
        "no server is running, so '/health' has nowhere to go: "
        "start a server or type a full http:// URL"
    )
    spec = bench.build_spec(Draft(path="http://127.0.0.1:9/x"))
    assert spec.build_url() == "http://127.0.0.1:9/x"


def test_build_spec_applies_the_current_credentials_unless_told_not(bench: Workbench) -> None:
    bench.set_target("dev", "http://127.0.0.1:8000", "/v1")
    bench.set_auth(ApiKeyAuth("key", "k-123", "query"))
    draft = Draft(path="/items/{id}", path_params=[Field("id", "4", required=True)])
    assert prepare(bench.build_spec(draft)).url == "http://127.0.0.1:8000/v1/items/4?key=k-123"
    assert prepare(bench.build_spec(draft, use_auth=False)).url.endswith("/v1/items/4")


def test_send_record_and_restore_with_the_current_token(bench: Workbench, echo_url: str) -> None:
    bench.set_target("dev", echo_url)
    old = bench.login("/auth/token", "alice", "wonderland-pass")
    bench.set_auth(old)
    spec = bench.build_spec(Draft(path="/me"))
    record = bench.send(spec)
    assert (record.status, record.body) == (200, b'{"username":"alice"}')
    entry_id = bench.record(spec, record)

    # Nothing secret on disk: read the SQLite file directly.
    with sqlite3.connect(bench.history.path) as db:
        stored = " ".join(str(v) for row in db.execute("SELECT * FROM entries") for v in row)
    assert old.token not in stored and "****" in stored

    new = bench.login("/auth/token", "alice", "wonderland-pass")
    assert new != old
    bench.set_auth(new)
    entry = next(e for e in bench.recent() if e.id == entry_id)
    draft, notes = bench.restore(entry)
    assert draft.path == "/me"
    assert notes == ["the stored authorization was redacted: this server's current one is used"]
    again = bench.build_spec(draft)
    assert ("Authorization", f"Bearer {new.token}") in prepare(again).headers
    assert bench.send(again).status == 200
    assert [e.id for e in bench.recent("username")] == [entry_id]
    assert bench.recent("no such text") == []


def test_restored_route_follows_the_server_to_its_new_port(bench: Workbench, echo_url: str) -> None:
    bench.set_target("dev", echo_url)
    spec = bench.build_spec(Draft(path="/echo/a"))
    bench.record(spec, bench.send(spec))
    bench.set_target("dev", "http://127.0.0.1:1")
    draft, _notes = bench.restore(bench.recent()[0])
    assert bench.build_spec(draft).build_url() == "http://127.0.0.1:1/echo/a"


def test_refused_login_says_why(bench: Workbench, echo_url: str) -> None:
    bench.set_target("dev", echo_url)
    with pytest.raises(RequestFailed, match="Incorrect username or password"):
        bench.login("/auth/token", "alice", "wrong")
    bench.set_target(None, None)
    with pytest.raises(RequestFailed, match="no server is running: start one to log in"):
        bench.login("/auth/token", "alice", "wonderland-pass")


def test_ws_request_carries_credentials(bench: Workbench) -> None:
    with pytest.raises(InvalidRequest, match="no server is running"):
        bench.ws_request("/ws/echo")
    assert bench.ws_request("ws://127.0.0.1:5/ws") == ("ws://127.0.0.1:5/ws", [])
    bench.set_target("dev", "http://127.0.0.1:8000", "/root")
    bench.set_auth(BearerAuth("tok"))
    url, headers = bench.ws_request("/ws/echo")
    assert url == "ws://127.0.0.1:8000/root/ws/echo"
    assert headers == [("Authorization", "Bearer tok")]
    assert bench.ws_request("/ws/echo", use_auth=False)[1] == []


def test_load_test_refuses_multipart_and_other_machines(bench: Workbench) -> None:
    bench.set_target("dev", "http://127.0.0.1:8000")
    draft = Draft(method="POST", path="/up", body_kind="multipart")
    spec = replace(bench.build_spec(draft), body=MultipartBody(files=(("f", "/x"),)))
    with pytest.raises(LoadTestError, match="not multipart"):
        bench.load_test(spec, concurrency=1, duration_s=1)
    remote = bench.build_spec(Draft(path="http://example.com/"))
    with pytest.raises(LoadTestError, match="only target this machine"):
        bench.load_test(remote, concurrency=1, duration_s=1)


def test_close_deletes_the_sender_and_a_closed_workbench_can_be_reused(
    bench: Workbench, echo_url: str
) -> None:
    bench.set_target("dev", echo_url)
    first = bench.sender
    spec = bench.build_spec(Draft(path="/big", query=[Field("size", str(300_000))]))
    bench.sender.body_cap = 100_000
    record = bench.send(spec)
    assert record.truncated and record.body_file is not None and record.body_file.exists()
    bench.close()
    assert not record.body_file.exists()
    assert bench.sender is not first
    assert bench.send(bench.build_spec(Draft(path="/echo/x"))).status == 200
    assert "dev at" in repr(bench)


def test_two_projects_with_the_same_name_keep_history_and_tokens_apart(tmp_path: Path) -> None:
    tokens = TokenStore()
    history = tmp_path / "h.sqlite3"
    first = Workbench("backend", history, project_key="/work/a/backend", tokens=tokens)
    second = Workbench("backend", history, project_key="/work/b/backend", tokens=tokens)
    try:
        assert first.project_name == second.project_name == "backend"  # shown as before
        for workbench in (first, second):
            workbench.set_target("dev", "http://127.0.0.1:8000")
        first.set_auth(BearerAuth("first-token"))
        assert first.auth == BearerAuth("first-token")
        assert second.auth is None
        assert first.token_key() != second.token_key()
        first.record(first.build_spec(Draft(path="/only-in-first")), None, "refused")
        assert [e.url for e in first.recent()] == ["http://127.0.0.1:8000/only-in-first"]
        assert second.recent() == []
    finally:
        first.close()
        second.close()
