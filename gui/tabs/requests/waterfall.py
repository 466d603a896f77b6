"""One request's time as a waterfall: a row per span, bars where they start and end.

Rows, top to bottom: the middleware layers of the built stack, outermost first (each
indented under the one that encloses it, its bar inside its parent's), then the
dependencies and the endpoint at the innermost depth, then the SQL statements and the
outgoing HTTP calls beneath them. Times come from the record (milliseconds from the
request's start), so no clock of another process is involved.

:func:`bars` is the pure part (what to draw); :class:`Waterfall` paints it and answers
where each bar is (``bar_rects``), which the tests check for nesting.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QFontMetrics, QMouseEvent, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QSizePolicy, QToolTip, QWidget

from asgideck.runtime.recording import RequestRecord

#: statements drawn one row each up to this many; more share one row of ticks
SQL_ROWS = 12
ROW_H = 18
AXIS_H = 18
INDENT = 12
LABEL_W = 230
PAD = 8
COLOURS = {
    "layer": "#6f8fb8",
    "router": "#8e9aaf",
    "dependency": "#b58ad6",
    "endpoint": "#4caf7a",
    "sql": "#e0a030",
    "http": "#3fa7c9",
}


@dataclass(frozen=True)
class Bar:
    label: str
    kind: str  # "layer", "router", "dependency", "endpoint", "sql", "http"
    start_ms: float
    end_ms: float
    depth: int
    ticks: tuple[tuple[float, float], ...] = ()  # several statements sharing one row
    source: str | None = None  # "relative/path.py:LINE": a click opens it
    tip: str = ""

    @property
    def duration_ms(self) -> float:
        return max(0.0, self.end_ms - self.start_ms)


def ms_text(ms: float) -> str:
    return f"{ms:.2f} ms" if ms < 10 else f"{ms:.1f} ms" if ms < 1000 else f"{ms:,.0f} ms"


def total_ms(record: RequestRecord) -> float:
    """The time axis' end: the request's duration, or a later span's end."""
    ends = [record.duration_ms]
    ends += [s.end_ms for s in (*record.layers, *record.dependencies)]
    ends += [record.endpoint.end_ms] if record.endpoint is not None else []
    ends += [s.start_ms + s.duration_ms for s in record.sql]
    ends += [c.start_ms + c.duration_ms for c in record.http_calls]
    return max(max(ends), 0.001)


def bars(record: RequestRecord) -> list[Bar]:
    """What the waterfall draws for ``record``, top to bottom."""
    rows: list[Bar] = []
    last = len(record.layers) - 1
    for depth, layer in enumerate(record.layers):
        kind = "router" if depth == last and "router" in layer.name.lower() else "layer"
        tip = f"{layer.name}: {ms_text(layer.duration_ms)} inside this layer and those it wraps"
        rows.append(Bar(layer.name, kind, layer.start_ms, layer.end_ms, depth, tip=tip))
    inner = len(record.layers)
    for dep in record.dependencies:
        rows.append(
            Bar(dep.name, "dependency", dep.start_ms, dep.end_ms, inner, source=dep.source,
                tip=f"dependency {dep.name}" + (f" ({dep.source})" if dep.source else ""))
        )  # fmt: skip
    endpoint = record.endpoint
    if endpoint is not None:
        where = f" ({endpoint.source})" if endpoint.source else ""
        rows.append(
            Bar(endpoint.name, "endpoint", endpoint.start_ms, endpoint.end_ms, inner,
                source=endpoint.source, tip=f"endpoint {endpoint.name}{where}")
        )  # fmt: skip
    statements = record.sql
    if 0 < len(statements) <= SQL_ROWS:
        for statement in statements:
            text = " ".join(statement.statement.split())
            rows.append(
                Bar(text, "sql", statement.start_ms, statement.start_ms + statement.duration_ms,
                    inner + 1, tip=text)
            )  # fmt: skip
    elif statements:
        ticks = tuple((s.start_ms, s.start_ms + s.duration_ms) for s in statements)
        first, end = min(t[0] for t in ticks), max(t[1] for t in ticks)
        spent = sum(s.duration_ms for s in statements)
        rows.append(
            Bar(f"SQL × {len(statements)}", "sql", first, end, inner + 1, ticks,
                tip=f"{len(statements)} statements, {ms_text(spent)} in all")
        )  # fmt: skip
    for call in record.http_calls:
        label = f"{call.method} {call.url}"
        rows.append(
            Bar(label, "http", call.start_ms, call.start_ms + call.duration_ms, inner + 1,
                tip=f"{label} → {call.status if call.status is not None else call.error or '?'}")
        )  # fmt: skip
    return rows


def tooltip(bar: Bar) -> str:
    """What hovering a row says: its whole name (the label may be cut), how long, where."""
    lines = [f"{bar.label} — {ms_text(bar.duration_ms)}"]
    if bar.source:
        lines.append(bar.source)
    if bar.tip and bar.tip != bar.label:
        lines.append(bar.tip)
    return "\n".join(lines)


