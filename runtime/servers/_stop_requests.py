"""A stop asked for by another asgideck process, as its server's own supervisor sees it.

``asgideck stop`` (another terminal) ends a tree that some ``asgideck run`` watches.
That ``run`` sees only an exit code (-15, or -9 after the grace period) and cannot tell
who sent the signal, so the stopper leaves a note in asgideck's scratch folder while it
works: ``<stopper pid>-stop-<entry id>``. A stopper that dies leaves a note of a dead pid,
which :func:`asgideck.runtime.userstate.sweep_temp` removes.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from asgideck.runtime.userstate import temp_dir

__all__ = ["stop_requested", "stopping_from_here"]


def _note_name(entry_id: str) -> str:
    return f"{os.getpid()}-stop-{entry_id}"


@contextlib.contextmanager
def stopping_from_here(entry_id: str) -> Iterator[None]:
    """Mark entry ``entry_id`` as being stopped by this process for the ``with`` block."""
    path = None
    try:
        path = temp_dir() / _note_name(entry_id)
        path.touch()
    except OSError:  # no note: the server's `run` says "stopped from outside" instead
        path = None
    try:
        yield
    finally:
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink()


def stop_requested(entry_id: str) -> bool:
    """Another asgideck process is stopping entry ``entry_id`` right now."""
    try:
        return any(temp_dir().glob(f"*-stop-{entry_id}"))
    except OSError:
        return False
