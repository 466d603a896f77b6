"""The launch config editor and the orphans of an earlier, killed asgideck."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.gui.tabs.servers.dialog import ServerDialog
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.servers import (
    LaunchConfig,
    free_port,
    is_port_free,
    load_configs,
)
from support.servers import make_spec, orphan_reaper, run_and_kill_asgideck


def test_dialog_offers_every_server_kind_with_its_options(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(LaunchConfig("dev", "development", reload=True), ["development"])
    qtbot.addWidget(dialog)
    kinds = [dialog.kind.itemData(i) for i in range(dialog.kind.count())]
    assert kinds == ["uvicorn", "gunicorn", "hypercorn", "granian", "daphne"]
    dialog.kind.setCurrentIndex(dialog.kind.findData("daphne"))
    assert not dialog.reload.isChecked() and not dialog.workers.isEnabled()
    dialog.kind.setCurrentIndex(dialog.kind.findData("hypercorn"))
    dialog.reload.setChecked(True)
    dialog.accept()
    assert dialog.result_config is not None
    assert (dialog.result_config.kind, dialog.result_config.reload) == ("hypercorn", True)


def test_dialog_builds_a_config_and_names_a_bad_field(qtbot) -> None:  # type: ignore[no-untyped-def]
    dialog = ServerDialog(LaunchConfig("dev", "development"), ["development", "production"])
    qtbot.addWidget(dialog)
    dialog.kind.setCurrentIndex(dialog.kind.findData("gunicorn"))
    assert not dialog.reload.isEnabled() and dialog.worker_class.isEnabled()
    assert dialog.worker_class.currentData() == "auto"  # what the project has, by default
    dialog.workers.setValue(3)
    dialog.port.setValue(9001)
    dialog.profile.setCurrentText("production")
    dialog.accept()
    config = dialog.result_config
    assert config is not None
    assert (config.kind, config.workers, config.port, config.profile) == (
        "gunicorn",
        3,
        9001,
        "production",
    )
    bad = ServerDialog(LaunchConfig("dev", "development"), ["development"])
    qtbot.addWidget(bad)
    bad.name.setText("")
    bad.accept()
    assert bad.result_config is None
    assert bad.error.text().startswith("name:")


def test_edits_are_saved_per_project(make_window, project_copy: Path) -> None:  # type: ignore[no-untyped-def]
    window = make_window(project_copy)
    manager = window.manager
    config = manager.server("production").config
    from dataclasses import replace

    manager.update("production", replace(config, workers=4))
    window.servers_panel.rebuild()
    assert load_configs(project_copy, ["development", "production"])[1].workers == 4


@pytest.mark.integration
def test_orphans_of_a_killed_asgideck_are_listed_and_stopped(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, qtbot
) -> None:
    """A window killed outright leaves its server running (``asgideck run``'s server dies
    with it on Linux instead): the next window lists it as an orphan and stops it."""
    port = free_port()
    env = load_profile(project_copy, "development").environ()
    spec = make_spec(project_copy, app="app.main:app", port=port, env=env)
    with orphan_reaper() as reaper:
        run_and_kill_asgideck(spec, reaper)
        _the_orphan_is_listed_and_stopped(make_window, project_copy, port, qtbot)


def _the_orphan_is_listed_and_stopped(  # type: ignore[no-untyped-def]
    make_window, project_copy: Path, port: int, qtbot
) -> None:
    window = make_window(project_copy)
    panel = window.servers_panel
    assert panel.orphan_list.count() == 1
    assert f":{port}" in panel.orphan_list.item(0).text()
    panel.orphan_list.setCurrentRow(0)
    panel.stop_orphan()
    qtbot.waitUntil(lambda: panel.orphan_list.count() == 0, timeout=20_000)
    assert is_port_free(port)
