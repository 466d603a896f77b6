"""One HTTP request in flight from the Try tab, and the work done for it off the GUI thread.

The view keeps the current :class:`Flight` for its progress line and to know which
answer is still wanted (a cancelled flight's answer is dropped; one that outlives
the view is dropped by the view's task scope). The sender's worker thread writes
the progress, prepares the body view and hands the result home (:func:`fetcher`).
"""

from __future__ import annotations

import contextlib
import time
import traceback
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from asgideck.gui.tabs.workbench.body import body_view
from asgideck.runtime.client import RequestFailed, RequestSpec, ResponseRecord

IMAGE_MAX_SIDE = 1600

Fetched = tuple[ResponseRecord, object, QImage | None]  # record, body view, image preview
Done = Callable[[ResponseRecord | None, RequestFailed | None], None]  # Sender.submit's callback


class Flight:
    """One request in flight: what was sent, when, and how much has arrived (worker-written)."""

    def __init__(self, spec: RequestSpec, deadline: float | None = None) -> None:
        self.spec = spec
        self.deadline = deadline
        self.started = time.perf_counter()
        self.received = -1

    @property
    def what(self) -> str:
        """What is being sent, for the "Sending …" line."""
        return f"{self.spec.method} {self.spec.build_url()}"

    def progress(self, size: int) -> None:  # called on the sender's worker thread
        self.received = size

    def elapsed(self) -> float:
        return time.perf_counter() - self.started


def decode_image(record: ResponseRecord) -> QImage | None:
    """A preview of an image body (on a worker thread: QImage is thread-safe)."""
    if not record.is_image or record.truncated or not record.body:
        return None
    image = QImage.fromData(record.body)
    if image.isNull():
        return None
    if max(image.width(), image.height()) > IMAGE_MAX_SIDE:
        image = image.scaled(
            IMAGE_MAX_SIDE,
            IMAGE_MAX_SIDE,
            Qt.AspectRatioMode.KeepAspectRatio,
            Qt.TransformationMode.SmoothTransformation,
        )
    return image


def fetcher(land: Callable[[Fetched | Exception], None]) -> Done:
    """:meth:`Sender.submit`'s callback: on the sender's thread, prepare what the viewer
    shows (body view, image preview), then ``land`` it (a scope-wrapped handler: it runs
    on the GUI thread while the view is open). A failure lands as the exception."""

    def done(record: ResponseRecord | None, error: RequestFailed | None) -> None:
        outcome: Fetched | Exception
        if record is None:
            outcome = error if error is not None else RequestFailed("no answer")
        else:
            try:
                outcome = (record, body_view(record), decode_image(record))
            except Exception as exc:  # a bug: shown through the presenter with its traceback
                exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                outcome = exc
        with contextlib.suppress(RuntimeError):  # the runner is gone: the app is closing
            land(outcome)

    return done
