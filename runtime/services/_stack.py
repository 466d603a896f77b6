"""Start an app server with the services its profile needs, in that order: the local
services first, each until it answers its protocol, then the server (whose own start
runs its before-start tasks). "Start all" in the window is this for every server."""

from __future__ import annotations

import threading

from asgideck.runtime.servers import ManagedServer
from asgideck.runtime.services._errors import ServiceError
from asgideck.runtime.services._set import ServiceSet

__all__ = ["start_with_services"]


def start_with_services(
    server: ManagedServer,
    services: ServiceSet,
    *,
    timeout: float = 60.0,
    cancel: threading.Event | None = None,
) -> None:
    """Start ``services``' local needs (remote/unsupported ones are left to the app),
    then ``server``. Raises the service's error (one line naming it and its variable)
    before the server is touched; services already running are left alone."""
    if services.profile != server.config.profile:
        raise ServiceError(
            f"{server.name}: its profile is {server.config.profile}, these services are "
            f"{services.profile}'s"
        )
    local = [need.name for need in services.needs if need.local]
    if local:
        services.start(local, timeout=timeout, cancel=cancel)
    server.start()
