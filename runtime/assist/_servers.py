"""Server status, and the actions: start, stop and restart a configured server.

A server is one of the project's launch configs (the window's sidebar), by name.
Started here, it runs under this session's supervisor and stops when the session
ends. Started elsewhere (the window, ``asgideck run``), it is found in the registry:
its status is shown, ``stop_server`` ends it as ``asgideck stop`` would, and start
and restart refuse (its owner runs it).
"""

from __future__ import annotations

import time
from typing import Any

from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.errors import ServerError
from asgideck.runtime.servers import (
    Entry,
    ManagedServer,
    Status,
    stop_orphan,
    stopping_from_here,
    url,
)

__all__ = ["restart_server", "server_status", "start_server", "stop_server"]

_ERROR_CHARS = 4000


def _entry_row(entry: Entry, now: float) -> dict[str, Any]:
    host = "127.0.0.1" if entry.host in ("0.0.0.0", "") else entry.host
    owner = "orphan (its asgideck has gone)" if not entry.owner_alive() else "another asgideck"
    return {
        "state": "running",
        "started_here": False,
        "started_by": f"{owner} (pid {entry.owner_pid})",
        "pid": entry.pid,
        "url": f"http://{host}:{entry.port}" if entry.port else None,
        "uptime_s": round(now - entry.started_at),
    }


def _status_row(server: ManagedServer, status: Status, now: float) -> dict[str, Any]:
    row: dict[str, Any] = {
        "state": server.state,
        "started_here": server.running,
        "pid": status.pid,
        "url": status.url,
        "message": status.message,
    }
    if status.started_at is not None and server.running:
        row["uptime_s"] = round(now - status.started_at)
    if status.error:
        row["error"] = status.error[-_ERROR_CHARS:]
    if status.exit_code is not None:
        row["exit_code"] = status.exit_code
    if status.diagnosis:
        row["diagnosis"] = status.diagnosis
    if status.restarts:
        row["restarts"] = status.restarts
    if status.reload_waiting:
        row["reload_waiting"] = True
    stats = server.supervisor.stats() if server.supervisor is not None else None
    if stats is not None and server.running:
        row["stats"] = {
            "cpu_percent": round(stats.cpu_percent, 1),
            "rss_mb": round(stats.rss / (1 << 20), 1),
            "processes": stats.processes,
            "requests_total": stats.requests_total,
            "requests_per_s": round(stats.requests_per_s, 2),
        }
    return row


def _server_row(desk: Desk, server: ManagedServer, now: float) -> dict[str, Any]:
    config = server.config
    row: dict[str, Any] = {
        "name": server.name,
        "config": config.describe(),
        "kind": config.kind,
        "profile": config.profile,
        "host": config.host,
        "port": config.port,
        "reload": config.reload,
        "workers": config.workers,
    }
    if server.supervisor is not None and (server.running or server.state != "stopped"):
        row.update(_status_row(server, server.supervisor.status, now))
        return row
    entry = desk.entry_elsewhere(server.name)
    if entry is not None:
        row.update(_entry_row(entry, now))
    else:
        row.update({"state": server.state, "started_here": False})
    return row


def server_status(desk: Desk, name: str | None = None) -> dict[str, Any]:
    """Each configured server (or only ``name``) with its state; plus servers of this
    project that run without a config (``asgideck run``)."""
    now = time.time()
    servers = [desk.server(name)] if name is not None else desk.servers
    answer: dict[str, Any] = {
        "project": desk.project.name,
        "root": str(desk.root),
        "app": desk.project.app.import_string if desk.project.app else None,
        "app_error": desk.project.app_error,
        "interpreter": str(desk.project.interpreter.path),
        "servers": [_server_row(desk, server, now) for server in servers],
    }
    if name is None:
        configured = {s.name for s in desk.servers}
        mine = {s.supervisor.id for s in desk.servers if s.supervisor is not None}
        answer["other_servers"] = [
            {"name": e.name or e.kind, "kind": e.kind, **_entry_row(e, now)}
            for e in desk.entries()
            if e.name not in configured and e.id not in mine
        ]
    return answer


def _refuse_foreign(desk: Desk, server: ManagedServer, doing: str) -> None:
    entry = desk.entry_elsewhere(server.name)
    if entry is not None and not server.running:
        raise ServerError(
            f"{server.name} runs already, started by another asgideck ({entry.describe()}): "
            f"{doing} it there, or stop_server it first"
        )


def _wait_started(server: ManagedServer, wait_seconds: float) -> dict[str, Any]:
    """Wait until the start settles (ready, crashed or stopped); the status as a row."""
    supervisor = server.supervisor
    if supervisor is None:  # a stop ended its before-start tasks
        raise ServerError(f"{server.name}: not started (stopped during before-start tasks)")
    status = supervisor.wait_for(
        "running", "crashed", "crash-loop", "stopped", timeout=max(0.0, wait_seconds)
    )
    row = {"name": server.name, **_status_row(server, status, time.time())}
    if status.state in ("crashed", "crash-loop", "stopped") and not status.reload_waiting:
        last = (status.error or status.message or "it exited").strip().splitlines()
        raise ServerError(
            f"{server.name} did not start: {last[-1] if last else 'it exited'} "
            "(recent_logs shows its output)"
        )
    if status.state == "starting":
        row["note"] = f"still starting after {wait_seconds:g} s; server_status tells when it is up"
    return row


def start_server(desk: Desk, name: str | None = None, wait_seconds: float = 60.0) -> dict[str, Any]:
    """Start a configured server here and wait until it answers (or fails)."""
    server = desk.server(name)
    _refuse_foreign(desk, server, "start")
    if server.running and server.supervisor is not None:  # started here already: say so
        status = server.supervisor.status
        return {
            "name": server.name,
            **_status_row(server, status, time.time()),
            "note": f"already {server.state}, started by this session earlier",
        }
    server.start()
    row = _wait_started(server, wait_seconds)
    if server.supervisor is not None:
        row["url"] = row.get("url") or url(server.supervisor.spec)
    return row


def stop_server(desk: Desk, name: str | None = None, grace_seconds: float = 5.0) -> dict[str, Any]:
    """Stop a server: this session's, or one another asgideck started (as ``asgideck stop``)."""
    server = desk.server(name)
    grace = min(max(grace_seconds, 0.0), 60.0)
    if server.running:
        result = server.stop(grace)
        where = "this session"
    else:
        entry = desk.entry_elsewhere(server.name)
        if entry is None:
            return {"name": server.name, "state": server.state, "stopped": False,
                    "note": "it was not running"}  # fmt: skip
        with stopping_from_here(entry.id):
            result = stop_orphan(entry, grace=grace)
        where = f"another asgideck (pid {entry.owner_pid})"
    if result is not None and not result.clean:
        problem = (
            f"processes survived SIGKILL: {', '.join(map(str, result.survivors))}"
            if result.survivors
            else f"port {server.config.port} is still in use"
        )
        raise ServerError(f"{server.name}: could not stop cleanly: {problem}")
    return {
        "name": server.name,
        "state": "stopped",
        "stopped": True,
        "started_by": where,
        "killed": bool(result and result.killed),  # SIGTERM was not enough within the grace
    }


def restart_server(
    desk: Desk, name: str | None = None, wait_seconds: float = 60.0
) -> dict[str, Any]:
    """Restart a server this session runs (a stopped one is started), with the profile as
    it is on disk now; wait until it answers again."""
    server = desk.server(name)
    _refuse_foreign(desk, server, "restart")
    server.restart()
    return _wait_started(server, wait_seconds)
