"""How much of one OpenAPI document asgideck reads, and how long it waits: every limit here.

Without limits an endless or drip-fed answer (or ``/dev/zero``) fills memory or hangs
``inspect --openapi``, ``call --auth`` and the window's fetch after each (re)start, and
a deeply nested document ends in a RecursionError. Every reader takes each limit as a
keyword argument of the same name (``max_bytes``, ``deadline``, ``max_depth``).
"""

from __future__ import annotations

__all__ = ["DEADLINE", "MAX_BYTES", "MAX_DEPTH", "MAX_PAGE_BYTES", "describe_size"]

#: Bytes read of one document (after content decoding); GitHub's REST description is 13 MB.
MAX_BYTES = 64 * 1024 * 1024
#: Seconds for one URL, from connecting to the last byte (httpx's timeouts are per read).
DEADLINE = 30.0
#: Levels of nesting; real documents stay far below (GitHub's: 21).
MAX_DEPTH = 200
#: Bytes read of an HTML docs page (``/docs``) searched for the document's URL.
MAX_PAGE_BYTES = 1024 * 1024


def describe_size(size: int) -> str:
    """``64 MiB``, ``512 KiB`` or ``1,000 bytes``: a limit as a person reads it."""
    for unit, factor in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size:,} bytes"
