"""A read-through cache of single items in Redis, dropped when the item changes.

Redis is an optimisation here, never a dependency: when it fails, the error is logged
and the request is served from the database as if there were no cache.
"""

import logging

from redis import Redis
from redis.exceptions import RedisError

from app.schemas.item import ItemPublic

logger = logging.getLogger(__name__)

KEY_PREFIX = "sample:item:"


class ItemCache:
    """`ItemPublic` as JSON under `sample:item:<id>`, expiring after `ttl` seconds.

    The TTL bounds how stale an entry can get if an update races a read (the reader
    may put back the old row just after the writer dropped it).
    """

    def __init__(self, redis: Redis, ttl: int) -> None:
        self.redis = redis
        self.ttl = ttl

    def get(self, item_id: int) -> ItemPublic | None:
        try:
            cached = self.redis.get(_key(item_id))
        except RedisError as exc:
            logger.warning("item cache: read of item %d failed (%s)", item_id, exc)
            return None
        return None if cached is None else ItemPublic.model_validate_json(str(cached))

    def put(self, item: ItemPublic) -> None:
        try:
            self.redis.set(_key(item.id), item.model_dump_json(), ex=self.ttl)
        except RedisError as exc:
            logger.warning("item cache: write of item %d failed (%s)", item.id, exc)

    def invalidate(self, item_id: int) -> None:
        try:
            self.redis.delete(_key(item_id))
        except RedisError as exc:
            # A stale entry lives until its TTL: say so, the caller's change still stands.
            logger.warning(
                "item cache: could not drop item %d (%s); it may be served stale for up to %ds",
                item_id,
                exc,
                self.ttl,
            )


def _key(item_id: int) -> str:
    return f"{KEY_PREFIX}{item_id}"
