"""The response viewer: status chip, timings, size, pretty/raw body, headers, image preview.

It shows a :class:`~asgideck.gui.tabs.workbench.body.BodyView` prepared off the GUI thread,
so a 100 MB answer costs the viewer at most 256 KB of text. The newest large
body stays on disk (for Save body…); the one before it is deleted.
"""

from __future__ import annotations

import contextlib

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QFontMetrics, QImage, QPixmap, QTextCursor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QScrollArea,
    QTableView,
    QTabWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.json_highlighter import JsonHighlighter, worth_colouring
from asgideck.gui.core.widgets import Banner
from asgideck.gui.tabs.workbench.body import BodyView
from asgideck.gui.tabs.workbench.elided import ElidedLabel
from asgideck.gui.tabs.workbench.models import PairsModel, status_colour
from asgideck.runtime.client import ResponseRecord, size_text

BODY_TAB, HEADERS_TAB, PREVIEW_TAB = range(3)
CHIP_FLOOR = ("Cancelled", "200 OK")  # the status chip is never narrower than these
# The chip's one style sheet: its colour follows its ``tone`` property (a new style sheet
# per answer made Qt parse and re-polish it each time).
CHIP_STYLE = "".join(
    [
        "QLabel#StatusChip { background: palette(mid); color: white; font-weight: 600;"
        " border-radius: 9px; padding: 2px 10px; }",
        *(
            f'QLabel#StatusChip[tone="{tone}"] {{ background: {colour}; }}'
            for tone, colour in theme.SEVERITY_COLOURS.items()
        ),
    ]
)
# Text goes into the widget in slices of about this many characters, one per event-loop
# turn: 32 KB of short lines takes ~4 ms here, so the window keeps breathing meanwhile.
FILL_CHUNK = 32 * 1024


def _slices(text: str) -> list[str]:
    """``text`` cut at line ends into pieces of about FILL_CHUNK characters (one long line
    stays whole: appending to a line re-lays it out each time)."""
    out: list[str] = []
    start = 0
    while start < len(text):
        end = start + FILL_CHUNK
        if end < len(text):
            cut = text.rfind("\n", start, end)
            end = cut + 1 if cut > start else len(text)
        out.append(text[start:end])
        start = end
    return out


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


