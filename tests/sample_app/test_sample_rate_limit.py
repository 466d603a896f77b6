"""The fixed-window login rate limit, counted in a real redis-server."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis

from asgideck.runtime.servers import free_port
from sample_app_harness import DEMO_USER, build_app, serve

pytestmark = pytest.mark.anyio

WRONG = {"username": "alice", "password": "not-her-password"}


async def test_attempts_over_the_limit_get_429_with_retry_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str
) -> None:
    app = build_app(
        monkeypatch,
        tmp_path,
        REDIS_URL=redis_url,
        LOGIN_RATE_LIMIT="3",
        LOGIN_RATE_WINDOW_SECONDS="600",
    )
    async with serve(app) as client:
        allowed = [await client.post("/api/v1/auth/token", data=WRONG) for _ in range(3)]
        refused = await client.post("/api/v1/auth/token", data=DEMO_USER)

    assert [r.status_code for r in allowed] == [401, 401, 401]
    assert refused.status_code == 429  # even the right password: the window is spent
    assert 0 < int(refused.headers["retry-after"]) <= 600
    assert refused.json()["detail"].startswith("Too many login attempts; try again in ")
    with Redis.from_url(redis_url, decode_responses=True) as redis:
        [key] = redis.keys("sample:ratelimit:login:*")
        assert redis.get(key) == "4"
        assert 0 < redis.ttl(key) <= 600


async def test_the_window_ends_with_its_key(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str
) -> None:
    app = build_app(monkeypatch, tmp_path, REDIS_URL=redis_url, LOGIN_RATE_LIMIT="1")
    async with serve(app) as client:
        assert (await client.post("/api/v1/auth/token", data=DEMO_USER)).status_code == 200
        assert (await client.post("/api/v1/auth/token", data=DEMO_USER)).status_code == 429
        with Redis.from_url(redis_url) as redis:
            redis.delete(*redis.keys("sample:ratelimit:login:*"))  # as its expiry would
        again = await client.post("/api/v1/auth/token", data=DEMO_USER)

    assert again.status_code == 200


async def test_without_redis_logins_are_not_limited(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    app = build_app(monkeypatch, tmp_path, REDIS_URL="", LOGIN_RATE_LIMIT="1")
    async with serve(app) as client:
        codes = [(await client.post("/api/v1/auth/token", data=WRONG)).status_code for _ in "abc"]

    assert codes == [401, 401, 401]


async def test_a_redis_that_is_down_lets_logins_through(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    app = build_app(monkeypatch, tmp_path, REDIS_URL=nobody, LOGIN_RATE_LIMIT="1")
    async with serve(app) as client:
        codes = [(await client.post("/api/v1/auth/token", data=DEMO_USER)).status_code]
        codes.append((await client.post("/api/v1/auth/token", data=DEMO_USER)).status_code)

    assert codes == [200, 200]
    assert any(
        "rate limit sample:ratelimit:login: Redis failed" in r.getMessage() for r in caplog.records
    )
