"""The window on real-world layouts: a monorepo opened at ``backend/`` finds the root env
files, the workspace venv and serves; a project with several apps asks which, shows where
each was found, and remembers the answer."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import httpx
import psutil
import pytest
from PySide6.QtGui import QKeySequence

from asgideck.runtime.project import remembered_app
from asgideck.runtime.servers import free_port, is_port_free
from support.files import write_files
from support.projects import copy_project, make_venv

pytestmark = pytest.mark.integration
START_TIMEOUT_MS = 60_000


def test_monorepo_opened_at_backend_finds_profiles_workspace_venv_and_serves(
    make_window, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    root = copy_project("monorepo", tmp_path)
    python = make_venv(root / ".venv", only_here=["fixture_only_monorepo"])
    window = make_window(root / "backend")  # no --python: discovery must find root/.venv

    project = window.session.project
    assert project.root == (root / "backend").resolve()
    assert project.interpreter.path == python
    combo = [
        window.header.profile_combo.itemText(i) for i in range(window.header.profile_combo.count())
    ]
    assert combo == ["production"]  # root/.env + root/.env.production, read from backend/
    assert window.header.profile_combo.isEnabled()
    assert "../.env" in window.overview.env_label.text().split(", ")  # named as Settings does
    chip = window.header.python_chip.text()
    assert ".venv" in chip and not chip.startswith("⚠"), chip
    assert "workspace" in chip, chip
    assert not window.overview.interpreter_banner.isVisibleTo(window)
    assert window.header.app_chip.text() == "app.main:app"

    manager, panel = window.manager, window.servers_panel
    name = manager.servers[0].name  # the default development server
    port = free_port()
    manager.update(name, replace(manager.server(name).config, port=port, reload=False))
    panel.rebuild()
    panel.select(name)
    # the template's placeholder secrets are error-level findings: the user starts anyway
    panel.confirm_start = lambda server, problems: True
    # the template's POSTGRES_SERVER=localhost would start a PostgreSQL first (#12); the
    # health check needs none, and this test is about the interpreter: the app alone
    panel.start_op = lambda server: server.start()
    panel.start_selected()
    qtbot.waitUntil(lambda: panel.state_of(name) == "running", timeout=START_TIMEOUT_MS)
    pids = list(manager.server(name).supervisor.pids)
    assert pids
    # it serves, so it ran under the workspace venv: app.main imports fixture_only_monorepo,
    # a module that only root/.venv has
    reply = httpx.get(f"http://127.0.0.1:{port}/api/v1/utils/health-check/", timeout=5)
    assert reply.status_code == 200 and reply.json() is True
    schema = httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json", timeout=5).json()
    assert schema["info"]["title"] == "Monorepo Template"  # PROJECT_NAME from the root .env

    window.close()
    assert is_port_free(port)
    assert not any(_alive(pid) for pid in pids)


TWO_APPS = {
    "main.py": "from fastapi import FastAPI\n\napp = FastAPI(title='main')\n",
    "api/__init__.py": "",
    "api/server.py": "from fastapi import FastAPI\n\nserver = FastAPI(title='api')\n",
    "Makefile": "run:\n\tuvicorn main:app --reload\n",
    "Procfile": "web: uvicorn api.server:server --port $PORT\n",
}


def test_several_apps_are_offered_with_where_each_was_found_and_the_choice_is_kept(
    make_window, tmp_path: Path, qtbot
) -> None:  # type: ignore[no-untyped-def]
    project = write_files(tmp_path / "two", TWO_APPS)
    (project / ".git").mkdir()
    window = make_window(project)

    # nothing chosen yet: a non-modal notice lists both, and nothing runs an app
    assert window.session.project.app is None
    notice = window.overview.app_choice
    assert notice.isVisibleTo(window)
    assert "main:app" in notice.banner.text() and "api.server:server" in notice.banner.text()
    assert "Makefile:2" in notice.banner.text() and "Procfile:1" in notice.banner.text()
    assert not window.overview.app_banner.isVisibleTo(window)
    assert window.header.app_chip.text() == "choose an app (2 found)"
    assert window.app_action.isEnabled()
    assert window.app_action.shortcut() == QKeySequence("Ctrl+Shift+E")

    notice.button.click()  # "Choose app…"
    picker = window.app_picker
    assert picker is not None and picker.isVisible()
    listed = [t.import_string for t in picker.candidates()]
    assert listed == ["main:app", "api.server:server"]
    assert picker.places(0) == ["Makefile:2: uvicorn main:app --reload"]
    assert picker.places(1) == ["Procfile:1: uvicorn api.server:server --port $PORT"]
    row = picker.items[1].text(0)
    assert "runs in ./," in row and "defined in api/server.py:3" in row

    picker.select("api.server:server")
    with qtbot.waitSignal(window.loaded, timeout=30_000):
        picker.accept()  # remembered off the GUI thread, then the project re-opens
    assert remembered_app(project) == "api.server:server"
    app = window.session.project.app
    assert app is not None and app.import_string == "api.server:server"
    assert window.header.app_chip.text() == "api.server:server · Procfile:1"
    assert "Procfile:1: uvicorn api.server:server" in window.header.app_chip.toolTip()
    assert not window.overview.app_choice.isVisibleTo(window)
    assert "Choose App" in window.overview.app_label.text()

    # a new window on the same project uses the choice without asking
    again = make_window(project)
    assert again.session.project.app is not None
    assert again.session.project.app.import_string == "api.server:server"
    assert not again.overview.app_choice.isVisibleTo(again)
    assert again.app_picker is None

    # File → Choose App… changes it: the current one is marked and preselected
    again.app_action.trigger()
    picker = again.app_picker
    assert picker is not None
    assert picker.tree.currentItem() is picker.items[1]
    assert picker.items[1].text(0).endswith("— in use")
    picker.select("main:app")
    with qtbot.waitSignal(again.loaded, timeout=30_000):
        picker.accept()
    assert remembered_app(project) == "main:app"
    assert again.session.project.app.import_string == "main:app"
    assert again.header.app_chip.text() == "main:app · Makefile:2"


def test_one_app_needs_no_choice(make_window, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = write_files(tmp_path / "one", {"main.py": TWO_APPS["main.py"]})
    window = make_window(project)
    assert window.header.app_chip.text() == "main:app"
    assert not window.overview.app_choice.isVisibleTo(window)
    assert not window.app_action.isEnabled()
    window.choose_app()
    assert window.app_picker is None


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
