"""Qt helpers for the GUI tests only (runtime tests never import this module, nor Qt)."""

from __future__ import annotations

from asgideck.gui.tabs.logs.model import LogModel


def log_texts(model: LogModel) -> list[str]:
    """The lines a log view shows, top to bottom."""
    return [model.data(model.index(r)) for r in range(model.rowCount())]
