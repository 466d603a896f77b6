"""The SERVICES section with a real PostgreSQL (issue #12, item 5): started from the
sidebar (as the ``postgres`` user when the tests run as root), Open shell's command
names the profile's user and database and never its password, and a password the data
directory refuses is offered the profile's, which then connects.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest
from PySide6.QtWidgets import QMessageBox

from asgideck.gui.tabs.services.shell_dialog import ShellDialog
from asgideck.runtime.servers import is_port_free
from support import services
from support.files import copy_sample_app

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and not shutil.which("initdb"),
        reason="PostgreSQL not installed",
    ),
]
service_home = services.service_home
URL = "DATABASE_URL=postgresql+psycopg://shop:{password}@127.0.0.1:{port}/shop\n"


@pytest.fixture
def pg_project(tmp_path: Path) -> Path:
    root = copy_sample_app(tmp_path / "pgshop")
    base = (root / ".env.development").read_text(encoding="utf-8")
    port = services.free_port()
    (root / ".env.pg").write_text(base + URL.format(password="first-pw", port=port))
    return root


def connects(port: int, password: str) -> bool:
    try:
        with psycopg.connect(
            host="127.0.0.1", port=port, user="shop", password=password, dbname="shop",
            connect_timeout=5,
        ) as conn:  # fmt: skip
            return conn.execute("SELECT 1").fetchone() == (1,)
    except psycopg.Error:
        return False


def test_postgres_from_the_sidebar_shell_and_a_rejected_password(
    service_home, make_window, pg_project, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(pg_project)
    window.select_profile("pg")
    section = window.services
    qtbot.waitUntil(lambda: section.profile == "pg" and bool(section.needs), timeout=10_000)
    port = section.need("postgres").port
    section.select("postgres")
    qtbot.waitUntil(lambda: section.start_action.isEnabled(), timeout=10_000)
    section.start_action.trigger()
    qtbot.waitUntil(lambda: section.state_of("postgres") == "ready", timeout=90_000)
    assert connects(port, "first-pw")  # the role and database were made on first start

    # Open shell: the command to paste names user and database, never the password
    section.launch_terminal = lambda argv, env: (_ for _ in ()).throw(OSError("no display"))
    section.shell_action.trigger()
    qtbot.waitUntil(lambda: isinstance(section.shell_dialog, ShellDialog), timeout=10_000)
    command = section.shell_dialog.command.text()
    assert "psql -h 127.0.0.1 -p" in command and str(port) in command and "-U shop shop" in command
    assert "first-pw" not in command
    section.shell_dialog.close()

    # the profile's password changes: the data directory refuses it until the user agrees
    section.stop_action.trigger()
    qtbot.waitUntil(lambda: section.state_of("postgres") == "stopped", timeout=30_000)
    env_file = pg_project / ".env.pg"
    env_file.write_text(env_file.read_text().replace("first-pw", "second-pw"))
    window.reload()
    qtbot.waitUntil(lambda: section.need("postgres") is not None, timeout=10_000)
    qtbot.waitUntil(lambda: section.need("postgres").password == "second-pw", timeout=10_000)
    asked: list[str] = []

    def ask(box: QMessageBox):  # type: ignore[no-untyped-def]
        asked.append(box.text())
        return next(b for b in box.buttons() if "profile's password" in b.text())

    section.ask = ask
    qtbot.waitUntil(lambda: section.start_action.isEnabled(), timeout=10_000)
    section.start_action.trigger()
    qtbot.waitUntil(lambda: bool(asked), timeout=90_000)
    assert "postgres (DATABASE_URL)" in asked[0] and "second-pw" not in asked[0]
    qtbot.waitUntil(lambda: section.state_of("postgres") == "ready", timeout=90_000)
    assert connects(port, "second-pw")
    section.stop_action.trigger()
    qtbot.waitUntil(lambda: section.state_of("postgres") == "stopped", timeout=30_000)
    assert is_port_free(port)
