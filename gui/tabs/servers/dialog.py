"""Edit one launch config: kind, profile, port, reload, workers, options."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.widgets import Banner
from asgideck.runtime.servers import ConfigError, LaunchConfig

WORKER_CLASSES = (
    ("What the project has (gunicorn.conf.py, else installed)", "auto"),
    ("uvicorn-worker", "uvicorn_worker.UvicornWorker"),
    ("uvicorn.workers (older uvicorn)", "uvicorn.workers.UvicornWorker"),
    ("gunicorn's native asgi", "asgi"),
)
#: (kind, label): the server must be installed in the project's interpreter.
KINDS = (
    ("uvicorn", "uvicorn"),
    ("gunicorn", "gunicorn (workers)"),
    ("hypercorn", "Hypercorn (HTTP/2)"),
    ("granian", "Granian (Rust, --interface asgi)"),
    ("daphne", "Daphne (single process)"),
)
#: kinds without --reload / without more than one worker here
NO_RELOAD = frozenset({"gunicorn", "daphne"})
ONE_WORKER = frozenset({"daphne"})
LOG_LEVELS = ("critical", "error", "warning", "info", "debug", "trace")


class ServerDialog(QDialog):
    def __init__(
        self, config: LaunchConfig, profiles: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Server — {config.name}")
        self.result_config: LaunchConfig | None = None
        self.name = QLineEdit(config.name)
        self.profile = QComboBox()
        self.profile.addItems(list(profiles))
        self.profile.setCurrentText(config.profile)
        self.kind = QComboBox()
        for kind, label in KINDS:
            self.kind.addItem(label, kind)
        self.kind.setCurrentIndex(max(0, self.kind.findData(config.kind)))
        self.host = QLineEdit(config.host)
        self.host.setToolTip("127.0.0.1 keeps the server private to this machine")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(config.port)
        self.reload = QCheckBox("Restart when code changes (--reload)")
        self.reload.setChecked(config.reload)
        self.workers = QSpinBox()
        self.workers.setRange(1, 64)
        self.workers.setValue(config.workers)
        self.worker_class = QComboBox()
        for label, value in WORKER_CLASSES:
            self.worker_class.addItem(label, value)
        self.worker_class.setCurrentIndex(max(0, self.worker_class.findData(config.worker_class)))
        self.log_level = QComboBox()
        self.log_level.addItems(LOG_LEVELS)
        self.log_level.setCurrentText(config.log_level)
        self.access_log = QCheckBox("Log every request")
        self.access_log.setChecked(config.access_log)
        self.root_path = QLineEdit(config.root_path)
        self.root_path.setPlaceholderText("e.g. /api when behind a proxy prefix")
        self.auto_restart = QCheckBox("Restart after a crash (backoff 1, 2, 4 … 30 s)")
        self.auto_restart.setChecked(config.auto_restart)
        self.error = Banner()

        form = QFormLayout()
        form.addRow("Name:", self.name)
        form.addRow("Profile:", self.profile)
        form.addRow("Server:", self.kind)
        form.addRow("Host:", self.host)
        form.addRow("Port:", self.port)
        form.addRow("", self.reload)
        form.addRow("Workers:", self.workers)
        form.addRow("Worker class:", self.worker_class)
        form.addRow("Log level:", self.log_level)
        form.addRow("", self.access_log)
        form.addRow("Root path:", self.root_path)
        form.addRow("", self.auto_restart)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.kind.currentIndexChanged.connect(self._sync)
        self.reload.toggled.connect(self._sync)
        self._sync()

    def _sync(self) -> None:
        kind = str(self.kind.currentData())
        self.worker_class.setEnabled(kind == "gunicorn")
        self.reload.setEnabled(kind not in NO_RELOAD)
        if kind in NO_RELOAD:
            self.reload.setChecked(False)
        single = self.reload.isChecked() or kind in ONE_WORKER
        self.workers.setEnabled(not single)
        if single:
            self.workers.setValue(1)

    def config(self) -> LaunchConfig:
        """The config the form describes; raises ConfigError naming the field."""
        return LaunchConfig(
            name=self.name.text().strip(),
            profile=self.profile.currentText(),
            kind=self.kind.currentData(),
            host=self.host.text().strip() or "127.0.0.1",
            port=self.port.value(),
            reload=self.reload.isChecked(),
            workers=self.workers.value(),
            worker_class=self.worker_class.currentData(),
            log_level=self.log_level.currentText(),  # type: ignore[arg-type]
            access_log=self.access_log.isChecked(),
            root_path=self.root_path.text().strip(),
            auto_restart=self.auto_restart.isChecked(),
        )

    def accept(self) -> None:
        try:
            self.result_config = self.config()
        except ConfigError as exc:
            self.error.show_message(str(exc))
            return
        super().accept()
