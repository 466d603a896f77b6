"""Reading what a server prints: marker lines that mean something, and secret masking."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import urlsplit

from runtime.secrets import MASK, is_secret_key

__all__ = [
    "APP_ERROR_MARKERS",
    "MIN_MASKED_LENGTH",
    "READY_MARKERS",
    "RELOAD_MARKERS",
    "WORKER_MARKERS",
    "lines_with",
    "secret_masker",
]

READY_MARKERS = (
    "Application startup complete.",
    "ASGI 'lifespan' protocol appears unsupported.",
    "ASGI server listening on",  # gunicorn's native asgi worker
)
RELOAD_MARKERS = ("Reloading...", "detected changes in", "Detected changes in")
APP_ERROR_MARKERS = (
    "Traceback (most recent call last)",
    "Error loading ASGI app",
    "startup failed",
)
WORKER_MARKERS = ("Worker (pid:", "WORKER TIMEOUT", "Child process [")


#: Shorter secret values are not masked in logs (they would hide ordinary words).
MIN_MASKED_LENGTH = 6


def secret_masker(env: Mapping[str, str]) -> Callable[[str], str] | None:
    """Replace the profile's secret values (and URL passwords) wherever the server prints them."""
    values = {v for k, v in env.items() if is_secret_key(k)}
    for value in env.values():
        if "://" in value:
            with contextlib.suppress(ValueError):
                password = urlsplit(value).password
                if password:
                    values.add(password)
    secrets = sorted((v for v in values if len(v) >= MIN_MASKED_LENGTH), key=len, reverse=True)
    if not secrets:
        return None

    def mask(text: str) -> str:
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text

    return mask


def lines_with(text: str, markers: Iterable[str]) -> list[str]:
    return [line for line in text.split("\n") if any(m in line for m in markers)]
