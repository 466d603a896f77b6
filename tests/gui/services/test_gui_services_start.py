"""What a start from the SERVICES section may need answered, and the order of Start all
(issue #12, item 5), through the fake services runtime: a taken port asks before it
writes a free one into the profile (and writes nothing on No), a rejected password
offers the profile's, Start all brings each profile's services up before its app
starts, Stop all ends the apps before the services.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from asgideck.runtime.servers import StateChanged
from asgideck.runtime.services import CredentialsRejected, NotReady, ServicePortTaken
from support.window_servers import free_ports


def open_svc(make_window, svc_project: Path, qtbot):  # type: ignore[no-untyped-def]
    window = make_window(svc_project)
    window.select_profile("svc")
    section = window.services
    qtbot.waitUntil(lambda: section.profile == "svc" and len(section.needs) >= 4, timeout=10_000)
    return window, section


def answer(section, text: str, seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Answer the section's next question with the button reading ``text``."""

    def ask(box: QMessageBox):  # type: ignore[no-untyped-def]
        seen.append(box.text())
        return next(b for b in box.buttons() if b.text().replace("&", "") == text)

    section.ask = ask


def taken(section, free: int) -> ServicePortTaken:  # type: ignore[no-untyped-def]
    need = section.need("postgres")
    return ServicePortTaken(
        f"{need.label}: port {need.port} is taken by postgres (pid 4242)",
        service="postgres",
        variables=need.variables,
        port=need.port,
        holder="postgres (pid 4242)",
        free_port=free,
    )