class ResponseViewer(QWidget):
    """Shows one answer (or why there is none). ``shown`` fires once a response is on screen."""

    shown = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.record: ResponseRecord | None = None
        self.view: BodyView | None = None

        self.chip = QLabel("")
        self.chip.setObjectName("StatusChip")
        self.chip.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.chip.setProperty("tone", "")
        self.chip.setStyleSheet(CHIP_STYLE)
        self.chip.hide()
        # Shortened to fit: a long summary must not widen the pane (the History/composer
        # divider would move after every response).
        # It takes the row's spare room, so it asks for a fixed width (hint_text): a new
        # summary per response then re-lays out nothing above it.
        idle = "Send a request to see its answer here."
        self.meta = ElidedLabel(idle, hint_text=idle)
        self.meta.setObjectName("Muted")
        self.meta.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.pretty_button = QToolButton()
        self.pretty_button.setText("Pretty")
        self.pretty_button.setCheckable(True)
        self.pretty_button.setChecked(True)
        self.pretty_button.setToolTip("Formatted or raw body (Ctrl+Shift+P)")
        self.pretty_button.toggled.connect(self._render_body)
        self.save_button = QToolButton()
        self.save_button.setText("Save body…")
        self.save_button.setToolTip("Write the whole body to a file (Ctrl+S)")
        self.save_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.chip)
        top.addWidget(self.meta, 1)
        top.addWidget(self.pretty_button)
        top.addWidget(self.save_button)

        self.error = Banner()
        self.notice = Banner()
        self.body = QPlainTextEdit()
        self.body.setObjectName("ResponseBody")
        self.body.setReadOnly(True)
        self.body.setFont(theme.mono_font())
        # Word wrap lays a 256 KB line out for ~2 s; without it, ~50 ms (body.py).
        self.body.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.body.setUndoRedoEnabled(False)
        self.highlighter = JsonHighlighter(None)
        self.headers_model = PairsModel()
        self.headers = QTableView()
        self.headers.setModel(self.headers_model)
        self.headers.verticalHeader().hide()
        self.headers.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.headers.horizontalHeader().setSectionResizeMode(
            0, QHeaderView.ResizeMode.ResizeToContents
        )
        self.headers.horizontalHeader().setStretchLastSection(True)
        self.image = QLabel()
        self.image.setAlignment(Qt.AlignmentFlag.AlignCenter)
        scroll = QScrollArea()
        scroll.setWidget(self.image)
        scroll.setWidgetResizable(True)
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self.body, "Body")
        self.tabs.addTab(self.headers, "Headers")
        self.tabs.addTab(scroll, "Preview")
        self.tabs.setTabVisible(PREVIEW_TAB, False)

        self._pending: list[str] = []
        self._fill_colour = False
        self._announce = False
        self._fill_timer = QTimer(self)
        self._fill_timer.setSingleShot(True)
        self._fill_timer.setInterval(0)
        self._fill_timer.timeout.connect(self._fill)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.error)
        layout.addWidget(self.notice)
        layout.addWidget(self.tabs, 1)

    # ------------------------------------------------------------------ states
    def show_pending(self, what: str) -> None:
        self.error.clear_message()
        self._chip("…", None)
        self.meta.setText(f"Sending {what}…  (Esc cancels)")

    def show_progress(
        self, received: int, elapsed_s: float, deadline_s: float | None = None
    ) -> None:
        """The running timer while a request is in flight (and its deadline, if any)."""
        what = "waiting for the answer" if received < 0 else f"received {size_text(received)}"
        limit = f" of {deadline_s:g} s" if deadline_s is not None else ""
        self.meta.setText(f"{what} · {elapsed_s:.1f} s{limit}  (Esc cancels)")

    def show_error(self, message: str, *, cancelled: bool = False) -> None:
        self._chip("Cancelled" if cancelled else "Error", None if cancelled else 0)
        self.meta.setText("")
        self.error.show_message(message, "warning" if cancelled else "error")

    def show_response(
        self, record: ResponseRecord, view: BodyView, image: QImage | None = None
    ) -> None:
        self._forget_body_file(keep=record)
        self.record, self.view = record, view
        self.error.clear_message()
        if record.cut:
            cut = record.cut_notice()
            self.error.show_message(cut[0].upper() + cut[1:] + ".", "warning")
        status = record.status
        self._chip(f"{status} {record.reason}".strip(), status, f"{status // 100}xx")
        self.chip.update()  # a new answer repaints its chip, even when it reads the same
        parts = [
            f"{_ms(record.elapsed_s)} (first byte {_ms(record.ttfb_s)})",
            size_text(record.size),
            record.http_version,
        ]
        if record.content_type:
            parts.append(record.content_type)
        self.meta.setText(" · ".join(parts))
        self.headers_model.set_rows(record.headers)
        self.save_button.setEnabled(True)
        self.pretty_button.setEnabled(view.is_json)
        has_image = image is not None and not image.isNull()
        if has_image:
            assert image is not None
            self.image.setPixmap(QPixmap.fromImage(image))
        else:
            self.image.clear()
        if self.tabs.isTabVisible(PREVIEW_TAB) != has_image:  # unchanged: no re-layout
            self.tabs.setTabVisible(PREVIEW_TAB, has_image)
        if has_image:
            self.tabs.setCurrentIndex(PREVIEW_TAB)
        elif self.tabs.currentIndex() == PREVIEW_TAB:
            self.tabs.setCurrentIndex(BODY_TAB)
        self._announce = True
        self._render_body()

    def _render_body(self, *_args: object) -> None:
        view = self.view
        if view is None:
            return
        pretty = self.pretty_button.isChecked() and view.is_json
        text = view.pretty if pretty else view.raw
        notice = view.pretty_notice if pretty else view.raw_notice
        # Detach the highlighter first, so replacing the text never colours a big body.
        self.highlighter.setDocument(None)
        self._pending = _slices(text)
        self.body.setPlainText(self._pending.pop(0) if self._pending else "")
        if notice:
            self.notice.show_message(notice, "info")
        else:
            self.notice.clear_message()
        self._fill_colour = view.is_json and worth_colouring(text)
        self._fill()

    def _fill(self) -> None:
        """Append the next slice (one per event-loop turn); colour and announce at the end."""
        if self._pending:
            cursor = QTextCursor(self.body.document())
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertText(self._pending.pop(0))
            self._fill_timer.start()
            return
        if self._fill_colour:
            self.highlighter.setDocument(self.body.document())
        if self._announce:
            self._announce = False
            self.shown.emit()

    @property
    def filling(self) -> bool:
        return bool(self._pending)

    def _chip(self, text: str, status: int | None, status_class: str = "") -> None:
        colour = status_colour(status) if status != 0 else theme.SEVERITY_COLOURS["error"]
        self.chip.setText(text)
        if self.chip.property("status_class") != status_class:
            self.chip.setProperty("status_class", status_class)
        tone = next((k for k, v in theme.SEVERITY_COLOURS.items() if v == colour), "")
        if self.chip.property("tone") != tone:
            self.chip.setProperty("tone", tone)
            style = self.chip.style()
            style.unpolish(self.chip)
            style.polish(self.chip)
            self.chip.update()
        bold = self.chip.font()
        bold.setBold(True)
        # At least as wide as its widest usual text, so "…" -> "200 OK" -> "Cancelled"
        # changes no size hint: a new size here would re-lay out and repaint the whole tab.
        widest = max(text, *CHIP_FLOOR, key=QFontMetrics(bold).horizontalAdvance)
        self.chip.setMinimumWidth(QFontMetrics(bold).horizontalAdvance(widest) + 28)
        self.chip.show()

    def clear(self) -> None:
        self._forget_body_file(keep=None)
        self._fill_timer.stop()
        self._pending = []
        self._announce = False
        self.record = self.view = None
        self.chip.hide()
        self.meta.setText("")
        self.error.clear_message()
        self.notice.clear_message()
        self.highlighter.setDocument(None)
        self.body.clear()
        self.headers_model.set_rows(())
        self.image.clear()
        self.tabs.setTabVisible(PREVIEW_TAB, False)
        self.save_button.setEnabled(False)

    def _forget_body_file(self, keep: ResponseRecord | None) -> None:
        old = self.record.body_file if self.record is not None else None
        if old is not None and (keep is None or keep.body_file != old):
            with contextlib.suppress(OSError):
                old.unlink(missing_ok=True)
