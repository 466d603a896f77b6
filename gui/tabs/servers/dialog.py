"""Edit one launch config: kind, profile, port, reload, workers, options, whether its
requests are recorded, and the before-start tasks (an ordered list of commands; what
the project's layout suggests is one click away)."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core.widgets import Banner, combo_box, muted
from asgideck.runtime.servers import ConfigError, LaunchConfig, records_by_default

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
RECORD_TIP = (
    "Record every request this server handles: the time in each middleware layer, "
    "dependency and the endpoint, its SQL, logs, outgoing calls and exception "
    "(the Requests tab).\n"
    "Nothing is written into the project: asgideck loads a small agent in front of the "
    "app and keeps the records in its own state folder (emptied at each start).\n"
    "It costs a little time per request and disk for bodies up to 64 KiB, with secrets "
    "redacted. Unless changed here it is on for development servers (--reload, or one "
    "process on a non-production profile) and off for production-style ones "
    "(gunicorn, several workers, a production profile)."
)


class TasksEditor(QWidget):
    """The before-start tasks: an ordered list of commands to add, edit (F2), remove
    (Delete) and move (Ctrl+Up / Ctrl+Down), plus one button per suggestion."""

    def __init__(
        self, tasks: Sequence[str], suggestions: Sequence[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.list = QListWidget()
        self.list.setObjectName("TasksList")
        self.list.setAccessibleName("Before-start tasks")
        self.list.setToolTip(
            "Run in this order before the server starts, in the project's folder, with the "
            "profile's variables and the project's python first on PATH.\n"
            "F2 edits, Delete removes, Ctrl+Up / Ctrl+Down move."
        )
        self.list.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.list.setMaximumHeight(110)
        for command in tasks:
            self._append(command)
        self.input = QLineEdit()
        self.input.setObjectName("TaskInput")
        self.input.setPlaceholderText("a command, e.g. alembic upgrade head")
        self.input.setAccessibleName("New before-start task")
        self.input.installEventFilter(self)
        self.add_button = QPushButton("&Add task")
        self.add_button.clicked.connect(self.add_typed)
        self.remove_button = QPushButton("Re&move")
        self.remove_button.clicked.connect(self.remove_current)
        self.up_button = QPushButton("Move &up")
        self.up_button.clicked.connect(lambda: self.move_current(-1))
        self.down_button = QPushButton("Move do&wn")
        self.down_button.clicked.connect(lambda: self.move_current(1))
        self.list.installEventFilter(self)  # Delete, Ctrl+Up / Ctrl+Down (see eventFilter)
        self.suggestions = list(suggestions)
        self.suggestion_buttons: list[QPushButton] = []
        suggested = QHBoxLayout()
        suggested.setContentsMargins(0, 0, 0, 0)
        if suggestions:
            suggested.addWidget(QLabel("Suggested:"))
        for command in suggestions:
            button = QPushButton("+ " + command.replace("&", "&&"))  # "&&" is not a mnemonic
            button.setObjectName("TaskSuggestion")
            button.setToolTip(f"Add `{command}` (the project has the file it runs)")
            button.clicked.connect(lambda _checked=False, c=command: self.add(c))
            suggested.addWidget(button)
            self.suggestion_buttons.append(button)
        suggested.addStretch(1)

        typed = QHBoxLayout()
        typed.setContentsMargins(0, 0, 0, 0)
        typed.addWidget(self.input, 1)
        typed.addWidget(self.add_button)
        moves = QHBoxLayout()
        moves.setContentsMargins(0, 0, 0, 0)
        for button in (self.up_button, self.down_button, self.remove_button):
            moves.addWidget(button)
        moves.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.list)
        layout.addLayout(moves)
        layout.addLayout(typed)
        layout.addLayout(suggested)
        if not tasks and not suggestions:
            layout.addWidget(muted("None: the server starts at once."))
        order = [self.list, self.up_button, self.down_button, self.remove_button, self.input]
        order += [self.add_button, *self.suggestion_buttons]
        for first, second in pairwise(order):  # as they are laid out
            QWidget.setTabOrder(first, second)
        self.list.currentRowChanged.connect(lambda _row: self._sync())
        self.list.model().rowsInserted.connect(lambda *_args: self._sync())
        self.list.model().rowsRemoved.connect(lambda *_args: self._sync())
        self._sync()

    def tasks(self) -> tuple[str, ...]:
        """The commands in order (blank ones dropped)."""
        items = (self.list.item(row).text().strip() for row in range(self.list.count()))
        return tuple(text for text in items if text)

    def add(self, command: str) -> None:
        """Append ``command`` (a suggestion already listed is not added twice)."""
        command = command.strip()
        if command and command not in self.tasks():
            self._append(command)
            self.list.setCurrentRow(self.list.count() - 1)

    def add_typed(self) -> None:
        self.add(self.input.text())
        self.input.clear()

    def remove_current(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self.list.setCurrentRow(min(row, self.list.count() - 1))

    def move_current(self, step: int) -> None:
        row = self.list.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.list.count():
            return
        item = self.list.takeItem(row)
        self.list.insertItem(target, item)
        self.list.setCurrentRow(target)

    def _append(self, command: str) -> None:
        item = QListWidgetItem(command)
        item.setFlags(item.flags() | Qt.ItemFlag.ItemIsEditable)
        self.list.addItem(item)

    def _sync(self) -> None:
        row = self.list.currentRow()
        count = self.list.count()
        self.remove_button.setEnabled(row >= 0)
        self.up_button.setEnabled(row > 0)
        self.down_button.setEnabled(0 <= row < count - 1)
        listed = set(self.tasks())
        for button, command in zip(self.suggestion_buttons, self.suggestions, strict=True):
            button.setEnabled(command not in listed)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Keys of the list (Delete removes, Ctrl+Up / Ctrl+Down move: keys of this
        widget alone, never window shortcuts) and of the command field (Enter adds the
        command rather than pressing OK; with the field empty it does press OK)."""
        if event.type() != QEvent.Type.KeyPress or not isinstance(event, QKeyEvent):
            return super().eventFilter(watched, event)
        key, ctrl = event.key(), event.modifiers() & Qt.KeyboardModifier.ControlModifier
        if watched is self.list:
            if key == Qt.Key.Key_Delete:
                self.remove_current()
                return True
            if ctrl and key in (Qt.Key.Key_Up, Qt.Key.Key_Down):
                self.move_current(-1 if key == Qt.Key.Key_Up else 1)
                return True
        elif (
            watched is self.input
            and key in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
            and self.input.text().strip()
        ):
            self.add_typed()
            return True
        return super().eventFilter(watched, event)


