"""The services a project's profile needs — PostgreSQL, Redis, a mail catcher — found in
its variables and compose file, run with the real servers installed on this machine
(never downloaded), ready when they answer their own protocol, supervised and
registered like app servers, their data per project and profile in asgideck's own
folder (never in the project).
"""

from __future__ import annotations

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

# Each module adds its own names below (one import line each) and to __all__.

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
