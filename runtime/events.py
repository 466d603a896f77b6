"""A tiny observer: runtime objects publish plain events without knowing about Qt.

Handlers run on the thread that emits; each publisher documents which thread
that is. The GUI moves them onto the Qt main thread (``Scope.wrap`` in gui.core.tasks).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Event(Generic[T]):
    def __init__(self) -> None:
        self._handlers: list[Callable[[T], None]] = []
        self._lock = threading.Lock()

    def connect(self, handler: Callable[[T], None]) -> None:
        with self._lock:
            self._handlers.append(handler)

    def disconnect(self, handler: Callable[[T], None]) -> None:
        with self._lock:
            if handler in self._handlers:
                self._handlers.remove(handler)

    def emit(self, value: T) -> None:
        with self._lock:
            handlers = list(self._handlers)
        for handler in handlers:
            handler(value)