class Waterfall(QWidget):
    """The painted waterfall of one record (nothing drawn without one)."""

    #: a bar with a source was clicked ("relative/path.py:LINE")
    source_clicked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("Waterfall")
        self.setMouseTracking(True)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.record: RequestRecord | None = None
        self.rows: list[Bar] = []
        self.total = 1.0

    def set_record(self, record: RequestRecord | None) -> None:
        self.record = record
        self.rows = bars(record) if record is not None else []
        self.total = total_ms(record) if record is not None else 1.0
        self.updateGeometry()
        self.update()

    # -- geometry
    def sizeHint(self) -> QSize:
        return QSize(LABEL_W + 360, AXIS_H + ROW_H * max(1, len(self.rows)) + PAD)

    def minimumSizeHint(self) -> QSize:
        return QSize(LABEL_W + 120, self.sizeHint().height())

    def label_width(self) -> int:
        return min(LABEL_W, max(80, self.width() // 3))

    def bar_area(self) -> tuple[float, float]:
        """(left, width) of the time axis in pixels; room is left for a bar's ms label."""
        fm = QFontMetrics(self.font())
        left = self.label_width() + PAD
        room = fm.horizontalAdvance("8,888.8 ms") + PAD
        return float(left), float(max(40, self.width() - left - room))

    def x_of(self, ms: float) -> float:
        left, width = self.bar_area()
        return left + width * min(max(ms, 0.0), self.total) / self.total

    def bar_rects(self) -> list[tuple[Bar, QRectF]]:
        """Where each row's bar is drawn (at least 2 px wide, so an instant still shows)."""
        out = []
        for number, bar in enumerate(self.rows):
            x0, x1 = self.x_of(bar.start_ms), self.x_of(bar.end_ms)
            top = AXIS_H + number * ROW_H + 3
            out.append((bar, QRectF(x0, top, max(2.0, x1 - x0), ROW_H - 6)))
        return out

    def row_at(self, y: float) -> Bar | None:
        number = int((y - AXIS_H) // ROW_H)
        return self.rows[number] if y >= AXIS_H and 0 <= number < len(self.rows) else None

    # -- painting
    def paintEvent(self, event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.windowText().color()
        faint = QColor(text)
        faint.setAlpha(60)
        fm = QFontMetrics(self.font())
        left, width = self.bar_area()
        # the axis: quarter marks with their times
        for step in range(5):
            x = left + width * step / 4
            painter.setPen(QPen(faint, 1, Qt.PenStyle.DotLine))
            painter.drawLine(QPointF(x, AXIS_H - 2), QPointF(x, self.height()))
            painter.setPen(text)
            label = ms_text(self.total * step / 4)
            tx = min(x, self.width() - fm.horizontalAdvance(label) - 2) if step else x
            painter.drawText(QPointF(tx, AXIS_H - 5), label)
        label_w = self.label_width()
        for number, (bar, rect) in enumerate(self.bar_rects()):
            top = AXIS_H + number * ROW_H
            indent = min(bar.depth * INDENT, label_w // 2)
            name = fm.elidedText(bar.label, Qt.TextElideMode.ElideRight, label_w - indent - 4)
            painter.setPen(text if bar.kind != "sql" else QColor(COLOURS["sql"]).darker(130))
            painter.drawText(QPointF(4 + indent, top + ROW_H - 6), name)
            colour = QColor(COLOURS.get(bar.kind, "#888888"))
            painter.setPen(Qt.PenStyle.NoPen)
            if bar.ticks:
                painter.setBrush(QColor(colour.red(), colour.green(), colour.blue(), 50))
                painter.drawRoundedRect(rect, 2, 2)
                painter.setBrush(colour)
                for start, end in bar.ticks:
                    x0, x1 = self.x_of(start), self.x_of(end)
                    painter.drawRect(QRectF(x0, rect.top(), max(1.5, x1 - x0), rect.height()))
            else:
                painter.setBrush(colour)
                painter.drawRoundedRect(rect, 2, 2)
            painter.setPen(text)
            painter.drawText(QPointF(rect.right() + 4, top + ROW_H - 6), ms_text(bar.duration_ms))
        painter.end()

    # -- pointing
    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        bar = self.row_at(event.position().y())
        self.setCursor(
            Qt.CursorShape.PointingHandCursor
            if bar is not None and bar.source
            else Qt.CursorShape.ArrowCursor
        )
        if bar is not None:
            QToolTip.showText(event.globalPosition().toPoint(), tooltip(bar), self)
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        bar = self.row_at(event.position().y())
        if bar is not None and bar.source and event.button() == Qt.MouseButton.LeftButton:
            self.source_clicked.emit(bar.source)
        super().mousePressEvent(event)
