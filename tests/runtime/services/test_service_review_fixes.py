"""Fixes from the review of the services: the catcher never listens on every interface,
and a foreign SMTP server is never taken for it; services whose registry entry was lost
are found by their data folder (Postgres runs as another user, redis-server blanks its
environment) and can be stopped; a failed start quotes only its own log lines; a listing
creates no folder and changes no mode; caught mail is owner-only; stopping a service
served by the user's own server says it was left alone."""

from __future__ import annotations

import os
import smtplib
import stat
import sys
import urllib.parse
from email.message import EmailMessage
from pathlib import Path

import psutil
import pytest
from aiosmtpd.controller import Controller

from asgideck.runtime.servers import free_port, is_port_free
from asgideck.runtime.servers._registry import registry_path
from asgideck.runtime.services import (
    MailEngine,
    NotReady,
    RedisEngine,
    ServiceNeed,
    ServicePortTaken,
    ServiceSet,
    data_dir,
)
from asgideck.runtime.services._lifecycle import START_MARK, last_lines, start_service
from asgideck.runtime.services._mail import mail_store
from support.services import (  # noqa: F401
    redis_need,
    run_engine,
    service_home,
    service_processes,
    wait_ready,
)

pytestmark = pytest.mark.integration

AS_ROOT = sys.platform != "win32" and os.geteuid() == 0


def _listening(pid: int | None) -> set[str]:
    assert pid is not None
    procs = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    return {
        c.laddr.ip
        for p in procs
        for c in p.net_connections(kind="inet")
        if c.status == psutil.CONN_LISTEN
    }


def test_a_wildcard_smtp_host_binds_loopback_and_caught_mail_is_owner_only(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    services = ServiceSet(tmp_path, "dev", env={"SMTP_HOST": "0.0.0.0", "SMTP_PORT": str(port)})
    try:
        [state] = services.start(timeout=30)
        assert state.state == "ready"
        assert _listening(state.pid) == {"127.0.0.1"}
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "a@x.test", "b@x.test", "reset"
        message.set_content("your reset link")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message)
        store = mail_store(services.data_dir("mail"))
        assert stat.S_IMODE(store.stat().st_mode) == 0o700
        files = list(store.iterdir())
        assert files and {stat.S_IMODE(f.stat().st_mode) for f in files} == {0o600}
    finally:
        services.stop()
        services.close()
    assert is_port_free(port)


class _Accept:
    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


def test_a_foreign_smtp_server_is_never_the_catcher(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    foreign = Controller(_Accept(), hostname="127.0.0.1", port=port)
    foreign.start()
    try:
        services = ServiceSet(
            tmp_path, "dev", env={"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(port)}
        )
        with pytest.raises(ServicePortTaken):
            services.start(timeout=10)
        [listed] = services.states()
        assert listed.state != "ready"
        services.close()
    finally:
        foreign.stop()


def test_services_whose_registry_was_lost_are_found_by_their_data_and_stopped(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    pg, rd, mail = free_port(), free_port(), free_port()
    password = urllib.parse.quote("pw:lost/registry", safe="")
    env = {
        "DATABASE_URL": f"postgresql://shop:{password}@127.0.0.1:{pg}/shop",
        "REDIS_URL": f"redis://127.0.0.1:{rd}/0",
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(mail),
    }
    first = ServiceSet(tmp_path, "dev", env=env)
    try:
        started = first.start(timeout=90)
        assert [s.state for s in started] == ["ready", "ready", "ready"]
        first.close()
        registry = registry_path()
        for path in (registry, registry.with_name(registry.name + ".bak")):
            path.unlink(missing_ok=True)

        again = ServiceSet(tmp_path, "dev", env=env)
        listed = again.states()
        assert [(s.need.kind, s.state) for s in listed] == [
            ("postgres", "ready"),
            ("redis", "ready"),
            ("mail", "ready"),
        ]
        assert all(s.entry_id for s in listed), listed
        assert {s.pid for s in listed} == {s.pid for s in started}
        stopped = again.stop()
        assert [s.message for s in stopped] == ["stopped"] * 3
        again.close()
    finally:
        first.stop()
    assert service_processes(service_home) == []
    assert all(is_port_free(p) for p in (pg, rd, mail))


class _ScriptEngine(MailEngine):
    def __init__(self, script: str) -> None:
        self.script = script

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        return [sys.executable, "-c", self.script]


def test_a_failed_start_quotes_only_its_own_log_lines(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    need = ServiceNeed("mail", "mail", "127.0.0.1", free_port(), variables=("SMTP_HOST",))
    noisy = _ScriptEngine("import sys; print('an earlier run said this'); sys.exit(3)")
    with pytest.raises(NotReady):
        start_service(tmp_path, "dev", need, noisy, timeout=30)
    silent = _ScriptEngine("import sys; sys.exit(4)")
    with pytest.raises(NotReady) as caught:
        start_service(tmp_path, "dev", need, silent, timeout=30)
    assert "exited with code 4" in str(caught.value)
    assert "an earlier run said this" not in str(caught.value)
    log = data_dir(tmp_path, "dev", need) / "service.log"
    text = log.read_text()
    assert text.count(START_MARK) == 2 and "an earlier run said this" in text


def test_last_lines_start_after_the_last_start_mark(tmp_path: Path) -> None:
    log = tmp_path / "service.log"
    log.write_text(f"old\n{START_MARK}x 1 ---\nmiddle\n{START_MARK}x 2 ---\nnew\n")
    assert last_lines(log) == ["new"]


def test_a_listing_creates_no_folder_and_changes_no_mode(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    service_home.chmod(0o700)
    try:
        services = ServiceSet(
            tmp_path, "dev", env={"REDIS_URL": f"redis://127.0.0.1:{free_port()}/0"}
        )
        [state] = services.states()
        assert state.state == "stopped"
        services.close()
        assert stat.S_IMODE(service_home.stat().st_mode) == 0o700
        assert not (service_home / "services").exists()
    finally:
        service_home.chmod(0o711)


def test_stopping_a_service_served_elsewhere_says_it_was_left_alone(
    service_home: Path,  # noqa: F811
    tmp_path: Path,
) -> None:
    port = free_port()
    engine = RedisEngine()
    need = redis_need(port)
    folder = tmp_path / "system-redis"
    folder.mkdir()
    with run_engine(engine, need, folder) as system_redis:
        wait_ready(engine, need, folder, system_redis)
        services = ServiceSet(
            tmp_path / "app", "dev", env={"REDIS_URL": f"redis://127.0.0.1:{port}/0"}
        )
        [state] = services.stop()
        assert state.state == "ready"
        assert state.message.startswith("redis (REDIS_URL): served by ")
        assert state.message.endswith(", not started by asgideck: left alone")
        assert system_redis.proc.poll() is None
        services.close()
