"""The server dialog's "Record requests" box: the effective value, following the server's
style until the user chooses, and what saving writes."""

from __future__ import annotations

from asgideck.gui.tabs.servers.dialog import ServerDialog
from asgideck.runtime.servers import LaunchConfig

PROFILES = ["development", "production"]


def test_the_box_shows_the_default_and_follows_the_style(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(LaunchConfig("dev", "development", reload=True), PROFILES)
    qtbot.addWidget(dialog)
    box = dialog.record
    assert box.isChecked()  # a --reload server records by default
    tip = box.toolTip()
    assert "Nothing is written into the project" in tip and "costs" in tip
    dialog.kind.setCurrentIndex(dialog.kind.findData("gunicorn"))
    assert not box.isChecked()  # production-style: off
    dialog.kind.setCurrentIndex(dialog.kind.findData("uvicorn"))
    assert box.isChecked()  # one process on a development profile
    dialog.workers.setValue(2)
    assert not box.isChecked()
    dialog.workers.setValue(1)
    dialog.profile.setCurrentText("production")
    assert not box.isChecked()
    dialog.accept()
    assert dialog.result_config is not None
    assert dialog.result_config.record is None  # untouched: still "the default for its style"
    assert dialog.result_config.recording is False


def test_a_click_is_a_choice_that_saving_writes(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(LaunchConfig("prod", "production", "gunicorn", workers=2), PROFILES)
    qtbot.addWidget(dialog)
    assert not dialog.record.isChecked()
    dialog.record.click()  # the user ticks it
    assert dialog.record.isChecked()
    dialog.workers.setValue(4)  # a choice no longer follows the style
    assert dialog.record.isChecked()
    dialog.accept()
    assert dialog.result_config is not None and dialog.result_config.record is True


def test_a_saved_choice_is_shown_and_kept(qtbot) -> None:  # type: ignore[no-untyped-def]
    config = LaunchConfig("dev", "development", reload=True, record=False)
    dialog = ServerDialog(config, PROFILES)
    qtbot.addWidget(dialog)
    assert not dialog.record.isChecked()
    dialog.port.setValue(9100)
    dialog.accept()
    assert dialog.result_config is not None and dialog.result_config.record is False
