"""Paths as the window shows them: the user's home folder as ``~`` (shorter, and a
screenshot of the window says nothing about whose machine it is)."""

from __future__ import annotations

from pathlib import Path

__all__ = ["shown_path"]


def shown_path(path: Path | str) -> str:
    """``path`` with the home folder written ``~`` (``~/projects/app``); else unchanged."""
    text = str(path)
    try:
        home = Path.home()
    except RuntimeError:  # no HOME and no passwd entry
        return text
    try:
        rest = Path(path).relative_to(home)
    except ValueError:
        return text
    return "~" if rest == Path() else f"~/{rest.as_posix()}"
