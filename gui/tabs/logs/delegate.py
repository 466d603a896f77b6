"""Paints one log line: never elided (the list scrolls sideways instead) and with the
filter's matches marked, so the eye finds why a line was kept."""

from __future__ import annotations

import re

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from asgideck.gui.core import theme
from asgideck.gui.tabs.logs.model import LogModel

MAX_PAINTED_CHARS = 4096  # past this the line is off screen anyway; the tooltip has it all
MAX_MARKS = 64  # matches marked per line


class LogLineDelegate(QStyledItemDelegate):
    """Draws the text itself (one line, clipped, not elided) over the match marks."""

    def __init__(self, pattern: re.Pattern[str] | None = None) -> None:
        super().__init__()
        self.pattern = pattern
        self._resolved: tuple[QFont, QFont, QFont] | None = None  # (view font, mono, result)
        self._metrics = QFontMetrics(QFont())

    def _font(self, base: QFont, mono: QFont) -> QFont:
        """``mono`` resolved against the view's font, as initStyleOption does, made once."""
        cached = self._resolved
        if cached is None or cached[0] != base or cached[1] != mono:
            font = mono.resolve(base)
            self._resolved = cached = (QFont(base), QFont(mono), font)
            self._metrics = QFontMetrics(font)
        return cached[2]

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        opt = QStyleOptionViewItem(option)
        model = index.model()
        if isinstance(model, LogModel):
            # What initStyleOption would ask the model for in seven data() calls (font,
            # text, foreground...), taken from the line itself: a flood repaints every row
            # on screen each tick, and those calls held the interpreter the readers need.
            line = model.line_at(index.row())
            text = line.text[:MAX_PAINTED_CHARS] if line is not None else ""
            brush = model.foreground(line) if line is not None else None
            opt.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
            if isinstance(index, QModelIndex):
                opt.index = index
            opt.font = font = self._font(opt.font, model.mono)
            opt.fontMetrics = metrics = self._metrics
        else:
            self.initStyleOption(opt, index)
            text = opt.text[:MAX_PAINTED_CHARS]
            opt.text = ""
            brush = None
            font = opt.font
            metrics = QFontMetrics(font)
        widget = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, opt, painter, widget)
        rect = style.subElementRect(QStyle.SubElement.SE_ItemViewItemText, opt, widget)
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        # the model's ForegroundRole is the palette's Text (as initStyleOption would set)
        if selected:
            colour = opt.palette.color(QPalette.ColorRole.HighlightedText)
        elif brush is not None:
            colour = brush.color()
        else:
            colour = opt.palette.color(QPalette.ColorRole.Text)
        painter.save()
        painter.setClipRect(rect)
        painter.setFont(font)
        flags = int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        spans = self.spans(text)
        if spans:
            mark, on_mark = QColor(theme.token("match")), QColor(theme.token("on-match"))
        done = 0  # text[:done] is drawn; segments alternate plain, marked, plain...
        for start, end in [*spans, (len(text), len(text))]:
            left = rect.left() + metrics.horizontalAdvance(text[:done])
            if left > rect.right():
                break
            if start > done:
                painter.setPen(colour)
                painter.drawText(
                    rect.adjusted(left - rect.left(), 0, 0, 0), flags, text[done:start]
                )
            if end > start:
                left = rect.left() + metrics.horizontalAdvance(text[:start])
                width = max(2, metrics.horizontalAdvance(text[start:end]))
                box = QRect(left, rect.top(), width, rect.height())
                painter.fillRect(box, mark)
                painter.setPen(on_mark)
                painter.drawText(rect.adjusted(left - rect.left(), 0, 0, 0), flags, text[start:end])
            done = end
        painter.restore()

    def spans(self, text: str) -> list[tuple[int, int]]:
        """Where the filter matches ``text`` (empty matches skipped), at most MAX_MARKS."""
        if self.pattern is None:
            return []
        found: list[tuple[int, int]] = []
        for match in self.pattern.finditer(text):
            if match.end() > match.start():
                found.append(match.span())
                if len(found) >= MAX_MARKS:
                    break
        return found
