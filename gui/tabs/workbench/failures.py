"""How the Try tab reports a background job's failure: expected errors where the user looks,
anything else (a bug) through the window's one error presenter."""

from __future__ import annotations

from collections.abc import Callable

from asgideck.gui.core.tasks import present_error
from asgideck.runtime.errors import AsgideckError

Expected = type[Exception] | tuple[type[Exception], ...]


def report(exc: Exception, show: Callable[[str], None], expected: Expected = AsgideckError) -> None:
    """``show(str(exc))`` when ``exc`` is one of the ``expected`` kinds, else present it."""
    if isinstance(exc, expected):
        show(str(exc))
    else:
        present_error(exc)
