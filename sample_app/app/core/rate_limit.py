"""A fixed-window rate limit kept in Redis, so every worker counts against one budget."""

import logging
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window resets (0 when allowed)


class FixedWindowLimiter:
    """At most `limit` hits per key in a window of `window` seconds.

    The window starts with a key's first hit: `SET key 0 EX window NX` then `INCR`, in
    one MULTI/EXEC, so the counter always carries its expiry and no clock in the app
    decides where a window begins. When Redis fails the request is let through (and
    logged): a cache outage must not lock every user out.
    """

    def __init__(self, redis: Redis, *, prefix: str, limit: int, window: int) -> None:
        self.redis = redis
        self.prefix = prefix
        self.limit = limit
        self.window = window

    def hit(self, key: str) -> Verdict:
        name = f"{self.prefix}:{key}"
        try:
            with self.redis.pipeline(transaction=True) as pipe:
                pipe.set(name, 0, ex=self.window, nx=True)
                pipe.incr(name)
                pipe.ttl(name)
                _created, count, ttl = pipe.execute()
        except RedisError as exc:
            logger.warning(
                "rate limit %s: Redis failed (%s); request let through", self.prefix, exc
            )
            return Verdict(True, 0)
        if int(count) <= self.limit:
            return Verdict(True, 0)
        return Verdict(False, int(ttl) if int(ttl) > 0 else self.window)
