"""Moves runtime events (emitted on worker threads) onto the Qt main thread."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, Qt, Signal

T = TypeVar("T")


class Bridge(QObject):
    """``bridge.wrap(handler)`` returns a callable any thread may call; the handler
    then runs on the thread this bridge lives on (the GUI thread)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def post(self, fn: Callable[[], Any]) -> None:
        self._call.emit(fn)

    def wrap(self, handler: Callable[[T], Any]) -> Callable[[T], None]:
        def relay(value: T) -> None:
            self.post(lambda: handler(value))

        return relay

    def _run(self, fn: Callable[[], Any]) -> None:
        fn()