@pytest.mark.parametrize("choice", ["No", "Yes"])
def test_a_taken_port_is_written_into_the_profile_only_on_yes(
    make_window, svc_project, fake_backend, qtbot, choice: str
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    env_file = svc_project / ".env.svc"
    before = env_file.read_bytes()
    old = section.need("postgres").port
    free = old + 1 if old < 65000 else old - 1
    fake_backend.failures["postgres"] = taken(section, free)
    seen: list[str] = []
    answer(section, choice, seen)
    section.start("postgres")
    qtbot.waitUntil(lambda: bool(seen), timeout=10_000)
    assert seen == [
        f"postgres (DATABASE_URL): port {old} is taken by postgres (pid 4242); "
        f"use free port {free} and write it into {env_file}?"
    ]
    if choice == "No":
        qtbot.waitUntil(lambda: section.state_of("postgres") != "starting", timeout=10_000)
        assert fake_backend.written == []
        assert env_file.read_bytes() == before
        assert not any(line.startswith("ready postgres") for line in fake_backend.log)
        return
    # Yes: the port is written (only the port: the rest of the URL byte for byte), the
    # profile is read again and the start retried on the new port
    qtbot.waitUntil(lambda: f"ready postgres:{free}" in fake_backend.log, timeout=10_000)
    assert fake_backend.written == [("svc", "postgres", free)]
    after = env_file.read_text(encoding="utf-8")
    assert after == before.decode().replace(f"127.0.0.1:{old}/shop", f"127.0.0.1:{free}/shop")
    qtbot.waitUntil(lambda: section.need("postgres").port == free, timeout=10_000)
    qtbot.waitUntil(lambda: section.state_of("postgres") == "ready", timeout=10_000)


def test_a_taken_port_without_a_file_to_write_offers_no_yes(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    from asgideck.gui.tabs.services.problem_dialogs import port_taken_box

    box, yes = port_taken_box(section, taken(section, 5999), "postgres (compose.yaml)", None)
    assert yes is None
    assert [b.text().replace("&", "") for b in box.buttons()] == ["Close"]
    assert "is taken by postgres (pid 4242)." in box.text()
    box.deleteLater()


def test_a_rejected_password_offers_the_profiles_and_retries(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    fake_backend.failures["postgres"] = CredentialsRejected(
        "postgres (DATABASE_URL): password authentication failed for user 'shop'",
        service="postgres",
    )
    seen: list[str] = []
    answer(section, "Use the profile's password", seen)
    section.start("postgres")
    qtbot.waitUntil(lambda: section.state_of("postgres") == "ready", timeout=10_000)
    assert seen == ["postgres (DATABASE_URL): password authentication failed for user 'shop'"]
    assert fake_backend.log[-2:] == [
        "reset-password postgres",
        f"ready postgres:{section.need('postgres').port}",
    ]


def test_other_errors_are_said_in_one_line(make_window, svc_project, fake_backend, qtbot) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    warned: list[tuple[str, str]] = []
    section.warn = lambda title, text: warned.append((title, text))
    fake_backend.failures["redis"] = NotReady("redis (REDIS_URL): did not answer PING in 60 s")
    section.start("redis")
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert warned == [("Could not start", "redis (REDIS_URL): did not answer PING in 60 s")]


@pytest.mark.integration
def test_start_all_brings_services_up_before_the_app_and_stop_all_ends_apps_first(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    window, section = open_svc(make_window, svc_project, qtbot)
    free_ports(window)
    panel, manager = window.servers_panel, window.manager
    panel.confirm_start = lambda name, problems: True  # the profiles' findings: start anyway
    log = fake_backend.log

    def record(pair: tuple[str, object]) -> None:  # on the supervisor's thread
        name, event = pair
        if isinstance(event, StateChanged) and event.status.state != event.previous:
            log.append(f"app {name} {event.status.state}")

    manager.events.connect(record)
    section.start_all_button.click()
    settled = ("running", "crashed", "crash-loop")
    qtbot.waitUntil(
        lambda: all(panel.state_of(s.name) in settled for s in manager.servers), timeout=60_000
    )
    first_app = log.index("app svc starting")
    svc_ready = [i for i, line in enumerate(log) if line.startswith("ready ")]
    assert {line.split()[1].split(":")[0] for line in log if line.startswith("ready ")} == {
        "postgres", "redis", "mail"
    }  # fmt: skip
    assert max(svc_ready) < first_app, log
    assert ("svc", "postgres") in fake_backend.running

    running = [s for s in manager.servers if s.running]
    for server in running:  # note when each app's stop has returned (its tree is gone)
        inner = server.stop

        def stop(grace: float = 5.0, name: str = server.name, inner=inner):  # type: ignore[no-untyped-def]
            result = inner(grace)
            log.append(f"app-stopped {name}")
            return result

        server.stop = stop
    section.stop_all_button.click()
    qtbot.waitUntil(lambda: not any(s.running for s in manager.servers), timeout=60_000)
    qtbot.waitUntil(lambda: not fake_backend.running, timeout=30_000)
    apps = [i for i, line in enumerate(log) if line.startswith("app-stopped ")]
    assert len(apps) == len(running)
    first_service_stop = min(i for i, line in enumerate(log) if line.startswith("stopped "))
    assert max(apps) < first_service_stop, "\n".join(log)
    manager.events.disconnect(record)


def test_a_stop_whose_processes_survive_is_said_never_stopped(
    make_window, svc_project, fake_backend, qtbot
) -> None:  # type: ignore[no-untyped-def]
    _window, section = open_svc(make_window, svc_project, qtbot)
    warned: list[tuple[str, str]] = []
    notices: list[str] = []
    section.warn = lambda title, text: warned.append((title, text))
    section.notice.connect(notices.append)
    fake_backend.running |= {("svc", "redis"), ("svc", "postgres")}
    section.refresh_states()
    qtbot.waitUntil(lambda: section.state_of("redis") == "ready", timeout=10_000)
    label = section.need("redis").label
    fake_backend.survivors["redis"] = f"{label}: processes survived: 4242"
    section.stop("redis")
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert warned == [("Could not stop redis", f"{label}: processes survived: 4242")]
    assert not any(n.startswith("Stopped") for n in notices), notices
    assert ("svc", "redis") in fake_backend.running
    # Stop all: the one that stopped goes, the survivor is said (one warning), no "Stopped"
    warned.clear()
    section.stop_all()
    qtbot.waitUntil(lambda: bool(warned), timeout=10_000)
    assert warned == [("Stop all", f"{label}: processes survived: 4242")]
    assert "stopped postgres" in fake_backend.log
    assert "Stopped every server and service" not in notices, notices
    fake_backend.survivors.clear()  # the fixture's set may stop it at the end
