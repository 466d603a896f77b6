"""What can go wrong with a service; every message names the service and the variable
that asked for it (``postgres (DATABASE_URL): …``)."""

from __future__ import annotations

from asgideck.runtime.errors import ServerError

__all__ = [
    "BinaryMissing",
    "CredentialsRejected",
    "NotReady",
    "ServiceError",
    "ServicePortTaken",
    "Unsupported",
]


class ServiceError(ServerError):
    """A service could not be found, started, reached or stopped; ``str()`` is the line
    to show. ``service`` is the service's name (``postgres``), ``variables`` what said so."""

    def __init__(self, message: str, *, service: str = "", variables: tuple[str, ...] = ()):
        super().__init__(message)
        self.service = service
        self.variables = variables


class BinaryMissing(ServiceError):
    """The server program is not installed; the message says which package provides it."""


class ServicePortTaken(ServiceError):
    """The profile's port is held by another process; ``holder`` says who, ``free_port``
    is one asgideck offers (written to the profile only when the user agrees)."""

    def __init__(
        self,
        message: str,
        *,
        service: str = "",
        variables: tuple[str, ...] = (),
        port: int = 0,
        holder: str = "",
        free_port: int = 0,
    ) -> None:
        super().__init__(message, service=service, variables=variables)
        self.port = port
        self.holder = holder
        self.free_port = free_port


class CredentialsRejected(ServiceError):
    """The service runs but refuses the profile's user/password (e.g. a data directory
    created with another password)."""


class NotReady(ServiceError):
    """The service did not answer its own protocol within the timeout (or exited);
    the message ends with its last log lines."""


class Unsupported(ServiceError):
    """A service asgideck lists but cannot run here (MySQL, a remote host)."""
