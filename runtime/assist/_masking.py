"""The last line of the secret rule for an assistant: no profile's secret value leaves.

Every answer a tool gives passes :class:`Scrubber` on its way out. The views it is
built from mask values already (profiles by name and shape, logs by the server's own
environment, records by the agent); this catches what slipped between them: a
secret of *another* profile printed in a log, an exception message quoting one.
The values are those :func:`asgideck.runtime.secrets.secret_values` names, for
every profile of the project, re-read at each answer (an edited ``.env`` counts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from asgideck.runtime.secrets import MASK

__all__ = ["Scrubber"]


class Scrubber:
    """Replace each known secret value with ``****`` in every string of a JSON-able value."""

    def __init__(self, values: Callable[[], Iterable[str]]) -> None:
        self._values = values

    def __call__(self, data: Any) -> Any:
        secrets = sorted(set(self._values()), key=len, reverse=True)  # longest first
        return _scrub(data, secrets) if secrets else data


def _scrub(data: Any, secrets: list[str]) -> Any:
    if isinstance(data, str):
        for secret in secrets:
            if secret in data:
                data = data.replace(secret, MASK)
        return data
    if isinstance(data, dict):
        return {_scrub(key, secrets): _scrub(value, secrets) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [_scrub(item, secrets) for item in data]
    return data
