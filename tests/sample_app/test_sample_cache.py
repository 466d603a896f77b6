"""The Redis read-through cache of GET /items/{id}, against a real redis-server."""

from __future__ import annotations

from pathlib import Path

import pytest
from redis import Redis

from asgideck.runtime.servers import free_port
from sample_app_harness import build_app, login, serve

pytestmark = pytest.mark.anyio


async def test_second_read_is_a_hit_served_from_redis(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, REDIS_URL=redis_url)) as client:
        first = await client.get("/api/v1/items/1")
        second = await client.get("/api/v1/items/1")

    assert (first.status_code, first.headers["x-cache"]) == (200, "miss")
    assert (second.status_code, second.headers["x-cache"]) == (200, "hit")
    assert first.json() == second.json()
    assert first.json()["name"] == "Pocket watch"
    with Redis.from_url(redis_url, decode_responses=True) as redis:
        assert redis.exists("sample:item:1")
        assert 0 < redis.ttl("sample:item:1") <= 60


async def test_a_hit_really_comes_from_the_cache(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, REDIS_URL=redis_url)) as client:
        await client.get("/api/v1/items/2")
        with Redis.from_url(redis_url, decode_responses=True) as redis:
            cached = redis.get("sample:item:2")
            assert cached is not None
            redis.set("sample:item:2", cached.replace("Tea set", "Cached tea set"))

        hit = await client.get("/api/v1/items/2")

    assert hit.headers["x-cache"] == "hit"
    assert hit.json()["name"] == "Cached tea set"


async def test_update_and_delete_drop_the_cached_item(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, redis_url: str
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, REDIS_URL=redis_url)) as client:
        headers = await login(client)
        await client.get("/api/v1/items/1")
        assert (await client.get("/api/v1/items/1")).headers["x-cache"] == "hit"

        patched = await client.patch("/api/v1/items/1", json={"price": 7.5}, headers=headers)
        after_update = await client.get("/api/v1/items/1")
        deleted = await client.delete("/api/v1/items/1", headers=headers)
        after_delete = await client.get("/api/v1/items/1")

    assert patched.status_code == 200 and patched.json()["price"] == 7.5
    assert after_update.headers["x-cache"] == "miss"
    assert after_update.json()["price"] == 7.5
    assert deleted.status_code == 204
    assert after_delete.status_code == 404
    with Redis.from_url(redis_url) as redis:
        assert not redis.exists("sample:item:1")


async def test_without_redis_url_there_is_no_cache_header(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    async with serve(build_app(monkeypatch, tmp_path, REDIS_URL="")) as client:
        responses = [await client.get("/api/v1/items/1") for _ in range(2)]

    assert [r.status_code for r in responses] == [200, 200]
    assert all("x-cache" not in r.headers for r in responses)


async def test_a_redis_that_is_down_costs_the_cache_not_the_request(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    nobody = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there

    async with serve(build_app(monkeypatch, tmp_path, REDIS_URL=nobody)) as client:
        headers = await login(client)
        read = await client.get("/api/v1/items/1")
        patched = await client.patch("/api/v1/items/1", json={"name": "Watch"}, headers=headers)

    assert (read.status_code, read.headers["x-cache"]) == (200, "miss")
    assert patched.status_code == 200
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any("(REDIS_URL) does not answer" in w for w in warnings), warnings
    assert any("item cache: read of item 1 failed" in w for w in warnings), warnings
