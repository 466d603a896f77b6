"""The filter bar: status classes, path text, slower than N ms, has error, has N+1.

It edits one :class:`RequestFilter` (the runtime's, shared with ``asgideck requests``)
and says when it changed; its state round-trips through a plain dict for QSettings.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLineEdit,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QWidget,
)

from asgideck.runtime.recording import RequestFilter

STATUS_CLASSES = ("2xx", "3xx", "4xx", "5xx")


def filter_state(wanted: RequestFilter) -> dict[str, Any]:
    """``wanted`` as plain values (what QSettings keeps)."""
    return {
        "status": ",".join(sorted(wanted.status_classes)),
        "path": wanted.path,
        "slower": int(wanted.slower_than_ms or 0),
        "errors": int(wanted.has_error),
        "n_plus_one": int(wanted.has_n_plus_one),
    }


def filter_from_state(state: dict[str, Any]) -> RequestFilter:
    """The filter kept by :func:`filter_state`; anything damaged is left out."""

    def number(key: str) -> int:
        try:
            return max(0, int(state.get(key) or 0))
        except (TypeError, ValueError):
            return 0

    status = state.get("status")
    classes = str(status).split(",") if isinstance(status, str) else []
    path = state.get("path")
    return RequestFilter(
        status_classes=frozenset(c for c in classes if c in STATUS_CLASSES),
        path=path if isinstance(path, str) else "",
        slower_than_ms=float(number("slower")) or None,
        has_error=bool(number("errors")),
        has_n_plus_one=bool(number("n_plus_one")),
    )


class DurationSpin(QSpinBox):
    """Milliseconds in steps that fit the scale: 10 ms below 100 ms, 100 ms above."""

    def stepBy(self, steps: int) -> None:
        value = self.value()
        for _ in range(abs(steps)):
            if steps > 0:
                value += 10 if value < 100 else 100
            else:
                value -= 10 if value <= 100 else 100
        self.setValue(max(self.minimum(), min(self.maximum(), value)))


class FilterBar(QWidget):
    #: the filter changed (the new RequestFilter)
    changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._quiet = False
        self.path = QLineEdit()
        self.path.setPlaceholderText("Filter by path…  (Ctrl+F)")
        self.path.setClearButtonEnabled(True)
        self.path.textChanged.connect(self._emit)
        self.status: dict[str, QToolButton] = {}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.path, 1)
        for name in STATUS_CLASSES:
            button = QToolButton()
            button.setText(name)
            button.setCheckable(True)
            button.setToolTip(f"Only {name} responses (several: any of them)")
            button.toggled.connect(self._emit)
            self.status[name] = button
            layout.addWidget(button)
        self.slower = DurationSpin()
        self.slower.setRange(0, 600_000)
        self.slower.setSuffix(" ms")
        self.slower.setPrefix("slower than ")
        self.slower.setSpecialValueText("any duration")
        self.slower.setAccelerated(True)
        self.slower.valueChanged.connect(self._emit)
        # never squeezed: both arrows and "slower than 600000 ms" stay whole in a narrow window
        self.slower.setMinimumWidth(self.slower.sizeHint().width())
        self.slower.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self.errors = QCheckBox("Errors")
        self.errors.setToolTip("Only requests that raised, answered 5xx or got no response")
        self.errors.toggled.connect(self._emit)
        self.n_plus_one = QCheckBox("N+1")
        self.n_plus_one.setToolTip("Only requests that ran one SQL statement 5 times or more")
        self.n_plus_one.toggled.connect(self._emit)
        layout.addWidget(self.slower)
        layout.addWidget(self.errors)
        layout.addWidget(self.n_plus_one)

    def value(self) -> RequestFilter:
        slower = self.slower.value()
        return RequestFilter(
            status_classes=frozenset(n for n, b in self.status.items() if b.isChecked()),
            path=self.path.text().strip(),
            slower_than_ms=float(slower) if slower else None,
            has_error=self.errors.isChecked(),
            has_n_plus_one=self.n_plus_one.isChecked(),
        )

    def set_value(self, wanted: RequestFilter) -> None:
        """Show ``wanted`` (one ``changed`` at the end, not one per control)."""
        self._quiet = True
        try:
            self.path.setText(wanted.path)
            for name, button in self.status.items():
                button.setChecked(name in wanted.status_classes)
            self.slower.setValue(int(wanted.slower_than_ms or 0))
            self.errors.setChecked(wanted.has_error)
            self.n_plus_one.setChecked(wanted.has_n_plus_one)
        finally:
            self._quiet = False
        self._emit()

    def _emit(self, *_args: object) -> None:
        if not self._quiet:
            self.changed.emit(self.value())
