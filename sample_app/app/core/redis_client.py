"""The Redis connection behind REDIS_URL: one client (a connection pool) per app."""

import logging

from pydantic import RedisDsn
from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# Redis sits on the request path (cache, rate limit): a dead server must cost a request
# a second at most, not the default minutes of a TCP connect.
TIMEOUT_SECONDS = 1.0


def connect_redis(url: RedisDsn | None) -> Redis | None:
    """A client for `url`, or None when REDIS_URL is unset (the app then runs without one).

    A server that does not answer yet is only logged: the app starts anyway, and every
    feature built on Redis falls back to working without it until the server is back.
    """
    if url is None:
        return None
    client = Redis.from_url(
        str(url),
        decode_responses=True,
        socket_connect_timeout=TIMEOUT_SECONDS,
        socket_timeout=TIMEOUT_SECONDS,
        health_check_interval=30,
    )
    try:
        client.ping()
    except RedisError as exc:
        logger.warning(
            "Redis at %s (REDIS_URL) does not answer (%s): no item cache and no login"
            " limit until it does",
            _where(url),
            exc,
        )
    return client


def _where(url: RedisDsn) -> str:
    """host:port/db of the URL, never its password."""
    return f"{url.host}:{url.port}{url.path or ''}"
