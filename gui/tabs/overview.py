"""Overview tab: what asgideck found in the project, and what its checks say."""

from __future__ import annotations

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
from asgideck.gui.core.widgets import Banner, muted, section_title
from asgideck.runtime.inspect import ProjectSession, Validation

SEVERITY_ICONS = {
    "error": "x-circle",
    "warning": "alert-triangle",
    "info": "info",
    "ok": "check-circle",
}


class OverviewView(QWidget):
    recheck_requested = Signal()

    def __init__(self, session: ProjectSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        project = session.project

        self.app_banner = Banner()
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
        layout.addWidget(self.profile_banner)
        layout.addWidget(section_title("Project"))
        layout.addLayout(facts)
        layout.addLayout(head)
        layout.addWidget(self.status)
        layout.addWidget(self.results, 1)
        self._show_project(project.root)
        session.profile_changed.connect(self._on_profile_changed)
        self._on_profile_changed(session.profile)

    def _fact(self, form: QFormLayout, name: str, text: str) -> QLabel:
        label = QLabel(text)
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        form.addRow(f"{name}:", label)
        return label

    def _show_project(self, root: Path) -> None:
        project = self.session.project
        if project.app is not None:
            kind = " (factory)" if project.app.factory else ""
            self.app_label.setText(
                f"<b>{project.app.import_string}</b>{kind} — {project.app.reason}"
            )
            self.app_banner.clear_message()
        else:
            self.app_label.setText("<i>none found</i>")
            self.app_banner.show_message(project.app_error or "No ASGI app was found.", "error")
        interp = project.interpreter
        self.interpreter_label.setText(f"<code>{interp.path}</code> — {interp.reason}")
        files = ", ".join(str(p.relative_to(root)) for p in project.env_files) or "none"
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

    def detach(self) -> None:
        """Stop listening to the session (the window is switching project or closing)."""
        self.session.profile_changed.disconnect(self._on_profile_changed)


SEVERITY_ORDER = ("ok", "info", "warning", "error")


def _worst(severities: Iterable[str]) -> str:
    return max(severities, key=SEVERITY_ORDER.index, default="ok")
