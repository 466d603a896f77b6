"""Quick load test of the composer's request: concurrency and duration -> req/s, percentiles.

Runs on the panel's task scope, bounded (≤ 256 connections, ≤ 60 s) and on loopback
only (``asgideck.runtime.client``'s load test refuses anything else). Says which generator made
the numbers: wrk or hey when installed, else the built-in one. Only the
built-in generator can be stopped early.
"""

from __future__ import annotations

import shutil
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QColor, QKeySequence, QPainter, QPaintEvent, QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.core.widgets import Banner, combo_box, muted, section_title
from asgideck.gui.tabs.workbench.failures import report
from asgideck.runtime.client import MAX_CONCURRENCY, MAX_DURATION_S, LoadResult, RequestSpec
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.workbench import Workbench

LIVE_MS = 250  # how often the running numbers are redrawn
RATE_WINDOW_S = 1.0  # "requests/s now" is measured over about this long
TOOLS = (("Auto", "auto"), ("Built-in (httpx)", "builtin"), ("wrk", "wrk"), ("hey", "hey"))


class PercentileChart(QWidget):
    """Three horizontal bars: p50, p95 and p99 latency, scaled to the largest."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.values: list[tuple[str, float]] = []
        self.setMinimumHeight(84)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)

    def set_result(self, result: LoadResult | None) -> None:
        self.values = (
            []
            if result is None
            else [("p50", result.p50_ms), ("p95", result.p95_ms), ("p99", result.p99_ms)]
        )
        self.update()

    def paintEvent(self, event: QPaintEvent) -> None:
        if not self.values:
            return
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text = self.palette().color(QPalette.ColorRole.WindowText)
        top = max(value for _label, value in self.values) or 1.0
        row = self.height() / len(self.values)
        label_width, value_width = 40, 90
        span = max(10.0, self.width() - label_width - value_width)
        for i, (label, value) in enumerate(self.values):
            y = i * row
            painter.setPen(text)
            painter.drawText(QRectF(0, y, label_width, row), Qt.AlignmentFlag.AlignVCenter, label)
            width = max(2.0, span * value / top)
            colour = QColor(theme.ACCENT)
            colour.setAlphaF(0.45 + 0.25 * i)
            painter.fillRect(QRectF(label_width, y + row * 0.2, width, row * 0.6), colour)
            painter.drawText(
                QRectF(label_width + width + 6, y, value_width, row),
                Qt.AlignmentFlag.AlignVCenter,
                f"{value:.1f} ms",
            )
        painter.end()


class LoadPanel(QWidget):
    """``spec_source()`` gives the request to load (the composer's, credentials applied)."""

    finished = Signal(object)  # LoadResult

    def __init__(
        self,
        workbench: Workbench,
        runner: TaskRunner,
        spec_source: Callable[[], RequestSpec],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.workbench = workbench
        self.scope = runner.scope(self)
        self.spec_source = spec_source
        self.result: LoadResult | None = None
        self._stop: threading.Event | None = None

        self.banner = Banner()
        self.request_label = QLabel("")
        self.request_label.setFont(theme.mono_font())
        self.request_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.concurrency = QSpinBox()
        self.concurrency.setRange(1, MAX_CONCURRENCY)
        self.concurrency.setValue(4)
        self.concurrency.setToolTip("Connections kept busy at once")
        self.duration = QSpinBox()
        self.duration.setRange(1, int(MAX_DURATION_S))
        self.duration.setValue(5)
        self.duration.setSuffix(" s")
        self.tool = combo_box()
        for label, value in TOOLS:
            self.tool.addItem(label, value)
            if value in ("wrk", "hey") and shutil.which(value) is None:
                item = self.tool.model().item(self.tool.count() - 1)  # type: ignore[attr-defined]
                item.setEnabled(False)
                item.setToolTip(f"{value} is not installed")
        self.tool.setToolTip("Auto uses wrk, then hey, else the built-in generator")
        self.use_auth = QCheckBox("Send authorization")
        self.use_auth.setChecked(True)
        self.run_button = QPushButton(theme.icon("gauge"), "Run")
        self.run_button.setToolTip("Run the load test (Ctrl+Enter); Esc stops a built-in run")
        self.run_button.clicked.connect(self.toggle)
        # Two rows: one asked for 690 px and squeezed the window's sidebar at 900×600.
        controls = QGridLayout()
        controls.addWidget(QLabel("Concurrency"), 0, 0)
        controls.addWidget(self.concurrency, 0, 1)
        controls.addWidget(QLabel("Duration"), 0, 2)
        controls.addWidget(self.duration, 0, 3)
        controls.addWidget(QLabel("Tool"), 1, 0)
        controls.addWidget(self.tool, 1, 1)
        controls.addWidget(self.use_auth, 1, 2, 1, 2)
        controls.setColumnStretch(4, 1)
        controls.addWidget(self.run_button, 1, 5)

        self.tool_label = QLabel("—")
        self.rps = QLabel("—")
        self.rps.setObjectName("LoadRps")
        self.latency = QLabel("—")
        self.errors = QLabel("—")
        self.statuses = QLabel("—")
        self.statuses.setWordWrap(True)
        numbers = QFormLayout()
        numbers.addRow("Generator", self.tool_label)
        numbers.addRow("Requests/s", self.rps)
        numbers.addRow("Latency p50 / p95 / p99", self.latency)
        numbers.addRow("Errors", self.errors)
        numbers.addRow("Statuses", self.statuses)
        self.chart = PercentileChart()
        self.state = muted("Loopback only: the composer's request, against this machine's server.")
        self.live = QLabel("")  # while a run goes: answers so far and the current rate
        self.live.setObjectName("LoadLive")
        self.live_count = 0
        self.live_rate = 0.0
        self._counts: _Counts | None = None
        self._samples: deque[tuple[float, int]] = deque()
        self._started = 0.0
        self._duration = 0.0
        self._ticker = QTimer(self)
        self._ticker.setInterval(LIVE_MS)
        self._ticker.timeout.connect(self._show_live)

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(section_title("Request"))
        layout.addWidget(self.request_label)
        layout.addLayout(controls)
        layout.addWidget(self.live)
        layout.addWidget(section_title("Result"))
        layout.addLayout(numbers)
        layout.addWidget(self.chart)
        layout.addWidget(self.state)
        layout.addStretch(1)
        for keys, slot in (
            ("Ctrl+Return", self.run),
            ("Ctrl+Enter", self.run),
            ("Esc", self.stop),
        ):
            action = QAction(self)
            action.setShortcut(QKeySequence(keys))
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            action.triggered.connect(lambda _checked=False, slot=slot: slot())
            self.addAction(action)

    @property
    def running(self) -> bool:
        return self._stop is not None

    def refresh_request(self) -> None:
        """Show which request a run would load (called when the page is shown)."""
        try:
            spec = self.spec_source()
            self.request_label.setText(f"{spec.method} {spec.build_url()}")
        except AsgideckError as exc:
            self.request_label.setText(f"(the composer's request is not ready: {exc})")

    def toggle(self) -> None:
        if self.running:
            self.stop()
        else:
            self.run()

    def run(self) -> bool:
        if self.running:
            return False
        try:
            spec = self.spec_source()
        except AsgideckError as exc:
            self.banner.show_message(str(exc), "error")
            return False
        if not self.use_auth.isChecked():
            spec = replace(spec, auth=None)
        self.request_label.setText(f"{spec.method} {spec.build_url()}")
        self.banner.clear_message()
        stop = threading.Event()
        self._stop = stop
        concurrency, duration = self.concurrency.value(), float(self.duration.value())
        tool = self.tool.currentData()
        workbench = self.workbench
        self.state.setText(f"Running for {duration:g} s with {concurrency} connections…")
        self.run_button.setText("Stop")
        self.run_button.setIcon(theme.icon("stop"))

        counts = _Counts()
        self._counts = counts
        self._started = time.monotonic()
        self._duration = duration
        self._samples = deque([(self._started, 0)])
        self.live_count, self.live_rate = 0, 0.0
        self._show_live()
        self._ticker.start()

        def op() -> LoadResult:
            return workbench.load_test(
                spec,
                concurrency=concurrency,
                duration_s=duration,
                tool=tool,
                stop=stop,
                progress=counts.set,
            )

        self.scope.run(op, self._done, failed=self._failed)
        return True

    def _show_live(self) -> None:
        """Answers so far and the rate over the last second (a built-in run reports them;
        wrk and hey only at the end, so then just the time)."""
        counts = self._counts
        if counts is None:
            return
        now = time.monotonic()
        done, errors = counts.value
        self._samples.append((now, done))
        while len(self._samples) > 2 and now - self._samples[1][0] >= RATE_WINDOW_S:
            self._samples.popleft()
        then, before = self._samples[0]
        self.live_count = done
        self.live_rate = (done - before) / (now - then) if now > then else 0.0
        clock = f"{min(now - self._started, self._duration):.1f} of {self._duration:g} s"
        if counts.heard:
            failed = f" ({errors:,} errors)" if errors else ""
            self.live.setText(
                f"{done:,} answers so far{failed} · {self.live_rate:,.0f} requests/s now · {clock}"
            )
        else:
            self.live.setText(f"Running · {clock} (wrk and hey report at the end)")

    def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
            self.state.setText("Stopping… (wrk and hey run to the end of their duration)")

    def _finish(self) -> None:
        self._show_live()
        self._ticker.stop()
        self._counts = None
        self._stop = None
        self.run_button.setText("Run")
        self.run_button.setIcon(theme.icon("gauge"))

    def _done(self, result: LoadResult) -> None:
        self._finish()
        self.result = result
        self.tool_label.setText(result.tool + (f" — {result.note}" if result.note else ""))
        self.rps.setText(
            f"{result.rps:,.0f} requests/s ({result.requests:,} in {result.duration_s:.1f} s)"
        )
        self.latency.setText(f"{result.p50_ms:.1f} / {result.p95_ms:.1f} / {result.p99_ms:.1f} ms")
        self.errors.setText(f"{result.errors:,}")
        self.statuses.setText(
            ", ".join(f"{k}: {v:,}" for k, v in sorted(result.status_counts.items())) or "—"
        )
        self.chart.set_result(result)
        self.state.setText(f"Done with {result.tool}.")
        self.finished.emit(result)

    def _failed(self, exc: Exception) -> None:
        self._finish()
        self.state.setText("")
        report(exc, lambda message: self.banner.show_message(message, "error"))

    def detach(self) -> None:
        """Drop the result in flight and stop a built-in run (wrk and hey run to their end)."""
        self.scope.close()
        self._ticker.stop()
        if self._stop is not None:
            self._stop.set()


class _Counts:
    """A run's counts, written by its thread and read by the panel's timer (one tuple, so a
    read never sees half an update)."""

    def __init__(self) -> None:
        self.value: tuple[int, int] = (0, 0)
        self.heard = False

    def set(self, answered: int, errors: int) -> None:
        self.value = (answered, errors)
        self.heard = True
