"""Reading what a server prints: marker lines that mean something, and secret masking."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from asgideck.runtime.secrets import MASK, MIN_MASKED_LENGTH, secret_values

__all__ = [
    "APP_ERROR_MARKERS",
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
    "] Running on http",  # Hypercorn, per worker once its startup is done
    "] Started worker-",  # Granian, per worker once its startup is done
    "Listening on TCP address",  # Daphne (no lifespan: listening is ready)
)
RELOAD_MARKERS = ("Reloading...", "detected changes in", "Detected changes in")
APP_ERROR_MARKERS = (
    "Traceback (most recent call last)",
    "Error loading ASGI app",
    "startup failed",
)
WORKER_MARKERS = ("Worker (pid:", "WORKER TIMEOUT", "Child process [")


def secret_masker(env: Mapping[str, str]) -> Callable[[str], str] | None:
    """Replace the profile's secret values wherever the server prints them.

    The values are :func:`asgideck.runtime.secrets.secret_values` (secret keys, URL
    passwords, ``password=`` pairs), the same rule the UI masks by.
    """
    secrets = secret_values(env, MIN_MASKED_LENGTH)
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
