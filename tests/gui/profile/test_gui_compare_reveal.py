"""Issue 11, defect 7: Compare reveals secrets with View → Reveal Secrets (Ctrl+Shift+R,
also while Compare has focus), and masked values still say whether they differ."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from asgideck.gui.tabs.profile.compare import DiffView
from asgideck.gui.tabs.profile.models import DiffModel
from asgideck.runtime.inspect import ProjectSession

WAIT_MS = 10_000


def _rows(model: DiffModel) -> dict[str, list[str]]:
    return {
        model.row(r).key: [model.data(model.index(r, c)) for c in range(model.columnCount())]
        for r in range(model.rowCount())
    }


@pytest.fixture
def diff(qtbot, project_copy: Path) -> Iterator[DiffView]:  # type: ignore[no-untyped-def]
    from asgideck.gui.app import make_app

    make_app()
    for name in (".env.development", ".env.production"):
        with (project_copy / name).open("a") as out:
            out.write("API_TOKEN=same-token-in-both\n")
    built = DiffView(ProjectSession.open(project_copy, profile="development"))
    qtbot.addWidget(built)
    built.compare("development", "production")
    built.show_same.setChecked(True)
    yield built
    built.detach()


def test_masked_secrets_say_whether_they_differ(diff: DiffView) -> None:
    rows = _rows(diff.model)
    # Both sides read "****": the status says what the values underneath do.
    assert rows["SECRET_KEY"][1] == rows["SECRET_KEY"][2] == "****"
    assert rows["SECRET_KEY"][3] == "differs (hidden)"
    assert rows["API_TOKEN"][3] == "same (hidden)"
    assert rows["ENVIRONMENT"][3] == "different"  # nothing hidden: the plain label
    row = list(rows).index("SECRET_KEY")
    tip = diff.model.data(diff.model.index(row, DiffModel.STATUS), Qt.ItemDataRole.ToolTipRole)
    assert "underneath they differ" in tip and "Ctrl+Shift+R" in tip


def test_revealed_compare_shows_the_values(diff: DiffView) -> None:
    dev = diff.session.load("development").variables["SECRET_KEY"].value
    diff.set_revealed(True)
    rows = _rows(diff.model)
    assert rows["SECRET_KEY"][1] == dev
    assert rows["SECRET_KEY"][2] == "change-me"
    assert rows["SECRET_KEY"][3] == "different"
    diff.set_revealed(False)
    assert _rows(diff.model)["SECRET_KEY"][1] == "****"


def test_focus_main_focuses_the_table(diff: DiffView, qtbot) -> None:  # type: ignore[no-untyped-def]
    diff.show()
    qtbot.waitExposed(diff)
    diff.activateWindow()
    diff.focus_main()
    qtbot.waitUntil(diff.table.hasFocus, timeout=WAIT_MS)
    assert diff.table.currentIndex().isValid()
    assert not diff.table.tabKeyNavigation()


def test_ctrl_shift_r_in_compare_reveals_through_the_window(
    make_window, sample_app: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(sample_app)
    window.show_tab("compare")
    view = window.diff_view
    view.compare("development", "production")
    window.activateWindow()
    view.focus_main()
    qtbot.waitUntil(view.table.hasFocus, timeout=WAIT_MS)
    dev = window.session.load("development").variables["SECRET_KEY"].value
    shift_ctrl = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    qtbot.keyClick(view.table, Qt.Key.Key_R, shift_ctrl)
    qtbot.waitUntil(lambda: view.model.revealed, timeout=WAIT_MS)
    assert window.reveal_action.isChecked()
    assert _rows(view.model)["SECRET_KEY"][1] == dev
    qtbot.keyClick(view.table, Qt.Key.Key_R, shift_ctrl)
    qtbot.waitUntil(lambda: not view.model.revealed, timeout=WAIT_MS)
    assert _rows(view.model)["SECRET_KEY"][1] == "****"
