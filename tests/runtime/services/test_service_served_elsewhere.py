"""A profile's service already served by a server asgideck did not start (the system's
Redis or PostgreSQL on a desktop) is used, not fought over: when it answers the profile
(same protocol, same credentials) the start is "ready, left alone" — no port offer, no
registry entry, and stopping the profile's services leaves it running. A holder that
does not answer the profile is still reported as a taken port."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.servers import alive_entries, free_port
from asgideck.runtime.services import RedisEngine, ServicePortTaken, ServiceSet
from support.services import redis_need, run_engine, service_home, wait_ready  # noqa: F401

pytestmark = pytest.mark.integration


def test_a_server_that_answers_the_profile_is_used_and_left_alone(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    engine = RedisEngine()
    need = redis_need(port)
    folder = tmp_path / "system-redis"
    folder.mkdir()
    with run_engine(engine, need, folder) as system_redis:
        wait_ready(engine, need, folder, system_redis)
        services = ServiceSet(
            tmp_path / "app", "dev", env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        )
        [state] = services.start(timeout=20)
        assert state.state == "ready"
        assert "already served on port" in state.message and "left alone" in state.message
        assert services.started == [] and alive_entries() == []
        [listed] = services.states()
        assert (listed.state, listed.entry_id) == ("ready", "")
        services.stop()
        assert system_redis.proc.poll() is None  # not ours: still running
        services.close()


def test_a_holder_that_does_not_answer_the_profile_is_a_taken_port(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    engine = RedisEngine()
    need = redis_need(port, password="the-system-one")
    folder = tmp_path / "system-redis"
    folder.mkdir()
    with run_engine(engine, need, folder) as system_redis:
        wait_ready(engine, need, folder, system_redis)
        services = ServiceSet(
            tmp_path / "app", "dev", env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        )
        with pytest.raises(ServicePortTaken) as caught:
            services.start(timeout=20)
        assert "redis-server" in caught.value.holder
        [listed] = services.states()
        assert listed.state == "stopped"
        services.close()
