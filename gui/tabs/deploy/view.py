"""Deploy tab: a target's production files for one server's settings and profile, each
previewed (coloured) or as a diff against the project's own file, written only when
ticked and confirmed, checked with the real tools beside the profile's readiness
(blocking findings first), and handed to docker compose / kubectl when installed.

Generation, checks, writes and the hand-off's start and stop run on the view's task
scope (never on the GUI thread); a newer Generate wins over an older one still in
flight. Run Scaled is ``ScaledRun``'s (``scaled.py``): the view starts and stops it and
shows its status line; the sidebar shows the same group as a row. The app's inspection
is kept per profile once made, so changing the target or the instances regenerates at
once; Generate (Ctrl+G) inspects again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import TaskRunner, present_error
from asgideck.gui.core.widgets import Banner, combo_box, muted, section_title, shortcut_action
from asgideck.gui.tabs.deploy.highlight import DeployHighlighter, syntax_for
from asgideck.gui.tabs.deploy.scaled import ScaledRun
from asgideck.runtime import deploy
from asgideck.runtime.deploy import (
    TARGETS,
    CheckResult,
    GeneratedFile,
    Handoff,
    HandoffRun,
    Target,
    WriteConflict,
)
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.inspect import AppInfo, Finding, inspect_project
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Project
from asgideck.runtime.servers import LaunchConfig, records_by_default

__all__ = ["TARGET_LABELS", "DeployView", "Generated"]

TARGET_LABELS: dict[str, str] = {
    "gunicorn": "gunicorn.conf.py",
    "docker": "Dockerfile",
    "compose": "Docker Compose",
    "nginx": "nginx (N instances)",
    "systemd": "systemd unit",
    "k8s": "Kubernetes",
}
GENERATE, CHECK, WRITE, HANDOFF = "generate", "check", "write", "handoff"
FLUSH_MS = 40  # the hand-off's output is appended in batches (never one call per line)
MAX_INSTANCES = 64
#: combos show this many characters at least and shrink to it: the sidebar keeps its width
COMBO_MIN_CHARS = 12
#: the server combo shows "production — gunicorn" at 900 px
SERVER_MIN_CHARS = 20
#: the check list shows about this many lines when the splitter opens
RESULT_LINES = 8
SCALED_PORTS_NOTE = (
    "Run Scaled starts the instances on free loopback ports; "
    "the preview shows the ports a deployment would use."
)
#: a file a hand-off reads that another target generates
GENERATED_BY = {"Dockerfile": "docker", "gunicorn.conf.py": "gunicorn", "k8s": "k8s"}


@dataclass(frozen=True)
class Generated:
    """One generation's result: the files, the hand-off of its target, what made it."""

    config: LaunchConfig
    target: Target
    instances: int
    files: list[GeneratedFile]
    handoff: Handoff | None
    app: AppInfo
    #: the files the hand-off reads that are not in the project yet
    absent: tuple[Path, ...] = ()


def _confirm_write(parent: QWidget, text: str) -> bool:
    answer = QMessageBox.question(
        parent,
        "Write files",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
        QMessageBox.StandardButton.Cancel,
    )
    return answer == QMessageBox.StandardButton.Yes


