"""The window says when its saved servers or the list of running servers could not be read
(restored from a backup, or defaults shown), instead of silently showing defaults."""

from __future__ import annotations

import sys
from pathlib import Path

from asgideck.runtime.project import open_project
from asgideck.runtime.servers import LaunchConfig, ServerManager, configs_path
from asgideck.runtime.servers import _registry as registry
from asgideck.runtime.userstate import take_notices


def saved_then_truncated(project: Path) -> None:
    manager = ServerManager(open_project(project, python=sys.executable), ["development"])
    manager.add(LaunchConfig("mine", "development", port=8123))
    path = configs_path(project)
    path.write_text(path.read_text()[:40])
    take_notices()


def test_truncated_launch_configs_are_restored_and_said(make_window, project_copy: Path) -> None:
    saved_then_truncated(project_copy)
    window = make_window(project_copy)
    panel = window.servers_panel
    assert "mine" in [s.name for s in window.manager.servers]
    assert not panel.state_banner.isHidden()
    text = panel.state_banner.text()
    assert f"the saved servers of {project_copy.name}" in text
    assert f"restored from {configs_path(project_copy).name}.bak" in text


def test_servers_json_a_folder_is_a_warning_not_a_crash(make_window, project_copy: Path) -> None:
    registry.registry_path().mkdir()
    window = make_window(project_copy)
    panel = window.servers_panel
    assert "servers.json is a folder, not a state file" in panel.state_banner.text()
    assert panel.orphan_list.count() == 0
