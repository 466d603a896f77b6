"""Overview tab: what asgideck found in the project, and what its checks say.

When the project's interpreter cannot import the app for a missing module, it says
which module and offers the install command the project's own files imply
(``install_requested`` carries the plan; the window runs it and re-checks).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from asgideck.gui.core import theme
from asgideck.gui.core.paths import shown_path
from asgideck.gui.core.widgets import Banner, combo_box, muted, section_title
from asgideck.gui.tabs.app_picker import SHORTCUT as CHOOSE_APP_KEY
from asgideck.gui.tabs.app_picker import AppChoiceBanner, app_place, chooses_app
from asgideck.runtime.inspect import Inspection, ProjectSession, Snapshot, Validation
from asgideck.runtime.project import InstallPlan, MissingModule, diagnose_missing

SEVERITY_ICONS = {
    "error": "x-circle",
    "warning": "alert-triangle",
    "info": "info",
    "ok": "check-circle",
}


class OverviewView(QWidget):
    recheck_requested = Signal()
    #: the user accepted an install command for a missing module
    install_requested = Signal(object)
    #: the user wants to pick another interpreter
    choose_interpreter_requested = Signal()
    #: the user wants to pick one of several apps
    choose_app_requested = Signal()

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        project = session.project

        self.app_banner = Banner()
        self.app_choice = AppChoiceBanner()
        self.app_choice.requested.connect(self.choose_app_requested)
        self.interpreter_banner = Banner()
        self.missing = self._build_missing()
        self.missing_module: MissingModule | None = None
        self.inspection: Inspection | None = None
        self.profile_banner = Banner()
        facts = QFormLayout()
        facts.setLabelAlignment(Qt.AlignmentFlag.AlignRight)
        self.app_label = self._fact(facts, "App", "")
        self.interpreter_label = self._fact(facts, "Interpreter", "")
        self.env_label = self._fact(facts, "Env files", "")
        self.profiles_label = self._fact(facts, "Profiles", "")

        self.results = QTreeWidget()
        self.results.setObjectName("CheckResults")
        self.results.setHeaderLabels(["Check", "Details"])
        self.results.setRootIsDecorated(True)
        self.results.setAlternatingRowColors(True)
        self.results.setUniformRowHeights(True)
        self.results.setColumnWidth(0, 320)

        self.busy = QProgressBar()
        self.busy.setRange(0, 0)
        self.busy.setMaximumWidth(140)
        self.busy.setTextVisible(False)
        self.busy.hide()
        self.status = muted("")
        self.recheck = QPushButton(theme.icon("refresh"), "Re-check")
        self.recheck.setToolTip("Validate the profile again (Ctrl+Shift+V)")
        self.recheck.clicked.connect(self.recheck_requested)

        head = QHBoxLayout()
        head.addWidget(section_title("Settings validation and production readiness"))
        head.addStretch(1)
        head.addWidget(self.busy)
        head.addWidget(self.recheck)

        layout = QVBoxLayout(self)
        layout.addWidget(self.app_banner)
        layout.addWidget(self.app_choice)
        layout.addWidget(self.interpreter_banner)
        layout.addWidget(self.missing)
        layout.addWidget(self.profile_banner)
        layout.addWidget(section_title("Project"))
        layout.addLayout(facts)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self._show_project(project.root)
        session.profile_changed.connect(self._on_profile_changed)
        self._on_profile_changed(session.profile)

    def _build_missing(self) -> QWidget:
        """The missing-module box: what is missing, the command, Install."""
        box = QWidget()
        box.setObjectName("MissingDependency")
        self.missing_banner = Banner()
        self.plan_combo = combo_box()
        self.plan_combo.setToolTip("The install commands the project's files imply")
        self.plan_combo.currentIndexChanged.connect(self._on_plan_picked)
        self.install_button = QPushButton(theme.icon("play"), "Install…")
        self.install_button.setToolTip("Run the command with live output; Cancel stops it")
        self.install_button.clicked.connect(self.request_install)
        self.choose_button = QPushButton("Choose interpreter…")
        self.choose_button.setToolTip("Use another interpreter for this project (Ctrl+I)")
        self.choose_button.clicked.connect(self.choose_interpreter_requested)
        self.plan_note = muted("")
        row = QHBoxLayout()
        row.addWidget(self.plan_combo, 1)
        row.addWidget(self.install_button)
        row.addWidget(self.choose_button)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.missing_banner)
        layout.addLayout(row)
        layout.addWidget(self.plan_note)
        box.hide()
        return box

    def watch(self, inspection: Inspection) -> None:
        """Show what the app's inspection says is missing (until :meth:`detach`)."""
        self.inspection = inspection
        inspection.changed.connect(self.show_inspection)
        self.show_inspection(inspection.snapshot)

    def show_inspection(self, snapshot: Snapshot) -> None:
        info = snapshot.info
        text = "\n".join(
            f"{e.type}: {e.message}\n{e.traceback}" for e in (info.errors if info else ())
        )
        self.show_missing(diagnose_missing(self.session.project, text) if text else None)

    def show_missing(self, missing: MissingModule | None) -> None:
        """Show (or hide, for None) the missing module and the commands that install it."""
        self.missing_module = missing
        if missing is None:
            self.missing.hide()
            return
        interp = missing.interpreter
        which = interp.label or str(interp.path)
        self.missing_banner.show_message(
            f"The app cannot be imported: the project's interpreter ({which}) has no module "
            f"<b>{missing.module}</b>.<br>{missing.message}",
            "error",
        )
        self.plan_combo.blockSignals(True)
        self.plan_combo.clear()
        for plan in missing.plans:
            self.plan_combo.addItem(f"{plan.shell_line}   ({plan.why})", plan)
        self.plan_combo.blockSignals(False)
        self.plan_combo.setVisible(bool(missing.plans))
        self.install_button.setVisible(bool(missing.plans))
        self.missing.show()
        self._on_plan_picked(0)

    def selected_plan(self) -> InstallPlan | None:
        plan = self.plan_combo.currentData()
        return plan if isinstance(plan, InstallPlan) else None

    def _on_plan_picked(self, _index: int) -> None:
        plan = self.selected_plan()
        self.install_button.setEnabled(plan is not None and not plan.unavailable)
        self.plan_note.setText(plan.unavailable if plan is not None else "")

    def request_install(self) -> None:
        plan = self.selected_plan()
        if plan is not None and not plan.unavailable:
            self.install_requested.emit(plan)

    def _fact(self, form: QFormLayout, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(f"{name}:", label)
        return label

    def _show_project(self, root: Path) -> None:
        project = self.session.project
        waiting = self.app_choice.show_for(project)  # several apps, none chosen yet
        if project.app is not None:
            kind = " (factory)" if project.app.factory else ""
            change = (
                f" ({app_place(project.app)}; File → Choose App…, {CHOOSE_APP_KEY})"
                if chooses_app(project)
                else ""
            )
            self.app_label.setText(
                f"<b>{project.app.import_string}</b>{kind} — {project.app.reason}{change}"
            )
            self.app_banner.clear_message()
        elif waiting:
            self.app_label.setText("<i>none chosen yet</i>")
            self.app_banner.clear_message()
        else:
            self.app_label.setText("<i>none found</i>")
            self.app_banner.show_message(project.app_error or "No ASGI app was found.", "error")
        interp = project.interpreter
        self.interpreter_label.setText(
            f"<b>{interp.label or interp.path.name}</b> <code>{shown_path(interp.path)}</code> — "
            f"{interp.reason}"
        )
        if interp.fallback:
            self.interpreter_banner.show_message(
                f"{interp.reason}. File → Choose Interpreter… (Ctrl+I) picks the project's.",
                "warning",
            )
        else:
            self.interpreter_banner.clear_message()
        files = ", ".join(os.path.relpath(p, root) for p in project.env_files) or "none"  # ../.env
        self.env_label.setText(files)
        names = self.session.profile_names
        self.profiles_label.setText(", ".join(names) if names else "none (no .env files)")

    def _on_profile_changed(self, _profile: object) -> None:
        if self.session.profile_error:
            self.profile_banner.show_message(self.session.profile_error, "error")
        else:
            self.profile_banner.clear_message()
        self.results.clear()
        self.status.setText("")

    def set_busy(self, busy: bool) -> None:
        self.busy.setVisible(busy)
        self.recheck.setEnabled(not busy)
        if busy:
            self.status.setText("Running the project's settings classes in its own interpreter…")

    def show_validation(self, result: Validation) -> None:
        self.results.clear()
        report = result.settings
        settings_root = self._group(
            "Settings classes",
            ", ".join(f"{c.module}:{c.qualname}" for c in report.classes) or "none found",
            "ok" if report.ok else "error",
        )
        if report.error:
            self._child(settings_root, "error", "Could not run the settings classes", report.error)
        for issue in report.issues:
            self._child(
                settings_root,
                "error",
                issue.env_var,
                f"{issue.settings_class}.{issue.field}: {issue.message}",
            )
        if report.ok:
            self._child(settings_root, "ok", "Every field validates", f"profile {result.profile}")
        readiness = self._group(
            "Production readiness",
            f"{len(result.findings)} finding(s)",
            _worst(f.severity for f in result.findings),
        )
        for finding in result.findings:
            item = self._child(readiness, finding.severity, finding.key, finding.message)
            item.setToolTip(1, f"{finding.message}\n\nFix: {finding.fix}")
            fix = QTreeWidgetItem(item, ["fix", finding.fix])
            fix.setForeground(0, self.palette().placeholderText())
        if not result.findings:
            self._child(readiness, "ok", "Nothing to report", "")
        problems = self.session.profile.problems if self.session.profile else ()
        if problems:
            parse = self._group("Env file problems", f"{len(problems)} line(s) skipped", "warning")
            for problem in problems:
                self._child(parse, "warning", f"{problem.file.name}:{problem.line}", str(problem))
        self.results.expandAll()
        errors = sum(1 for f in result.findings if f.severity == "error") + len(report.issues)
        self.status.setText(
            f"Profile {result.profile}: {errors} error(s), "
            f"{sum(1 for f in result.findings if f.severity == 'warning')} warning(s)."
        )

    def show_validation_error(self, exc: Exception) -> None:
        self.results.clear()
        self.status.setText("")
        self._group("Validation failed", str(exc), "error")

    def _group(self, title: str, detail: str, severity: str) -> QTreeWidgetItem:
        item = QTreeWidgetItem(self.results, [title, detail])
        item.setIcon(0, theme.icon(SEVERITY_ICONS[severity]))
        font = item.font(0)
        font.setBold(True)
        item.setFont(0, font)
        return item

    def _child(
        self, parent: QTreeWidgetItem, severity: str, title: str, detail: str
    ) -> QTreeWidgetItem:
        item = QTreeWidgetItem(parent, [title, detail])
        item.setIcon(0, theme.icon(SEVERITY_ICONS.get(severity, "info")))
        item.setData(0, Qt.ItemDataRole.UserRole, severity)
        item.setToolTip(1, detail)
        return item

    def focus_main(self) -> None:
        """Shown: Install when a module is missing (the one thing to do), else the results
        (arrow keys walk the findings and their fixes)."""
        if self.missing.isVisible() and self.install_button.isEnabled():
            self.install_button.setFocus()
            return
        self.results.setFocus()
        first = self.results.topLevelItem(0)
        if self.results.currentItem() is None and first is not None:
            self.results.setCurrentItem(first)

    def detach(self) -> None:
        """Stop listening to the session (the window is switching project or closing)."""
        self.session.profile_changed.disconnect(self._on_profile_changed)
        if self.inspection is not None:
            self.inspection.changed.disconnect(self.show_inspection)
            self.inspection = None


SEVERITY_ORDER = ("ok", "info", "warning", "error")


def _worst(severities: Iterable[str]) -> str:
    return max(severities, key=SEVERITY_ORDER.index, default="ok")
