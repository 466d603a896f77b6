"""Whether secrets are shown, shared by the Profile and Compare tabs of one session.

The window tells the Profile tab (``set_revealed``); the Compare tab of the same
project follows without the window having to know it exists.
"""

from __future__ import annotations

from weakref import WeakKeyDictionary

from PySide6.QtCore import QObject, Signal

__all__ = ["RevealState", "reveal_state"]


class RevealState(QObject):
    """One project's "reveal secrets" switch; ``changed`` fires on a real change only."""

    changed = Signal(bool)

    def __init__(self) -> None:
        super().__init__()
        self._revealed = False

    @property
    def revealed(self) -> bool:
        return self._revealed

    def set(self, revealed: bool) -> None:
        if revealed != self._revealed:
            self._revealed = revealed
            self.changed.emit(revealed)


_states: WeakKeyDictionary[object, RevealState] = WeakKeyDictionary()


def reveal_state(session: object) -> RevealState:
    """The switch of ``session`` (made on first use, gone with the session)."""
    state = _states.get(session)
    if state is None:
        state = _states[session] = RevealState()
    return state