class ServerDialog(QDialog):
    def __init__(
        self,
        config: LaunchConfig,
        profiles: Sequence[str],
        parent: QWidget | None = None,
        *,
        suggestions: Sequence[str] = (),
    ) -> None:
        """``suggestions``: before-start tasks the project's layout suggests
        (``runtime.servers.suggest_tasks``), offered as one click each."""
        super().__init__(parent)
        self.setWindowTitle(f"Server — {config.name}")
        self.result_config: LaunchConfig | None = None
        self.name = QLineEdit(config.name)
        self.profile = combo_box()
        self.profile.addItems(list(profiles))
        self.profile.setCurrentText(config.profile)
        self.kind = combo_box()
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
        self.worker_class = combo_box()
        for label, value in WORKER_CLASSES:
            self.worker_class.addItem(label, value)
        self.worker_class.setCurrentIndex(max(0, self.worker_class.findData(config.worker_class)))
        self.log_level = combo_box()
        self.log_level.addItems(LOG_LEVELS)
        self.log_level.setCurrentText(config.log_level)
        self.access_log = QCheckBox("Log every request")
        self.access_log.setChecked(config.access_log)
        self.root_path = QLineEdit(config.root_path)
        self.root_path.setPlaceholderText("e.g. /api when behind a proxy prefix")
        self.auto_restart = QCheckBox("Restart after a crash (backoff 1, 2, 4 … 30 s)")
        self.auto_restart.setChecked(config.auto_restart)
        self.record = QCheckBox("Record requests (the Requests tab)")
        self.record.setObjectName("RecordRequests")
        self.record.setToolTip(RECORD_TIP)
        #: the user's choice; None while the box follows the server's style (the default)
        self._record_choice: bool | None = config.record
        self.record.setChecked(config.recording)
        self.record.clicked.connect(self._record_clicked)
        self.tasks = TasksEditor(config.tasks, suggestions)
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
        form.addRow("", self.record)
        before = QLabel("&Before start:")
        before.setBuddy(self.tasks.list)
        form.addRow(before, self.tasks)
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
        self.workers.valueChanged.connect(self._sync_record)
        self.profile.currentTextChanged.connect(self._sync_record)
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
        self._sync_record()

    def _record_clicked(self, checked: bool) -> None:
        self._record_choice = checked

    def _sync_record(self) -> None:
        """Untouched, the box shows the default for the server as the form describes it."""
        if self._record_choice is None:
            self.record.setChecked(self._record_default())

    def _record_default(self) -> bool:
        try:
            return records_by_default(self._build(None))
        except ConfigError:  # a form the config refuses (an empty name): judge its style
            pass
        try:
            style = LaunchConfig(
                "style",
                self.profile.currentText() or "-",
                self.kind.currentData(),
                reload=self.reload.isChecked(),
                workers=self.workers.value(),
            )
        except ConfigError:  # in between two consistent states: leave the box as it is
            return self.record.isChecked()
        return records_by_default(style)

    def config(self) -> LaunchConfig:
        """The config the form describes; raises ConfigError naming the field. Recording
        stays "the default for its style" (None) until the box is clicked."""
        return self._build(self._record_choice)

    def _build(self, record: bool | None) -> LaunchConfig:
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
            tasks=self.tasks.tasks(),
            record=record,
        )

    def accept(self) -> None:
        try:
            self.result_config = self.config()
        except ConfigError as exc:
            self.error.show_message(str(exc))
            return
        super().accept()
