"""The status strip under the window: state light, URL, uptime, sparklines, req/s."""

from __future__ import annotations

from collections import deque

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen, QPolygonF
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from asgideck.gui.core import theme
from asgideck.runtime.client import size_text

STATE_COLOURS = {
    "running": "#16a34a",
    "starting": "#d97706",
    "stopping": "#d97706",
    "crashed": "#dc2626",
    "crash-loop": "#dc2626",
    "stopped": "#8b8d93",
    "orphan": "#7c3aed",
}


def light(state: str) -> str:
    """A coloured ● for a state, as rich text."""
    return f'<span style="color:{STATE_COLOURS.get(state, "#8b8d93")}">●</span>'


class Sparkline(QWidget):
    """The last ``size`` samples as a small line chart."""

    def __init__(self, size: int = 60, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.samples: deque[float] = deque(maxlen=size)
        self.setFixedSize(64, 18)

    def add(self, value: float) -> None:
        self.samples.append(value)
        self.update()

    def reset(self) -> None:
        self.samples.clear()
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:
        if len(self.samples) < 2:
            return
        top = max(max(self.samples), 1e-9)
        w, h = self.width() - 2, self.height() - 2
        step = w / (self.samples.maxlen - 1 if self.samples.maxlen else 1)
        offset = w - step * (len(self.samples) - 1)
        points = [
            QPointF(1 + offset + i * step, 1 + h - h * v / top) for i, v in enumerate(self.samples)
        ]
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(QColor(theme.ACCENT), 1.4))
        painter.drawPolyline(QPolygonF(points))
        painter.end()


class StatusStrip(QWidget):
    """Shows one server at a time; ``show_server`` resets the history.

    Uptime counts only while the server runs: a crashed server whose reloader is still
    alive keeps sending stats, but "up" would be false then, so the label says how long
    it had been up and stops."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state_label = QLabel("")
        self.url_label = QLabel("")
        self.url_label.setOpenExternalLinks(True)
        self.url_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.uptime_label = QLabel("")
        self.cpu_label = QLabel("")
        self.cpu_line = Sparkline()
        self.rss_label = QLabel("")
        self.rss_line = Sparkline()
        self.rate_label = QLabel("")
        self._state = "stopped"
        self._uptime: float | None = None  # the last uptime seen while running
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        for widget in (
            self.state_label,
            self.url_label,
            self.uptime_label,
            self.cpu_label,
            self.cpu_line,
            self.rss_label,
            self.rss_line,
            self.rate_label,
        ):
            layout.addWidget(widget)
        self.show_server(None, "stopped", None)

    def show_server(self, name: str | None, state: str, url: str | None) -> None:
        self._uptime = None
        self.cpu_line.reset()
        self.rss_line.reset()
        self.set_state(name, state, url)
        for label in (self.uptime_label, self.cpu_label, self.rss_label, self.rate_label):
            label.setText("")

    def set_state(self, name: str | None, state: str, url: str | None) -> None:
        title = f"{name}: {state}" if name else "no server selected"
        self.state_label.setText(f"{light(state)} {title}")
        running = state == "running" and url
        self.url_label.setText(f'<a href="{url}">{url}</a>' if running else "")
        # No link, no Tab stop: an empty label must not take keyboard focus.
        self.url_label.setFocusPolicy(
            Qt.FocusPolicy.StrongFocus if running else Qt.FocusPolicy.NoFocus
        )
        was_running = self._state == "running"
        self._state = state
        if state == "running":
            if not was_running:
                self._uptime = None
        elif was_running and self._uptime is not None:
            self.uptime_label.setText(f"was up {_duration(self._uptime)}")
        elif state in ("stopped", "starting"):
            self.uptime_label.setText("")
        if state == "stopped":  # no process left: its last CPU/RSS would read as current
            self.cpu_line.reset()
            self.rss_line.reset()
            for label in (self.cpu_label, self.rss_label, self.rate_label):
                label.setText("")

    def set_requests(self, text: str) -> None:
        """The requests part in words (a scaled group: how nginx spread them)."""
        self.rate_label.setText(text)

    def set_stats(self, uptime: float, cpu: float, rss: int, processes: int, rate: float) -> None:
        if self._state == "stopped":
            return  # a late sample of a server that has stopped
        if self._state == "running":
            self._uptime = uptime
            self.uptime_label.setText(f"up {_duration(uptime)}")
        self.cpu_label.setText(f"CPU {cpu:.0f}%")
        self.cpu_line.add(cpu)
        self.rss_label.setText(f"RSS {size_text(rss)} · {processes} proc")
        self.rss_line.add(rss)
        self.rate_label.setText(f"{rate:.1f} req/s")


def _duration(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h {minutes:02d}m" if hours else f"{minutes}m {secs:02d}s"
