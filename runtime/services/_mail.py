"""How asgideck runs a mail catcher for a profile's SMTP settings: its own SMTP server
(``_mailcatcher``, on asgideck's interpreter, so nothing to install) keeping every
message in the service's data folder, ready when it answers ``NOOP``."""

from __future__ import annotations

import signal
import smtplib
import sys
from pathlib import Path

from asgideck.runtime.services._binaries import listen_host
from asgideck.runtime.services._datadir import data_dir
from asgideck.runtime.services._errors import NotReady
from asgideck.runtime.services._mailbox import Mailbox
from asgideck.runtime.services._needs import service_needs
from asgideck.runtime.services._types import ServiceKind, ServiceNeed

__all__ = ["MailEngine", "mail_store", "mailbox_for"]

CATCHER_MODULE = "asgideck.runtime.services._mailcatcher"


def mail_store(data_dir: Path) -> Path:
    """Where the catcher of ``data_dir`` keeps its messages (what ``Mailbox`` reads)."""
    return data_dir / "messages"


def mailbox_for(root: Path, profile: str, need: ServiceNeed | None = None) -> Mailbox:
    """The messages the catcher of ``root``'s ``profile`` caught (its first ``mail``
    need, or ``need``); an empty Mailbox until that catcher has run."""
    if need is None:
        found = [n for n in service_needs(root, profile) if n.kind == "mail"]
        need = found[0] if found else ServiceNeed("mail", "mail", "127.0.0.1", 0)
    return Mailbox(mail_store(data_dir(root, profile, need)))


class MailEngine:
    """The ``Engine`` for kind ``mail``."""

    kind: ServiceKind = "mail"
    #: the catcher stops at once on SIGTERM (exit 0)
    stop_signal = signal.SIGTERM

    def check_installed(self, need: ServiceNeed) -> None:
        """Nothing to check: the catcher is part of asgideck (aiosmtpd is a dependency)."""

    def prepare(self, need: ServiceNeed, data_dir: Path) -> None:
        """The store, owner-only (0700; an older one is closed too): caught mail holds
        password-reset links, and the catcher may run as root."""
        store = mail_store(data_dir)
        store.mkdir(mode=0o700, parents=True, exist_ok=True)
        store.chmod(0o700)

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        return [
            sys.executable,
            "-m",
            CATCHER_MODULE,
            "--host",
            listen_host(need.host),  # 0.0.0.0 / :: bind loopback: never the network
            "--port",
            str(need.port),
            "--store",
            str(mail_store(data_dir)),
        ]

    def run_as(self) -> str | None:
        return None

    def ready(self, need: ServiceNeed, data_dir: Path, timeout: float) -> None:
        host = listen_host(need.host)
        where = f"{host}:{need.port}"
        try:
            with smtplib.SMTP(host, need.port, timeout=timeout) as client:
                code, _text = client.noop()
        except (OSError, smtplib.SMTPException) as exc:
            raise NotReady(
                f"{need.label}: no SMTP answer on {where} ({exc})",
                service=need.name,
                variables=need.variables,
            ) from exc
        if code != 250:
            raise NotReady(
                f"{need.label}: the SMTP server on {where} answered NOOP with {code}",
                service=need.name,
                variables=need.variables,
            )

    def first_ready(self, need: ServiceNeed, data_dir: Path) -> None:
        """Nothing to create: the catcher takes any sender, recipient and login."""

    def shell(self, need: ServiceNeed) -> tuple[list[str], dict[str, str]]:
        """No shell for mail: the Mail tab is where caught messages are read."""
        return [], {}
