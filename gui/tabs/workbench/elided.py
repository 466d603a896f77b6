"""A label that shortens its text with "…" to the width it gets, never cutting mid-letter.

A plain QLabel asks for its whole text as its *minimum* width, so a long server
address or response summary widens the Try tab (shrinking the window's sidebar)
or pushes the History/composer divider after every response. This one asks for
little, shows as much as fits with "…", and puts the whole text in its tooltip
while it is shortened. ``text()`` is the whole text.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

MIN_CHARS = "Wwww…"  # the narrowest the label asks to be
# What may change a size hint that is otherwise kept.
FontChange, StyleChange, ContentsRectChange = (
    QEvent.Type.FontChange,
    QEvent.Type.StyleChange,
    QEvent.Type.ContentsRectChange,
)


class ElidedLabel(QLabel):
    def __init__(
        self,
        text: str = "",
        mode: Qt.TextElideMode = Qt.TextElideMode.ElideRight,
        parent: QWidget | None = None,
        *,
        hide_empty: bool = False,
        min_text: str = MIN_CHARS,
        hint_text: str | None = None,
    ) -> None:
        """``hide_empty``: hidden while the text is empty (a status line takes no room);
        ``min_text``: as narrow as the label asks to be ("" lets it vanish when squeezed);
        ``hint_text``: the width it asks for, whatever it shows (default: its whole text).
        A label that takes its row's spare room anyway gives one, so a new text changes
        no size hint and does not re-lay out (and repaint) the whole tab."""
        super().__init__(parent)
        self._full = ""
        self._mode = mode
        self._tip = ""
        self._hide_empty = hide_empty
        self._min_text = min_text
        self._hint_text = hint_text
        # with a hint text: the size hints, per (minimum?, empty?)
        self._hints: dict[tuple[bool, bool], QSize] = {}
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.setText(text)

    def text(self) -> str:
        return self._full

    def setText(self, text: str) -> None:
        self._full = text
        self._elide()
        if self._hint_text is None:
            self.updateGeometry()
        if self._hide_empty:
            self.setVisible(bool(text))

    def setToolTip(self, tip: str) -> None:
        """A tooltip of the caller's own; the whole text is added while it is shortened."""
        self._tip = tip
        self._elide()

    def shown_text(self) -> str:
        """What is painted (the whole text, or its shortened form)."""
        return super().text()

    def _extra(self) -> int:
        """Padding, border, margin and indent: the label's width beyond its text."""
        margins = self.contentsMargins()
        return margins.left() + margins.right() + 2 * self.margin() + max(0, self.indent())

    def sizeHint(self) -> QSize:
        return self._kept(False, self._size_hint)

    def minimumSizeHint(self) -> QSize:
        return self._kept(True, self._minimum_size_hint)

    def _kept(self, minimum: bool, compute: Callable[[], QSize]) -> QSize:
        """With a hint text, a size hint is asked on every re-layout of the label's row and
        stays the same until the font, style or margins change: computed once."""
        if self._hint_text is None:
            return compute()
        key = (minimum, bool(super().text()))
        hint = self._hints.get(key)
        if hint is None:
            hint = self._hints[key] = compute()
        return QSize(hint)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (FontChange, StyleChange, ContentsRectChange):
            self._hints.clear()
        super().changeEvent(event)

    def _size_hint(self) -> QSize:
        hint = super().sizeHint()
        wanted = self._full if self._hint_text is None else self._hint_text
        width = self.fontMetrics().horizontalAdvance(wanted) + self._extra()
        return QSize(width, hint.height())

    def _minimum_size_hint(self) -> QSize:
        hint = super().minimumSizeHint()
        narrow = self.fontMetrics().horizontalAdvance(self._min_text) + self._extra()
        narrow = narrow if self._min_text else 0
        return QSize(min(narrow, self.sizeHint().width()), hint.height())

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._elide()

    def _elide(self) -> None:
        extra = self._extra()
        room = max(0, self.width() - extra + 1)  # +1: advances are rounded
        shown = self.fontMetrics().elidedText(self._full, self._mode, room)
        shown = "" if shown == "…" else shown  # a lone ellipsis says nothing
        if shown != super().text():
            super().setText(shown)
        cut = shown != self._full
        tip = "\n".join(t for t in (self._full if cut else "", self._tip) if t)
        super().setToolTip(tip)
