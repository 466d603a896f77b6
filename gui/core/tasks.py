"""One way to run slow work off the GUI thread and get the result back on it.

Modelled on Anki's ``QueryOp``: ``run_in_background(op, on_success, on_error)``.
The callbacks always run on the main thread; the op never touches widgets.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot


class _Relay(QObject):
    """Lives on the main thread; its queued signals carry results home."""

    succeeded = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, op: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
        self._op = op
        self._relay = relay

    def run(self) -> None:
        try:
            result = self._op()
        except Exception as exc:  # reported on the main thread, never swallowed
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._relay.failed.emit(exc)
        else:
            self._relay.succeeded.emit(result)


class TaskRunner(QObject):
    """Keeps relays alive until their job reports, and counts what is in flight."""

    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(4)
        self._relays: set[_Relay] = set()

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def run(
        self,
        op: Callable[[], Any],
        on_success: Callable[[Any], None],
        on_error: Callable[[Exception], None],
    ) -> None:
        relay = _Relay(self)
        was_busy = self.busy
        self._relays.add(relay)

        @Slot(object)
        def done(result: Any) -> None:
            self._finish(relay)
            on_success(result)

        @Slot(object)
        def failed(exc: Exception) -> None:
            self._finish(relay)
            on_error(exc)

        relay.succeeded.connect(done)
        relay.failed.connect(failed)
        if not was_busy:
            self.busy_changed.emit(True)
        self._pool.start(_Job(op, relay))

    def wait(self, msecs: int = 30000) -> bool:
        """Block until every job ends (used on close and in tests)."""
        return self._pool.waitForDone(msecs)

    def _finish(self, relay: _Relay) -> None:
        self._relays.discard(relay)
        relay.deleteLater()
        if not self._relays:
            self.busy_changed.emit(False)
