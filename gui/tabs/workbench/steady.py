"""Keep a change of text inside the Try tab from re-laying out and repainting all of it.

Any widget whose text changes asks its parents to lay out again, up to the top
(Qt's ``QLayout::activate`` always passes the request on). When it reaches a
``QTabWidget`` that re-places its pages and repaints every one of them: the whole
Try tab, its History table and params tables, ~8 ms of GUI-thread work per Send on
this machine, while the answer waits behind it. :class:`LayoutFirewall` stops that
request at one widget when none of the widget's own size constraints changed, so
its geometry (and everything above it) would come out the same; any real change
still goes through.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QSize
from PySide6.QtWidgets import QWidget

__all__ = ["LayoutFirewall"]

Hints = tuple[QSize, QSize, QSize, QSize]


class LayoutFirewall(QObject):
    """Drops ``widget``'s LayoutRequest events while its size hints stay as they were."""

    def __init__(self, widget: QWidget) -> None:
        super().__init__(widget)
        self._widget = widget
        self._hints: Hints | None = None
        self.dropped = 0  # how many requests it kept from re-laying out the widget
        widget.installEventFilter(self)

    def _now(self) -> Hints:
        widget = self._widget
        return (
            widget.sizeHint(),
            widget.minimumSizeHint(),
            widget.minimumSize(),
            widget.maximumSize(),
        )

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._widget and event.type() == QEvent.Type.LayoutRequest:
            hints = self._now()
            if hints == self._hints:
                self.dropped += 1
                return True
            self._hints = hints
        return super().eventFilter(watched, event)
