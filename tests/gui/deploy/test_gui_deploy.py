"""Deploy tab on a copy of sample_app: the target's files listed and previewed, the diff
against the project's own file, Write writing only the ticked files after a confirmation
naming them and refusing a file changed since the preview (one line), Check listing the
real tools' results with the blocking readiness findings first; the work runs off the
GUI thread; the tab takes the keyboard on its file list (Ctrl+0 brings it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QKeySequence
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication

from asgideck.gui.core import theme
from asgideck.gui.core.tasks import TaskRunner
from asgideck.gui.tabs.deploy.view import DeployView
from asgideck.runtime.deploy import Handoff
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import default_configs

pytestmark = pytest.mark.integration

TIMEOUT_MS = 60_000
ECHO = """#!/bin/sh
echo "args: $*"
echo "from the fake engine"
"""


@pytest.fixture
def deploy_view(qtbot, project_copy: Path) -> Iterator[DeployView]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    project = open_project(project_copy)
    configs = default_configs(project.profiles)
    runner = TaskRunner()
    view = DeployView(project, lambda: configs, runner, selected="production")
    qtbot.addWidget(view)
    view.resize(1000, 700)
    yield view
    view.detach()
    assert runner.wait(60_000), "a background job outlived the test"


def _generated(qtbot, view: DeployView, target: str, **choice: object) -> None:  # type: ignore[no-untyped-def]
    view.select(target=target, **choice)  # type: ignore[arg-type]
    qtbot.waitUntil(
        lambda: (
            view.generated is not None
            and view.generated.target == target
            and not view.scope.pending("generate")
        ),
        timeout=TIMEOUT_MS,
    )


def test_generates_previews_diffs_and_writes_only_the_ticked_files(
    qtbot, deploy_view: DeployView, project_copy: Path
) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view
    # Off the GUI thread: Generate returns at once, its result lands later.
    view.generate()
    assert view.scope.pending("generate") and view.generated is None
    _generated(qtbot, view, "compose", instances=3)
    assert view.file_names() == ["compose.yaml", "nginx.compose.conf"]
    assert view.ticked() == ["compose.yaml", "nginx.compose.conf"]  # new files: ticked
    assert "replicas: 3" in view.preview.toPlainText()
    assert view.highlighter.syntax == "yaml"
    view.select_file("nginx.compose.conf")
    assert view.highlighter.syntax == "nginx" and "least_conn;" in view.preview.toPlainText()

    # sample_app has its own gunicorn.conf.py: the diff is against it
    _generated(qtbot, view, "gunicorn")
    assert view.file_names() == ["gunicorn.conf.py"]
    # the project's own file that would change is left unticked (new files are ticked)
    assert "gunicorn.conf.py  (changed)" in view.files.item(0).text()
    assert view.ticked() == []
    assert "gunicorn.conf.py  (replaces the project's file)" in view.confirm_text(
        ["gunicorn.conf.py"]
    )
    view.diff_action.setChecked(True)
    diff = view.preview.toPlainText()
    assert diff.startswith("--- a/gunicorn.conf.py\n+++ b/gunicorn.conf.py\n")
    assert view.highlighter.syntax == "diff" and view.diff_box.isChecked()
    view.diff_action.setChecked(False)
    assert view.highlighter.syntax == "python"

    # Write: only the ticked file, after a confirmation naming it
    _generated(qtbot, view, "compose")
    asked: list[list[str]] = []
    view.confirm = lambda names: asked.append(names) or True  # type: ignore[func-returns-value]
    view.set_ticked(["compose.yaml"])
    view.write_action.trigger()
    qtbot.waitUntil(lambda: "Wrote compose.yaml" in view.banner.text(), timeout=TIMEOUT_MS)
    assert asked == [["compose.yaml"]]
    assert "replicas: 3" in (project_copy / "compose.yaml").read_text()
    assert not (project_copy / "nginx.compose.conf").exists()
    qtbot.waitUntil(lambda: "compose.yaml  (same)" in view.files.item(0).text(), timeout=TIMEOUT_MS)

    # Cancelled at the confirmation: nothing written
    view.confirm = lambda names: False
    view.set_ticked(["nginx.compose.conf"])
    view.write()
    assert not view.scope.pending("write") and not (project_copy / "nginx.compose.conf").exists()


def test_write_refuses_a_file_changed_since_the_preview(
    qtbot, deploy_view: DeployView, project_copy: Path
) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view
    _generated(qtbot, view, "gunicorn")
    conf = project_copy / "gunicorn.conf.py"
    conf.write_text("# edited in the editor meanwhile\n")
    view.confirm = lambda names: True
    view.set_ticked(["gunicorn.conf.py"])
    view.write()
    qtbot.waitUntil(lambda: bool(view.banner.text()), timeout=TIMEOUT_MS)
    text = view.banner.text()
    assert text.startswith("gunicorn.conf.py changed since the preview: nothing written")
    assert "\n" not in text
    assert conf.read_text() == "# edited in the editor meanwhile\n"


def test_check_lists_blocking_findings_first_then_the_real_checks(
    qtbot, deploy_view: DeployView
) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view
    _generated(qtbot, view, "nginx", instances=2)
    view.check_action.trigger()
    qtbot.waitUntil(lambda: bool(view.results), timeout=TIMEOUT_MS)
    texts = view.result_texts()
    assert texts[0].startswith("✗ BLOCKING  SECRET_KEY: ")
    assert "✓ nginx.conf: nginx -t: ok" in texts
    assert texts.index("✓ nginx.conf: nginx -t: ok") < next(
        i for i, t in enumerate(texts) if t.startswith("! WARNING")
    )
    first = view.results_list.item(0)
    ok = view.results_list.item(texts.index("✓ nginx.conf: nginx -t: ok"))
    assert first.foreground().color() == QColor(theme.SEVERITY_COLOURS["error"])
    assert ok.foreground().color() == QColor(theme.SEVERITY_COLOURS["ok"])
    assert "1 blocking finding" in view.status.text()
    # one marker per line (the text glyph, no icon beside it); long lines wrap, and the
    # tooltip repeats the whole line
    assert all(view.results_list.item(i).icon().isNull() for i in range(len(texts)))
    assert view.results_list.wordWrap()
    assert view.results_list.item(0).toolTip().startswith(texts[0])
    # the Deploy tab of a 1180x740 window: every line shows, none needs a sideways scroll
    view.resize(930, 580)
    view.show()
    qtbot.waitExposed(view)
    results = view.results_list
    bottom = max(results.visualItemRect(results.item(i)).bottom() for i in range(len(texts)))
    assert len(texts) >= 4 and bottom <= results.viewport().height(), (bottom, len(texts))
    assert results.horizontalScrollBar().maximum() == 0
    # the Write confirmation names the files and the blocking finding the check found
    text = view.confirm_text(["nginx.conf"])
    assert "nginx.conf" in text and "1 blocking finding" in text and "SECRET_KEY" in text


def test_hands_off_to_docker_compose_streaming_its_output(
    qtbot, deploy_view: DeployView, project_copy: Path, tmp_path: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "docker").write_text(ECHO)
    (fake / "docker").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    view = deploy_view
    _generated(qtbot, view, "compose", instances=2)
    # not written yet: nothing to run, and the hint says what to write; the Dockerfile is
    # not among this target's files: the hint says where it comes from
    assert not view.handoff_action.isEnabled()
    hint = view.handoff_hint.text()
    assert "Write compose.yaml, nginx.compose.conf first" in hint
    assert "Dockerfile is needed too" in hint and "switch Target to Dockerfile" in hint
    assert view.stop_action.text() == "Stop docker compose"
    for name in ("compose.yaml", "nginx.compose.conf", "Dockerfile"):
        (project_copy / name).write_text(f"# {name}\n")
    view.generate(reinspect=False)
    qtbot.waitUntil(lambda: view.generated is not None and not view.generated.absent,
                    timeout=TIMEOUT_MS)  # fmt: skip
    assert view.handoff_action.text() == "Run with docker compose"
    assert view.handoff_action.isEnabled() and "--scale app=2" in view.handoff_hint.text()
    view.handoff_action.trigger()
    qtbot.waitUntil(lambda: "exited with code 0" in view.handoff_output(), timeout=TIMEOUT_MS)
    output = view.handoff_output()
    assert "from the fake engine" in output and "up --build --scale app=2" in output
    assert not view.handoff_running and view.handoff_action.isEnabled()

    missing = Handoff("k8s", "kubectl apply", project_copy, (), "kubectl is not installed: …")
    view._show_handoff(missing)
    # the reason is on screen beside the disabled button, not only in its tooltip
    assert view.handoff_reason.text() == "kubectl is not installed: …"
    assert view.handoff_reason.isVisibleTo(view) and not view.handoff_hint.isVisibleTo(view)
    assert view.stop_action.text() == "Stop kubectl"
    view._show_handoff(None)  # a target with no hand-off: no hand-off buttons
    assert not view.handoff_button.isVisibleTo(view) and not view.stop_button.isVisibleTo(view)


def test_the_tab_in_the_window_ctrl_0_and_keyboard_focus(
    make_window, project_copy: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.project_page import LAZY_TABS, TABS
    from support.window_servers import activate

    assert TABS[-1] == "deploy" and "deploy" in LAZY_TABS
    window = make_window(project_copy)
    window.resize(1180, 740)
    activate(window, qtbot)
    assert window.page.built_view("deploy") is None  # lazy: not built with the window
    tabs = window.tabs
    assert tabs.tabToolTip(TABS.index("deploy")) == "Deploy (Ctrl+0)"
    QTest.keySequence(window, QKeySequence("Ctrl+0"))
    qtbot.waitUntil(lambda: tabs.currentIndex() == TABS.index("deploy"), timeout=5_000)
    view = window.page.deploy_view
    qtbot.waitUntil(lambda: view.generated is not None, timeout=TIMEOUT_MS)
    window.show_tab("deploy")
    qtbot.waitUntil(lambda: QApplication.focusWidget() is view.files, timeout=5_000)
    assert view.files.currentRow() == 0
    # the check list has room for about 8 lines at 1180x740
    lines = view.results_list.viewport().height() / view.results_list.fontMetrics().lineSpacing()
    assert lines >= 7.5, lines
    assert view.server.currentData() in {s.name for s in window.manager.servers}
    names = {a.text().replace("&", "") for a in view.actions()}
    assert {"Generate", "Check Files", "Write Ticked Files…"} <= names
    assert view.scaled_action.toolTip()  # what Run scaled does
    assert Qt.ShortcutContext.WidgetWithChildrenShortcut == view.check_action.shortcutContext()


def test_run_scaled_starts_instances_behind_nginx_and_stops_them(
    qtbot, deploy_view: DeployView
) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view
    _generated(qtbot, view, "nginx", instances=2)
    view.scaled_action.trigger()
    assert view.scaled_action.text() == "Stop &Scaled"
    qtbot.waitUntil(lambda: "Scaled: running" in view.scaled_status.text(), timeout=TIMEOUT_MS)
    status = view.scaled_status.text()
    assert "#1 :" in status and "#2 :" in status and "#3" not in status  # each instance
    group = view.scaled.group
    assert group is not None and len(group.supervisors) == 2
    pids = group.pids()
    view.scaled_action.trigger()
    qtbot.waitUntil(lambda: view.scaled_status.text() == "Scaled group stopped", timeout=TIMEOUT_MS)
    from support.servers import live

    assert live(pids) == []
    assert view.scaled_action.text() == "Run &Scaled"


def test_deploy_preselects_a_production_style_server(qtbot, project_copy: Path) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    project = open_project(project_copy)
    configs = default_configs(project.profiles)
    runner = TaskRunner()
    # the sidebar's selection is the auto-reload development server: Deploy still opens
    # on the production-style one (gunicorn / workers / a production profile)
    view = DeployView(project, lambda: configs, runner, selected="development")
    qtbot.addWidget(view)
    try:
        assert view.server.currentData() == "production"
        # readable in the tab of a 900 px window (the sidebar beside it)
        view.resize(650, 500)
        view.show()
        qtbot.waitExposed(view)
        text = view.server.currentText()
        assert text.startswith("production — gunicorn :")
        room = view.server.width() - 28  # the arrow and the padding
        assert view.server.fontMetrics().horizontalAdvance(text) <= room, (text, room)
        tip = view.server.itemData(view.server.currentIndex(), Qt.ItemDataRole.ToolTipRole)
        assert "profile production" in tip
        view.select(server="development")  # an explicit choice is kept
        assert view.server.currentData() == "development"
    finally:
        view.detach()
        assert runner.wait(60_000)


def test_focus_stays_off_run_scaled_after_check_files(qtbot, deploy_view: DeployView) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view
    _generated(qtbot, view, "compose")
    view.show()
    view.activateWindow()
    qtbot.waitExposed(view)
    view.check_button.setFocus()
    qtbot.waitUntil(view.check_button.hasFocus, timeout=5_000)
    QTest.keyClick(view.check_button, Qt.Key.Key_Space)  # pressed from the keyboard
    assert not view.check_button.isEnabled()  # off while the check runs
    assert QApplication.focusWidget() is view.results_list  # not the next button
    qtbot.waitUntil(lambda: bool(view.results), timeout=TIMEOUT_MS)
    qtbot.waitUntil(view.check_button.isEnabled, timeout=5_000)
    assert QApplication.focusWidget() is view.check_button  # back on the pressed button
    assert not view.scaled_button.hasFocus()


def _popup_row_colours(qtbot, combo) -> set[int]:  # type: ignore[no-untyped-def]
    """The colours in the open popup's row of the current entry."""
    combo.showPopup()
    popup = combo.view()
    qtbot.waitUntil(popup.isVisible, timeout=5_000)
    rect = popup.visualRect(popup.model().index(combo.currentIndex(), 0))
    image = popup.viewport().grab(rect).toImage()
    combo.hidePopup()
    return {image.pixel(x, y) for x in range(image.width()) for y in range(image.height())}


def test_the_open_dropdowns_show_their_current_entry(qtbot, deploy_view: DeployView) -> None:  # type: ignore[no-untyped-def]
    view = deploy_view  # make_app applied the app's stylesheet, as the window has it
    view.show()
    qtbot.waitExposed(view)
    for combo in (view.target, view.server):
        # the row is highlighted and its text drawn: it was a blank input box (3 colours:
        # white, its border and one grey) where the text antialiased takes dozens
        assert len(_popup_row_colours(qtbot, combo)) > 20, combo.objectName()


def test_the_nginx_preview_says_run_scaled_uses_free_ports(qtbot, deploy_view: DeployView) -> None:  # type: ignore[no-untyped-def]
    from asgideck.gui.tabs.deploy.view import SCALED_PORTS_NOTE

    view = deploy_view
    _generated(qtbot, view, "nginx", instances=3)
    view.select_file("nginx.conf")
    assert "server 127.0.0.1:" in view.preview.toPlainText()
    assert SCALED_PORTS_NOTE in view.notes.text()
