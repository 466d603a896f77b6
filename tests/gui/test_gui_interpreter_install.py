"""Done-means 3: a project whose venv lacks a dependency. The window names the missing
module and the install command; accepting runs it with live output and a busy bar
(a local wheel, no network), re-checks the project, and the server then starts."""

from __future__ import annotations

import base64
import hashlib
import sys
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest

from asgideck.runtime.servers import free_port
from support.projects import copy_project, make_venv

DEP = "fixture_missing_dep"


def build_wheel(folder: Path) -> Path:
    """A pure-Python wheel of ``fixture-missing-dep`` 1.0, written as pip would find it."""
    folder.mkdir(parents=True)
    dist = f"{DEP}-1.0.dist-info"
    files = {
        f"{DEP}.py": 'VERSION = "1.0"\n',
        f"{dist}/METADATA": "Metadata-Version: 2.1\nName: fixture-missing-dep\nVersion: 1.0\n",
        f"{dist}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: asgideck-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    record.append(f"{dist}/RECORD,,")
    files[f"{dist}/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{DEP}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return wheel


@pytest.mark.integration
def test_missing_dependency_is_installed_from_the_window_then_the_server_starts(
    make_window, tmp_path: Path, qtbot, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    root = copy_project("missing_dep", tmp_path)
    python = make_venv(root / ".venv", with_pip=True)
    wheels = build_wheel(tmp_path / "wheels").parent
    # pip reads these from the environment the install runs with: the local wheel only.
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    monkeypatch.setenv("PIP_DISABLE_PIP_VERSION_CHECK", "1")

    window = make_window(root)
    assert window.header.python_chip.text() == ".venv (project)"
    overview = window.overview
    qtbot.waitUntil(lambda: overview.missing_module is not None, timeout=60_000)
    assert overview.missing_module.module == DEP
    assert overview.missing.isVisibleTo(window)
    assert DEP in overview.missing_banner.text()
    plan = overview.selected_plan()
    assert plan is not None and plan.cwd == root.resolve()
    assert plan.command == f"{python} -m pip install -r requirements.txt"
    assert plan.command in overview.plan_combo.currentText()

    overview.install_button.click()
    dialog = window.install_dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.busy.isVisible() and dialog.cancel_button.isEnabled()
    with qtbot.waitSignal(window.loaded, timeout=180_000):  # the re-check after the install
        qtbot.waitUntil(lambda: dialog.exit_code is not None, timeout=180_000)
        assert dialog.exit_code == 0, dialog.output.toPlainText()
    output = dialog.output.toPlainText()
    assert output.startswith(f"$ cd {root.resolve()} && {plan.command}")
    assert "Successfully installed fixture-missing-dep-1.0" in output
    assert not dialog.busy.isVisible() and dialog.close_button.isEnabled()
    dialog.accept()

    # re-checked: the app imports now, and the new overview has nothing to install
    qtbot.waitUntil(lambda: window.inspection.snapshot.info is not None, timeout=60_000)
    info = window.inspection.snapshot.info
    assert info.ok, info.errors
    assert "/health" in {r.path for r in info.routes}
    assert window.overview.missing_module is None
    assert not window.overview.missing.isVisibleTo(window)

    manager, panel = window.manager, window.servers_panel
    manager.update(
        "development", replace(manager.server("development").config, port=free_port(), reload=False)
    )
    panel.rebuild()
    panel.select("development")
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of("development") == "running", timeout=60_000)


def test_cancel_ends_the_command_and_keeps_the_gui_responsive(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app
    from asgideck.gui.core.tasks import TaskRunner
    from asgideck.gui.tabs.install_dialog import InstallDialog
    from asgideck.runtime.inspect import CANCELLED
    from asgideck.runtime.project import InstallPlan

    make_app()
    runner = TaskRunner()
    code = "import time; print('resolving', flush=True); time.sleep(600)"
    plan = InstallPlan((sys.executable, "-c", code), tmp_path, "test")
    dialog = InstallDialog(plan, runner)
    qtbot.addWidget(dialog)
    dialog.start()
    # the line shows while the command runs: the GUI thread is not waiting on it
    qtbot.waitUntil(lambda: "resolving" in dialog.output.toPlainText(), timeout=30_000)
    assert dialog.running and dialog.busy.isVisible()
    with qtbot.waitSignal(dialog.finished_install, timeout=30_000) as finished:
        dialog.reject()  # Esc while it runs: cancel, do not just hide the dialog
        assert dialog.isVisible() and not dialog.cancel_button.isEnabled()
    assert finished.args == [CANCELLED]
    assert dialog.exit_code == CANCELLED and not dialog.running
    assert "Cancelled" in dialog.outcome.text()
    assert dialog.close_button.isEnabled()
    assert runner.wait(10_000)
    dialog.reject()
    assert not dialog.isVisible()