class DeployView(QWidget):
    """The Deploy tab of one project; ``servers`` gives its launch configs (read again
    each time the tab is shown), ``known_app`` an inspection already made for a profile."""

    def __init__(
        self,
        project: Project,
        servers: Callable[[], Sequence[LaunchConfig]],
        runner: TaskRunner,
        *,
        selected: str = "",
        known_app: Callable[[str], AppInfo | None] | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.project = project
        self._servers = servers
        self._known_app = known_app
        self.scope = runner.scope(self)
        #: asked before writing (a seam: tests answer it); gets the paths, says yes or no
        self.confirm: Callable[[list[str]], bool] = lambda names: _confirm_write(
            self, self.confirm_text(names)
        )
        self.generated: Generated | None = None
        self.results: list[CheckResult] = []
        self.findings: list[Finding] = []
        self._apps: dict[str, AppInfo] = {}
        self._run: HandoffRun | None = None
        self._pending: list[str] = []
        self._lock = threading.Lock()
        self._keep_banner = False  # the next generation leaves the banner's note (Wrote …)
        #: the scaled group (the page shows it in the sidebar too)
        self.scaled = ScaledRun(project, runner, self)
        self.scaled.changed.connect(self._on_scaled_changed)
        self.scaled.failed.connect(lambda exc: self._failed("run scaled")(exc))

        self.banner = Banner()
        self.target = combo_box()
        self.target.setObjectName("DeployTarget")
        for name in TARGETS:
            self.target.addItem(TARGET_LABELS.get(name, name), name)
        self.server = combo_box()
        self.server.setObjectName("DeployServer")
        for combo in (self.target, self.server):  # never as wide as the longest entry
            combo.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon
            )
            combo.setMinimumContentsLength(COMBO_MIN_CHARS)
        self.server.setMinimumContentsLength(SERVER_MIN_CHARS)
        self.instances = QSpinBox()
        self.instances.setRange(1, MAX_INSTANCES)
        self.instances.setPrefix("× ")
        self.instances.setToolTip("App instances (replicas) behind nginx / in the cluster")
        self.status = muted("")

        self.generate_action = self._action("&Generate", "Ctrl+G", self.generate, "refresh")
        self.diff_action = self._action("Show &Diff", "Ctrl+J", lambda: None, "compare")
        self.diff_action.setCheckable(True)
        self.diff_action.toggled.connect(lambda _on: self._show_current())
        self.write_action = self._action("&Write Ticked Files…", "Ctrl+S", self.write, "edit")
        self.check_action = self._action("&Check Files", "Ctrl+K", self.check, "shield")
        self.handoff_action = self._action(
            "Run with docker compose", "Ctrl+U", self.start_handoff, "play"
        )
        self.stop_action = self._action("Stop docker compose", "Ctrl+Shift+X", self.stop_handoff,
                                        "stop")  # fmt: skip
        self.scaled_action = self._action(
            "Run &Scaled", "Ctrl+Shift+K", self.toggle_scaled, "gauge"
        )

        top = QHBoxLayout()
        for label, widget in (("Target", self.target), ("Server", self.server)):
            caption = QLabel(label)
            caption.setBuddy(widget)
            top.addWidget(caption)
            top.addWidget(widget, 1)
        top.addWidget(QLabel("Instances"))
        top.addWidget(self.instances)
        top.addWidget(self._button(self.generate_action))

        self.files = QListWidget()
        self.files.setObjectName("DeployFiles")
        self.files.currentRowChanged.connect(lambda _row: self._show_current())
        self.preview = QPlainTextEdit()
        self.preview.setObjectName("DeployPreview")
        self.preview.setReadOnly(True)
        self.preview.setFont(theme.mono_font())
        self.preview.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.highlighter = DeployHighlighter(self.preview.document())
        self.notes = muted("")
        self.diff_box = QCheckBox("Diff against the project's file")
        self.diff_box.toggled.connect(self.diff_action.setChecked)
        self.diff_action.toggled.connect(self.diff_box.setChecked)

        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(section_title("Files (ticked ones are written)"))
        left_layout.addWidget(self.files, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.diff_box)
        right_layout.addWidget(self.preview, 1)
        right_layout.addWidget(self.notes)
        files_split = QSplitter(Qt.Orientation.Horizontal)
        files_split.addWidget(left)
        files_split.addWidget(right)
        files_split.setStretchFactor(1, 3)
        files_split.setSizes([220, 700])

        self.results_list = QListWidget()
        self.results_list.setObjectName("DeployResults")
        # long findings wrap (no sideways scrolling); each keeps its full text as tooltip
        self.results_list.setWordWrap(True)
        self.results_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results_list.setResizeMode(QListWidget.ResizeMode.Adjust)
        lines = self.results_list.fontMetrics().lineSpacing() * RESULT_LINES
        self.results_list.setMinimumHeight(lines // 2)
        self.output = QPlainTextEdit()
        self.output.setObjectName("DeployOutput")
        self.output.setReadOnly(True)
        self.output.setFont(theme.mono_font())
        self.output.setMaximumBlockCount(5000)
        self.output.hide()
        self.handoff_hint = muted("")
        self.handoff_hint.setWordWrap(True)
        self.handoff_hint.hide()
        #: why the hand-off's button is off (the engine is not installed), beside it
        self.handoff_reason = muted("")
        self.handoff_reason.setObjectName("DeployHandoffReason")
        self.handoff_reason.setWordWrap(True)
        self.handoff_reason.hide()
        self.scaled_status = muted("")
        self.scaled_status.hide()

        actions_row = QHBoxLayout()
        self.write_button = self._button(self.write_action)
        self.check_button = self._button(self.check_action)
        self.handoff_button = self._button(self.handoff_action)
        self.stop_button = self._button(self.stop_action)
        self.scaled_button = self._button(self.scaled_action)
        for button in (self.write_button, self.check_button, self.handoff_button):
            actions_row.addWidget(button)
        actions_row.addWidget(self.stop_button)
        actions_row.addWidget(self.handoff_reason, 1)
        actions_row.addWidget(self.scaled_button)
        actions_row.addStretch(0)

        bottom = QWidget()
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.setContentsMargins(0, 0, 0, 0)
        bottom_layout.addLayout(actions_row)
        bottom_layout.addWidget(self.handoff_hint)
        bottom_layout.addWidget(self.scaled_status)
        bottom_layout.addWidget(section_title("Checks and readiness"))
        bottom_layout.addWidget(self.results_list, 1)
        bottom_layout.addWidget(self.output, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        split.addWidget(files_split)
        split.addWidget(bottom)
        split.setStretchFactor(0, 1)
        split.setStretchFactor(1, 1)
        split.setSizes([1, 1])  # half each: the check list shows ~8 lines at 1180x740
        self.split = split

        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(split, 1)

        self.flush_timer = QTimer(self)
        self.flush_timer.setInterval(FLUSH_MS)
        self.flush_timer.timeout.connect(self._flush_output)

        self.fill_servers(selected, prefer_production=True)
        self.target.setCurrentIndex(TARGETS.index("compose"))
        self.target.currentIndexChanged.connect(lambda _i: self.generate(reinspect=False))
        self.server.currentIndexChanged.connect(lambda _i: self.generate(reinspect=False))
        self.instances.valueChanged.connect(lambda _v: self.generate(reinspect=False))
        self._update_actions()

    # ------------------------------------------------------------------ conventions
    def _action(
        self, text: str, shortcut: str, slot: Callable[[], object], icon: str | None
    ) -> QAction:
        return shortcut_action(self, text, shortcut, slot, icon=icon)

    def _button(self, action: QAction) -> QPushButton:
        """A push button that follows ``action`` (text, enabled, tooltip) and triggers it."""
        button = QPushButton(action.text().replace("&", ""))
        button.setIcon(action.icon())
        shortcut = action.shortcut().toString()

        refocus = False

        def sync() -> None:
            nonlocal refocus
            button.setText(action.text().replace("&", ""))
            enabled = action.isEnabled()
            if not enabled and button.isEnabled() and button.hasFocus():
                # Qt would pass the focus to the next button (Run Scaled): the results
                # list holds it while this button is off, and gives it back after
                self.results_list.setFocus(Qt.FocusReason.OtherFocusReason)
                refocus = True
            button.setEnabled(enabled)
            if enabled and refocus:
                refocus = False
                if self.results_list.hasFocus():
                    button.setFocus(Qt.FocusReason.OtherFocusReason)
            tip = action.toolTip()
            button.setToolTip(f"{tip} ({shortcut})" if shortcut and tip else tip)

        action.changed.connect(sync)
        button.clicked.connect(lambda: action.trigger())
        sync()
        return button

    def actions(self) -> list[QAction]:
        return [
            self.generate_action,
            self.diff_action,
            self.write_action,
            self.check_action,
            self.handoff_action,
            self.stop_action,
            self.scaled_action,
        ]

    def focus_main(self) -> None:
        """The file list takes the keyboard (arrows pick a file, Space ticks it)."""
        if self.files.currentRow() < 0 and self.files.count():
            self.files.setCurrentRow(0)
        self.files.setFocus(Qt.FocusReason.OtherFocusReason)

    def detach(self) -> None:
        """The page closes: drop what is in flight, end a hand-off, and start stopping a
        scaled group on its own thread (the page waits for it: ``scaled.wait_closed``)."""
        self.scope.close()
        self.flush_timer.stop()
        self.scaled.close()
        run, self._run = self._run, None
        if run is not None and run.running:
            run.cancel(grace=2.0)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.fill_servers(self.server.currentData() or "")
        if self.generated is None and not self.scope.pending(GENERATE):
            self.generate(reinspect=False)

    # ------------------------------------------------------------------ choices
    def fill_servers(self, selected: str = "", *, prefer_production: bool = False) -> None:
        """List the project's servers again, keeping (or choosing) ``selected``; with
        ``prefer_production`` (the tab opens) a production-style server comes first."""
        configs = list(self._servers())
        names = [c.name for c in configs]
        if prefer_production:
            selected = self._production_name(configs, selected)
        if names == [self.server.itemData(i) for i in range(self.server.count())]:
            if selected in names:
                self.server.setCurrentIndex(names.index(selected))
            return
        blocked = self.server.blockSignals(True)
        try:
            self.server.clear()
            for config in configs:
                # short enough to read at 900 px; the whole description is its tooltip
                self.server.addItem(f"{config.name} — {config.kind} :{config.port}", config.name)
                self.server.setItemData(
                    self.server.count() - 1, config.describe(), Qt.ItemDataRole.ToolTipRole
                )
            index = names.index(selected) if selected in names else self._production_index(configs)
            self.server.setCurrentIndex(index)
        finally:
            self.server.blockSignals(blocked)

    @staticmethod
    def _production_index(configs: Sequence[LaunchConfig]) -> int:
        for index, config in enumerate(configs):
            if "prod" in config.profile.lower():
                return index
        return 0 if configs else -1

    @staticmethod
    def _production_name(configs: Sequence[LaunchConfig], selected: str) -> str:
        """``selected`` if it is production-style (gunicorn, workers, a production
        profile: what records_by_default leaves unrecorded), else the first such server,
        else ``selected``: one ships production, not the auto-reload dev server."""
        styled = [c.name for c in configs if not records_by_default(c)]
        if selected in styled or not styled:
            return selected
        return styled[0]

    def config(self) -> LaunchConfig | None:
        name = self.server.currentData()
        return next((c for c in self._servers() if c.name == name), None)

    def target_name(self) -> Target:
        return TARGETS[max(self.target.currentIndex(), 0)]

    def select(
        self, *, target: str | None = None, server: str | None = None, instances: int | None = None
    ) -> None:
        """Choose the target, server and instances at once (one generation follows)."""
        widgets = (self.target, self.server, self.instances)
        blocked = [w.blockSignals(True) for w in widgets]
        try:
            if target is not None:
                self.target.setCurrentIndex(self.target.findData(target))
            if server is not None:
                self.fill_servers(server)
            if instances is not None:
                self.instances.setValue(instances)
        finally:
            for widget, was in zip(widgets, blocked, strict=True):
                widget.blockSignals(was)
        self.generate(reinspect=False)

    # ------------------------------------------------------------------ generate
    def generate(self, reinspect: bool = True) -> None:
        """Generate the chosen target's files off the GUI thread (a newer run wins);
        ``reinspect``: inspect the app again rather than use the inspection kept."""
        config = self.config()
        if config is None:
            self.banner.show_message("The project has no server: add one to deploy it", "info")
            return
        target, instances, project = self.target_name(), self.instances.value(), self.project
        app = None if reinspect else self._apps.get(config.profile)
        if app is None and not reinspect and self._known_app is not None:
            app = self._known_app(config.profile)

        def op() -> Generated:
            profile = load_profile(project.root, config.profile)
            info = app if app is not None else inspect_project(project, profile)
            plan = deploy.plan_deploy(project, profile, config, instances, app=info)
            files = deploy.render(plan, target)
            handoff = deploy.handoff(target, project.root, instances, profile=profile)
            absent = tuple(handoff.absent()) if handoff is not None else ()
            return Generated(config, target, instances, files, handoff, info, absent)

        self.status.setText(f"Generating {TARGET_LABELS[target]} for {config.name}…")
        self.scope.run(op, self._on_generated, key=GENERATE, failed=self._failed(GENERATE))
        self._update_actions()

    def _on_generated(self, result: Generated) -> None:
        if not self._keep_banner:
            self.banner.clear_message()
        self._keep_banner = False
        self._apps[result.config.profile] = result.app
        previous = self.generated
        ticked = (
            self.ticked() if previous is not None and previous.target == result.target else None
        )
        current = self.files.currentRow()
        self.generated = result
        self.results, self.findings = [], []
        self.results_list.clear()
        blocked = self.files.blockSignals(True)
        try:
            self.files.clear()
            for file in result.files:
                name = file.path.as_posix()
                state = "new" if file.existing is None else "changed" if file.changed else "same"
                item = QListWidgetItem(f"{name}  ({state})")
                item.setData(Qt.ItemDataRole.UserRole, name)
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                # new files ticked; the project's own files that would change are not
                # (Write must not replace a hand-written file unless asked)
                new = file.existing is None
                wanted = new if ticked is None else name in ticked and file.changed
                item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)
                if file.notes:
                    item.setToolTip("\n".join(file.notes))
                    item.setIcon(theme.icon("alert-triangle"))
                self.files.addItem(item)
        finally:
            self.files.blockSignals(blocked)
        self.files.setCurrentRow(min(max(current, 0), self.files.count() - 1))
        self._show_current()
        count = len(result.files)
        self.status.setText(
            f"{TARGET_LABELS[result.target]} for {result.config.name} "
            f"(profile {result.config.profile}, {result.instances} "
            f"instance{'s' if result.instances != 1 else ''}): {count} "
            f"file{'s' if count != 1 else ''}"
        )
        self._show_handoff(result.handoff, result.absent)
        self._update_actions()

    def _failed(self, what: str) -> Callable[[Exception], None]:
        def failed(exc: Exception) -> None:
            if not isinstance(exc, AsgideckError):
                present_error(exc)  # a bug, shown as one
            else:
                self.banner.show_message(f"{what.capitalize()}: {exc}", "error")
            self.status.setText("")
            self._update_actions()

        return failed

    # ------------------------------------------------------------------ preview
    def file_names(self) -> list[str]:
        return [
            str(self.files.item(i).data(Qt.ItemDataRole.UserRole))
            for i in range(self.files.count())
        ]

    def ticked(self) -> list[str]:
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in (self.files.item(i) for i in range(self.files.count()))
            if item.checkState() == Qt.CheckState.Checked
        ]

    def set_ticked(self, names: Sequence[str]) -> None:
        for index in range(self.files.count()):
            item = self.files.item(index)
            wanted = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if wanted else Qt.CheckState.Unchecked)

    def current_file(self) -> GeneratedFile | None:
        row = self.files.currentRow()
        if self.generated is None or not 0 <= row < len(self.generated.files):
            return None
        return self.generated.files[row]

    def select_file(self, name: str) -> None:
        if name in self.file_names():
            self.files.setCurrentRow(self.file_names().index(name))

    def _show_current(self) -> None:
        file = self.current_file()
        if file is None:
            self.preview.setPlainText("")
            self.notes.setText("")
            return
        if self.diff_action.isChecked():
            text = file.diff() or f"{file.path.as_posix()}: the project's file is the same"
            self.highlighter.set_syntax("diff")
        else:
            text = file.text
            self.highlighter.set_syntax(syntax_for(file.kind))
        self.preview.setPlainText(text)
        notes = list(file.notes)
        if file.kind == "nginx" and self.generated is not None and self.generated.target == "nginx":
            notes.append(SCALED_PORTS_NOTE)
        self.notes.setText("\n".join(f"• {note}" for note in notes))

    # ------------------------------------------------------------------ write
    def write(self) -> None:
        """Write the ticked files after a confirmation naming them (off the GUI thread)."""
        generated = self.generated
        names = self.ticked()
        if generated is None or not names:
            self.banner.show_message("Tick the files to write first", "info")
            return
        if not self.confirm(names):
            return
        files, root = generated.files, self.project.root
        self.scope.run(
            lambda: deploy.write(files, root, names),
            self._on_written,
            key=WRITE,
            failed=self._on_write_failed,
        )
        self._update_actions()

    def confirm_text(self, names: Sequence[str]) -> str:
        """The Write confirmation: the files (a project file it replaces says so) and
        the blocking readiness findings of the last check, if any."""
        existing = {
            f.path.as_posix()
            for f in (self.generated.files if self.generated is not None else [])
            if f.existing is not None
        }
        lines = [f"{n}  (replaces the project's file)" if n in existing else n for n in names]
        text = "Write these files into the project?\n\n" + "\n".join(lines)
        blocking = [f for f in self.findings if deploy.blocking(f)]
        if blocking:
            count = len(blocking)
            text += (
                f"\n\nThe last check found {count} blocking finding{'s' if count != 1 else ''}"
                " (fix before deploying):\n"
                + "\n".join(f"✗ {f.key}: {f.message}" for f in blocking)
            )
        return text

    def _on_written(self, written: list[Path]) -> None:
        shown = ", ".join(p.as_posix() for p in written) or "nothing (the files were the same)"
        self.banner.show_message(f"Wrote {shown}", "info")
        self._keep_banner = True  # the regeneration that follows keeps saying so
        self.generate(reinspect=False)  # their diffs are empty now

    def _on_write_failed(self, exc: Exception) -> None:
        if isinstance(exc, WriteConflict):
            self.banner.show_message(str(exc), "error")
            self._update_actions()
            return
        self._failed(WRITE)(exc)

    # ------------------------------------------------------------------ check
    def check(self) -> None:
        """Run the real checks and the profile's readiness off the GUI thread."""
        generated = self.generated
        if generated is None:
            return
        project, config = self.project, generated.config
        files = generated.files

        def op() -> tuple[list[CheckResult], list[Finding]]:
            profile = load_profile(project.root, config.profile)
            return deploy.check(files, project, profile), deploy.readiness(project, profile, config)

        self.results_list.clear()
        self.results_list.addItem("Checking…")
        self.scope.run(op, self._on_checked, key=CHECK, failed=self._failed(CHECK))
        self._update_actions()

    def _on_checked(self, outcome: tuple[list[CheckResult], list[Finding]]) -> None:
        self.results, self.findings = outcome
        self.results_list.clear()
        red = QBrush(QColor(theme.SEVERITY_COLOURS["error"]))
        green = QBrush(QColor(theme.SEVERITY_COLOURS["ok"]))
        amber = QBrush(QColor(theme.SEVERITY_COLOURS["warning"]))
        findings = sorted(self.findings, key=lambda f: not deploy.blocking(f))
        for finding in (f for f in findings if deploy.blocking(f)):
            self._result(f"✗ BLOCKING  {finding.key}: {finding.message}", finding.fix, red)
        for result in self.results:
            mark = "✓" if result.ok else "✗"
            text = (
                f"{mark} {result.path.as_posix()}: {result.tool}: {'ok' if result.ok else 'FAILED'}"
            )
            self._result(text, result.output, green if result.ok else red)
        for finding in (f for f in findings if not deploy.blocking(f)):
            label = finding.severity.upper()
            self._result(f"! {label}  {finding.key}: {finding.message}", finding.fix, amber)
        failed = sum(not r.ok for r in self.results)
        blocking = sum(deploy.blocking(f) for f in self.findings)
        self.status.setText(
            f"Checked {len(self.results)} file{'s' if len(self.results) != 1 else ''}: "
            f"{failed} failed, {blocking} blocking finding{'s' if blocking != 1 else ''}"
        )
        self._update_actions()

    def _result(self, text: str, tip: str, brush: QBrush) -> None:
        """One line, one marker (its text glyph ✗ ✓ !, no icon); it wraps, and its
        tooltip repeats it with the fix or the tool's output."""
        item = QListWidgetItem(text)
        item.setForeground(brush)
        item.setToolTip("\n\n".join(t for t in (text, tip.strip()) if t))
        self.results_list.addItem(item)

    def result_texts(self) -> list[str]:
        return [self.results_list.item(i).text() for i in range(self.results_list.count())]

    # ------------------------------------------------------------------ hand-off
    def _show_handoff(self, handoff: Handoff | None, absent: Sequence[Path] = ()) -> None:
        """The hand-off's buttons in plain words (Run with docker compose / Stop docker
        compose), the command and what to write first, or why it cannot run, on screen."""
        self.handoff_button.setVisible(handoff is not None)
        self.stop_button.setVisible(handoff is not None)
        self.handoff_reason.setText("")
        self.handoff_reason.hide()
        self.handoff_hint.setText("")
        self.handoff_hint.hide()
        if handoff is None:
            return
        self.handoff_action.setText(handoff.label)
        engine = handoff.label.removeprefix("Run with ").split(" apply")[0]
        self.stop_action.setText(f"Stop {engine}")
        if not handoff.available:
            self.handoff_action.setToolTip(handoff.missing)
            self.handoff_reason.setText(handoff.missing)
            self.handoff_reason.show()
            return
        self.handoff_action.setToolTip(f"Runs {handoff.command()} in the project's folder")
        ours = set(self.file_names())
        here = [p.as_posix() for p in absent if p.as_posix() in ours]
        first = [f"Write {', '.join(here)} first: the command runs the project's files."] * bool(
            here
        )
        for name in (p.as_posix() for p in absent if p.as_posix() not in ours):
            other = GENERATED_BY.get(name.split("/")[0])
            where = (
                f"switch Target to {TARGET_LABELS[other]} to generate it"
                if other is not None
                else "add it to the project"
            )
            first.append(f"{name} is needed too and is not among these files: {where}.")
        lines = [f"$ {handoff.command()}", *first, *handoff.notes]
        self.handoff_hint.setText("\n".join(lines))
        self.handoff_hint.show()

    def start_handoff(self) -> None:
        """Run the target's engine command, streaming its output below."""
        generated = self.generated
        handoff = generated.handoff if generated is not None else None
        if handoff is None or (self._run is not None and self._run.running):
            return
        if not handoff.available:
            self.banner.show_message(handoff.missing, "warning")
            return
        self.output.clear()
        self.output.show()
        with self._lock:
            self._pending = [f"$ {handoff.command()}"]
        self.scope.run(
            lambda: handoff.start(self._queue_line),
            self._on_handoff_started,
            key=HANDOFF,
            failed=self._on_handoff_failed,
        )
        self.flush_timer.start()
        self._update_actions()

    def _queue_line(self, line: str) -> None:  # a reader thread
        with self._lock:
            self._pending.append(line)

    def _flush_output(self) -> None:
        """Append the lines read since the last flush as one batch; once the command
        ended (its output all delivered first), say how."""
        run = self._run
        ended = run is not None and not run.running
        with self._lock:
            lines, self._pending = self._pending, []
        if ended and run is not None:
            lines.append("— stopped" if run.cancelled else f"— exited with code {run.returncode}")
            self._run = None
            self.flush_timer.stop()
        if lines:
            self.output.appendPlainText("\n".join(lines))
        if ended:
            self._update_actions()

    def _on_handoff_started(self, run: HandoffRun) -> None:
        self._run = run
        self._update_actions()

    def _on_handoff_failed(self, exc: Exception) -> None:
        self.flush_timer.stop()
        self._flush_output()
        self._failed("hand-off")(exc)

    def stop_handoff(self) -> None:
        run = self._run
        if run is None or not run.running:
            return
        self.output.appendPlainText("— stopping…")
        self.scope.run(run.cancel, lambda _result: None, key="handoff-stop")
        self.stop_action.setEnabled(False)

    def handoff_output(self) -> str:
        self._flush_output()
        return self.output.toPlainText()

    @property
    def handoff_running(self) -> bool:
        return self._run is not None and self._run.running

    # ------------------------------------------------------------------ run scaled
    def toggle_scaled(self) -> None:
        """Start N instances behind a real nginx with the generated upstream, or stop them."""
        if self.scaled.active:
            self.scaled.stop()
            return
        config = self.config()
        if config is not None:
            self.scaled.start(config, self.instances.value())

    def _on_scaled_changed(self) -> None:
        text = self.scaled.status_text()
        self.scaled_status.setText(text)
        self.scaled_status.setVisible(bool(text))
        self._update_actions()

    # ------------------------------------------------------------------ state
    def _update_actions(self) -> None:
        generated = self.generated
        busy = self.scope.pending(GENERATE)
        self.generate_action.setEnabled(self.server.count() > 0)
        self.write_action.setEnabled(
            generated is not None and not busy and not self.scope.pending(WRITE)
        )
        self.check_action.setEnabled(
            generated is not None and not busy and not self.scope.pending(CHECK)
        )
        handoff = generated.handoff if generated is not None else None
        running = self.handoff_running or self.scope.pending(HANDOFF)
        absent = generated.absent if generated is not None else ()
        self.handoff_action.setEnabled(
            handoff is not None and handoff.available and not absent and not running and not busy
        )
        self.stop_action.setEnabled(self.handoff_running)
        on = self.scaled.active
        self.scaled_action.setText("Stop &Scaled" if on else "Run &Scaled")
        self.scaled_action.setToolTip(
            "Stop the instances and nginx" if on else
            "Start N instances on free loopback ports behind a real nginx"
        )  # fmt: skip
        self.scaled_action.setEnabled(self.server.count() > 0 and not self.scaled.stopping)
