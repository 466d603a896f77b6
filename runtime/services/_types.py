"""The plain values the services package passes around: what a profile needs, what
runs, and the engine each kind of service is run by."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, Protocol

from asgideck.runtime.secrets import MASK

__all__ = ["RUNNABLE_KINDS", "Engine", "ServiceKind", "ServiceNeed", "ServiceState", "StateName"]

ServiceKind = Literal["postgres", "redis", "mail", "mysql"]
#: the kinds asgideck runs itself; others (MySQL/MariaDB) are listed only
RUNNABLE_KINDS: tuple[ServiceKind, ...] = ("postgres", "redis", "mail")

StateName = Literal["stopped", "starting", "ready", "failed", "remote", "unsupported"]


@dataclass(frozen=True)
class ServiceNeed:
    """One service a profile expects, and where the profile (or compose file) said so."""

    kind: ServiceKind
    #: unique within the profile: "postgres", "redis", "mail" ("redis-2" for a second one)
    name: str
    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)  # never printed: see ``describe``
    #: Postgres: the database; Redis: the db index as text ("" = 0)
    database: str = ""
    #: the variables that said so, e.g. ("DATABASE_URL",) or ("POSTGRES_SERVER", "POSTGRES_PORT")
    variables: tuple[str, ...] = ()
    #: where: "profile" or e.g. "compose.yaml: service db"
    source: str = "profile"
    #: the variable (or URL variable) that holds the port, for writing a new port back
    port_variable: str = ""
    #: asgideck can run it here: a loopback host and a runnable kind
    local: bool = True
    #: why not, when ``local`` is False ("host db.example.com is not this machine")
    why_not_local: str = ""

    @property
    def label(self) -> str:
        """``postgres (DATABASE_URL)``: how every message names the service."""
        said = ", ".join(self.variables) or self.source
        return f"{self.name} ({said})"

    def describe(self) -> str:
        """One line, the password masked."""
        secret = f":{MASK}" if self.password else ""
        who = f"{self.user}{secret}@" if self.user or self.password else ""
        db = f"/{self.database}" if self.database else ""
        return f"{self.kind} {who}{self.host}:{self.port}{db} — {self.label}"


@dataclass(frozen=True)
class ServiceState:
    """What a service is doing now (from the registry and a protocol check)."""

    need: ServiceNeed
    state: StateName
    pid: int | None = None
    #: why failed / unsupported / remote; "" when ready or stopped
    message: str = ""
    data_dir: Path | None = None
    log_file: Path | None = None
    #: the registry id of its process tree (``asgideck ps`` / ``stop`` know it by this)
    entry_id: str = ""


class Engine(Protocol):
    """How one kind of service is run. Every method may block (call off the GUI thread).

    ``ready`` makes one attempt and raises ``NotReady`` (try again) or
    ``CredentialsRejected`` (stop trying); the lifecycle loops until its timeout.
    """

    kind: ServiceKind

    def check_installed(self, need: ServiceNeed) -> None:
        """Raise ``BinaryMissing`` naming the package to install."""

    def prepare(self, need: ServiceNeed, data_dir: Path) -> None:
        """First start only (idempotent): create the data (``initdb``), nothing to do otherwise."""

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        """The server's command line (it stays in the foreground, logs to stdout/stderr)."""

    def run_as(self) -> str | None:
        """The user to run the server as (``postgres`` when asgideck runs as root), or None."""

    def ready(self, need: ServiceNeed, data_dir: Path, timeout: float) -> None:
        """One protocol check with the profile's credentials (SELECT 1, PING, NOOP)."""

    def first_ready(self, need: ServiceNeed, data_dir: Path) -> bool | None:
        """Once the server answers: create the role and database the profile names
        (Postgres), nothing for others. Idempotent. False: nothing changed, so the
        check that just passed stands (otherwise the start checks once more)."""

    def shell(self, need: ServiceNeed) -> tuple[list[str], dict[str, str]]:
        """The client to open a shell with (``psql …``/``redis-cli …``) and the extra
        environment it needs (``PGPASSWORD``); the argv never holds a password."""
