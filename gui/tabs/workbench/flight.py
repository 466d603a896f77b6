"""One HTTP request in flight from the Try tab, and the work done for it off the GUI thread.

The view keeps the current :class:`Flight` for its progress line (its task scope
drops the result of a flight that was cancelled or outlived the view). The
sender's worker thread writes the progress; the GUI thread's timer reads it.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage

from asgideck.runtime.client import RequestSpec, ResponseRecord

IMAGE_MAX_SIDE = 1600

Fetched = tuple[ResponseRecord, object, QImage | None]  # record, body view, image preview


class Flight:
    """One request in flight: what was sent, when, and how much has arrived (worker-written)."""

    def __init__(self, spec: RequestSpec, deadline: float | None = None) -> None:
        self.spec = spec
        self.deadline = deadline
        self.started = time.perf_counter()
        self.received = -1

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
