"""The services a project's profile needs — PostgreSQL, Redis, a mail catcher — found in
its variables and compose file, run with the real servers installed on this machine
(never downloaded), ready when they answer their own protocol, supervised and
registered like app servers, their data per project and profile in asgideck's own
folder (never in the project).

The names are loaded on first use (PEP 562): a command that does not start services
(a plain ``run``, ``ps``) pays for none of the engines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
    from asgideck.runtime.services._binaries import find_program, install_hint
    from asgideck.runtime.services._datadir import data_dir, moved_aside, services_root
    from asgideck.runtime.services._engines import engine_for
    from asgideck.runtime.services._errors import (
        BinaryMissing,
        CredentialsRejected,
        NotReady,
        ServiceError,
        ServicePortTaken,
        Unsupported,
    )
    from asgideck.runtime.services._mail import MailEngine, mail_store, mailbox_for
    from asgideck.runtime.services._mailbox import (
        MAX_MESSAGE_BYTES,
        MAX_MESSAGES,
        Attachment,
        CaughtMail,
        Mailbox,
    )
    from asgideck.runtime.services._needs import service_needs, service_problems
    from asgideck.runtime.services._port_edit import write_port
    from asgideck.runtime.services._postgres import PostgresEngine
    from asgideck.runtime.services._redis import RedisEngine
    from asgideck.runtime.services._set import ServiceSet
    from asgideck.runtime.services._shell import ShellLaunch, shell_launch
    from asgideck.runtime.services._stack import start_with_services
    from asgideck.runtime.services._types import (
        RUNNABLE_KINDS,
        Engine,
        ServiceKind,
        ServiceNeed,
        ServiceState,
        StateName,
    )

__all__ = [
    "MAX_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "RUNNABLE_KINDS",
    "Attachment",
    "BinaryMissing",
    "CaughtMail",
    "CredentialsRejected",
    "Engine",
    "MailEngine",
    "Mailbox",
    "NotReady",
    "PostgresEngine",
    "RedisEngine",
    "ServiceError",
    "ServiceKind",
    "ServiceNeed",
    "ServicePortTaken",
    "ServiceSet",
    "ServiceState",
    "ShellLaunch",
    "StateName",
    "Unsupported",
    "data_dir",
    "engine_for",
    "find_program",
    "install_hint",
    "mail_store",
    "mailbox_for",
    "moved_aside",
    "service_needs",
    "service_problems",
    "services_root",
    "shell_launch",
    "start_with_services",
    "write_port",
]

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "MAX_MESSAGES": "_mailbox",
    "MAX_MESSAGE_BYTES": "_mailbox",
    "RUNNABLE_KINDS": "_types",
    "Attachment": "_mailbox",
    "BinaryMissing": "_errors",
    "CaughtMail": "_mailbox",
    "CredentialsRejected": "_errors",
    "Engine": "_types",
    "MailEngine": "_mail",
    "Mailbox": "_mailbox",
    "NotReady": "_errors",
    "PostgresEngine": "_postgres",
    "RedisEngine": "_redis",
    "ServiceError": "_errors",
    "ServiceKind": "_types",
    "ServiceNeed": "_types",
    "ServicePortTaken": "_errors",
    "ServiceSet": "_set",
    "ServiceState": "_types",
    "ShellLaunch": "_shell",
    "StateName": "_types",
    "Unsupported": "_errors",
    "data_dir": "_datadir",
    "engine_for": "_engines",
    "find_program": "_binaries",
    "install_hint": "_binaries",
    "mail_store": "_mail",
    "mailbox_for": "_mail",
    "moved_aside": "_datadir",
    "service_needs": "_needs",
    "service_problems": "_needs",
    "services_root": "_datadir",
    "shell_launch": "_shell",
    "start_with_services": "_stack",
    "write_port": "_port_edit",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
