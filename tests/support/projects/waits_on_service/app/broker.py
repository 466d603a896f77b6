"""Connect to the message broker, retrying forever as aio-pika's ``connect_robust`` does."""

import asyncio
import itertools
import logging
from urllib.parse import urlsplit

log = logging.getLogger("uvicorn.error")


async def connect_broker(url: str) -> asyncio.StreamWriter:
    parts = urlsplit(url)
    host, port = parts.hostname or "localhost", parts.port or 5672
    for attempt in itertools.count(1):
        try:
            _reader, writer = await asyncio.open_connection(host, port)
        except OSError as exc:
            log.warning(
                "broker at %s:%s not reachable (%s); retry %d in 1 s", host, port, exc, attempt
            )
            await asyncio.sleep(1)
        else:
            return writer
    raise AssertionError("unreachable")
