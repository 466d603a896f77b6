"""The bundled sample's staging profile in the window, end to end (issue #12, Done 1 and 3):
Start on the staging server brings up its PostgreSQL, Redis and mail catcher first (each
until it answers its protocol), then the app; a new user's welcome e-mail is caught and
listed in the Mail tab; Stop all leaves no service, app process or port behind.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import alive_entries, free_port, is_port_free
from support import SAMPLE_APP, services

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not list(Path("/usr/lib/postgresql").glob("*/bin/initdb")) and not shutil.which("initdb"),
        reason="PostgreSQL not installed",
    ),
]
service_home = services.service_home
#: the staging profile's ports (sample_app/.env.staging), moved to free ones for the test
STAGING_PORTS = (55432, 56379, 51025)


@pytest.fixture
def staging_project(tmp_path: Path) -> Path:
    root = tmp_path / "sample_app"
    shutil.copytree(SAMPLE_APP, root, ignore=shutil.ignore_patterns("__pycache__", "data"))
    env_file = root / ".env.staging"
    text = env_file.read_text(encoding="utf-8")
    for port in STAGING_PORTS:
        assert str(port) in text, f"the staging profile no longer uses port {port}"
        text = text.replace(str(port), str(free_port()))
    env_file.write_text(text, encoding="utf-8")
    return root


def test_staging_starts_its_services_then_the_app_and_the_welcome_mail_is_shown(
    service_home, make_window, staging_project, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window = make_window(staging_project)
    manager, panel, section = window.manager, window.servers_panel, window.services
    problems: list[str] = []
    panel.warn = section.warn = lambda _title, text: problems.append(text)
    port = free_port()
    manager.update("staging", replace(manager.server("staging").config, port=port, reload=False))
    panel.rebuild()
    panel.select("staging")
    qtbot.waitUntil(
        lambda: section.profile == "staging" and len(section.needs) == 3, timeout=10_000
    )
    ports = [need.port for need in section.needs]
    try:
        panel.start_selected()
        qtbot.waitUntil(
            lambda: bool(problems) or panel.state_of("staging") == "running", timeout=180_000
        )
        assert not problems, problems
        assert [section.state_of(n.name) for n in section.needs] == ["ready"] * 3

        user = {"username": "grace", "email": "grace@example.com", "password": "hopper-1906"}
        created = httpx.post(f"http://127.0.0.1:{port}/api/v1/users", json=user, timeout=30)
        assert created.status_code == 201, created.text

        window.show_tab("mail")
        view = window.page.mail_view()
        assert view is not None and view.isVisible()
        qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=20_000)
        view.focus_main()
        assert "grace@example.com" in view.detail.header.text()
        assert "Welcome to" in view.detail.header.text()
    finally:
        section.stop_all()
        qtbot.waitUntil(
            lambda: (
                not any(s.running for s in manager.servers)
                and all(section.state_of(n.name) == "stopped" for n in section.needs)
            ),
            timeout=60_000,
        )
    assert all(is_port_free(p) for p in [port, *ports])
    assert alive_entries() == []  # no service and no app registered as running
    servers = ("postgres", "redis-server", "_mailcatcher", "uvicorn")
    left = [" ".join(p.cmdline()) for p in services.service_processes(service_home)]
    assert [c for c in left if any(s in c for s in servers)] == []  # (the probe may run)
