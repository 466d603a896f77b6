"""``asgideck services``: the services a profile needs (PostgreSQL, Redis, a mail
catcher), their state, and starting or stopping them from a terminal.

A service started here outlives this command (it runs detached, its output in a log
file in its data folder, registered like a server): ``asgideck services PATH stop``,
``asgideck stop ID`` or ``stop --all`` end it.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any, TextIO

from asgideck.runtime.cli._shared import (
    EXIT_CANNOT_START,
    EXIT_ERRORS,
    EXIT_NOT_READY,
    EXIT_OK,
    check_grace,
    dump_json,
)
from asgideck.runtime.errors import AsgideckError, InputError
from asgideck.runtime.profiles import edit_target, load_profile
from asgideck.runtime.project import open_project
from asgideck.runtime.secrets import MASK
from asgideck.runtime.services import (
    NotReady,
    ServiceError,
    ServiceNeed,
    ServicePortTaken,
    ServiceSet,
    ServiceState,
    moved_aside,
    service_problems,
    write_port,
)

__all__ = [
    "DESCRIPTION",
    "EPILOG",
    "add_parser",
    "exit_code_for",
    "port_taken_line",
    "services_command",
]

DESCRIPTION = """\
The services a profile needs (PostgreSQL, Redis, a mail catcher), their state, and
starting or stopping them. A service started here outlives this command (detached, its
output in a log file in its data folder, registered like a server): `asgideck services
PATH --profile NAME stop`, `asgideck stop ID` or `asgideck stop --all` end it."""

EPILOG = """\
exit codes: 0 ok; 1 stop: a service could not be stopped (processes or its port
survived); 64 usage (a bad option, folder, profile or service name); 69 could not
start (its port taken by another process, its program not installed, the password
refused by an existing data folder, or it exited at once); 75 not ready in time (it
was stopped again); 130 interrupted (a service being started is stopped again)."""

#: How many times ``start --use-free-port`` moves a service to a free port.
_MOVES = 3


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    services = sub.add_parser(
        "services",
        help="the services a profile needs (PostgreSQL, Redis, mail): list, start, stop",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    services.add_argument("path", type=Path, help="project folder")
    _profile_option(services, argparse.SUPPRESS)
    services.add_argument("--json", action="store_true", help="the list as JSON")
    actions = services.add_subparsers(dest="action", metavar="{start,stop}")
    start = actions.add_parser(
        "start",
        help="start the profile's services (all, or NAME…) and wait until each answers",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start.add_argument("names", nargs="*", metavar="NAME", help="e.g. postgres, redis, mail")
    _profile_option(start, argparse.SUPPRESS)
    start.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="S",
        help="seconds each service may take to answer its protocol (default 60)",
    )
    start.add_argument(
        "--reset-password",
        action="store_true",
        help="Postgres: set the role's password in the existing data to the profile's",
    )
    start.add_argument(
        "--use-free-port",
        action="store_true",
        help="when a service's port is taken, write the free port asgideck offers into "
        "the profile and use it",
    )
    stop = actions.add_parser(
        "stop",
        help="stop the profile's services (all, or NAME…), wherever they were started",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    stop.add_argument("names", nargs="*", metavar="NAME")
    _profile_option(stop, argparse.SUPPRESS)
    stop.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between the stop signal and SIGKILL (default 5)",
    )
    services.set_defaults(run=services_command, profile=None)


def _profile_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument("--profile", metavar="NAME", default=default, help="the profile (required)")


def services_command(args: argparse.Namespace, out: TextIO) -> int:
    if not args.profile:
        raise InputError("--profile: name the profile whose services to use")
    root = open_project(args.path).root
    services = ServiceSet(root, args.profile)
    try:
        for line in service_problems(root, args.profile):
            print(f"asgideck: warning: {line}", file=sys.stderr)
        if args.action == "start":
            return _start(services, args, out)
        if args.action == "stop":
            return _stop(services, args, out)
        return _list(services, args, out)
    finally:
        services.close()


# --------------------------------------------------------------------------- list


def _list(services: ServiceSet, args: argparse.Namespace, out: TextIO) -> int:
    states = services.states()
    if args.json:
        dump_json([_row(s) for s in states], out)
        return EXIT_OK
    if not states:
        print(f"profile {services.profile} of {services.root} needs no services", file=out)
        return EXIT_OK
    rows = [
        (
            s.need.name,
            s.need.kind,
            _address(s.need),
            s.state,
            s.need.label.split(" (", 1)[1].rstrip(")") if " (" in s.need.label else "",
            str(s.data_dir or ""),
        )
        for s in states
    ]
    head = ("NAME", "KIND", "ADDRESS", "STATE", "SAID-BY", "DATA")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    for row in [head, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)
    for state in states:
        if state.message and state.state != "ready":
            print(f"  {state.need.name}: {state.message.splitlines()[0]}", file=out)
    if any(s.need.kind == "postgres" for s in states) and moved_aside():
        print(
            "  postgres data is kept under /var/lib/asgideck: asgideck runs as root and the "
            "postgres user cannot reach its state folder",
            file=out,
        )
    return EXIT_OK


def _address(need: ServiceNeed) -> str:
    who = f"{need.user}:{MASK}@" if need.password else (f"{need.user}@" if need.user else "")
    db = f"/{need.database}" if need.database else ""
    return f"{who}{need.host}:{need.port}{db}"


def _row(state: ServiceState) -> dict[str, Any]:
    need = state.need
    return {
        "name": need.name,
        "kind": need.kind,
        "host": need.host,
        "port": need.port,
        "user": need.user,
        "password": MASK if need.password else "",
        "database": need.database,
        "variables": list(need.variables),
        "source": need.source,
        "local": need.local,
        "why_not_local": need.why_not_local,
        "state": state.state,
        "pid": state.pid,
        "message": state.message,
        "data_dir": str(state.data_dir) if state.data_dir else None,
        "log_file": str(state.log_file) if state.log_file else None,
        "entry_id": state.entry_id,
    }


# --------------------------------------------------------------------------- start/stop


def _check_timeout(timeout: float) -> None:
    if math.isnan(timeout) or math.isinf(timeout) or timeout <= 0:
        raise InputError(f"--timeout: {timeout:g} must be a positive number of seconds")


def _start(services: ServiceSet, args: argparse.Namespace, out: TextIO) -> int:
    _check_timeout(args.timeout)
    for name in args.names:
        services.need(name)  # an unknown name is a usage error before anything starts
    if not services.needs:
        print(f"profile {services.profile} needs no services", file=out)
        return EXIT_OK
    moves = 0
    while True:
        try:
            states = services.start(
                args.names, timeout=args.timeout, reset_password=args.reset_password
            )
            break
        except ServicePortTaken as exc:
            need = services.need(exc.service)
            if not args.use_free_port or not exc.free_port or moves >= _MOVES:
                print(f"asgideck: {port_taken_line(services, need, exc)}", file=sys.stderr)
                return EXIT_CANNOT_START
            written = write_port(services.root, services.profile, need, exc.free_port)
            print(f"{need.label}: port {exc.free_port} written into {written}", file=out)
            moves += 1
            services.close()
            services = ServiceSet(services.root, services.profile)
        except ServiceError as exc:
            print(f"asgideck: {exc}", file=sys.stderr)
            return exit_code_for(exc)
    for state in states:
        print(_said(state), file=out)
    return EXIT_OK


def _said(state: ServiceState) -> str:
    need = state.need
    if state.state == "ready":
        pid = f" (pid {state.pid})" if state.pid else ""
        return f"{need.label}: ready on {need.host}:{need.port}{pid}"
    return f"{need.label}: {state.state}" + (f": {state.message}" if state.message else "")


def port_taken_line(
    services: ServiceSet, need: ServiceNeed, exc: ServicePortTaken, *, from_run: bool = False
) -> str:
    """The error and what to do: ``… taken by X; port N is free: run again with
    --use-free-port to write it into FILE`` (from ``run``: the services command that does)."""
    if not exc.free_port:
        return str(exc)
    if not need.port_variable:
        return f"{exc} (the port is set in {need.source}: change it there)"
    try:
        profile = load_profile(services.root, services.profile)
        target = str(edit_target(profile, need.port_variable))
    except (AsgideckError, OSError):  # only the hint's file name: never fail the message
        target = f"profile {services.profile}"
    if from_run:
        command = f"asgideck services {services.root} --profile {services.profile} start"
        return f"{exc}: `{command} --use-free-port` writes it into {target}"
    return f"{exc}: run again with --use-free-port to write it into {target}"


def exit_code_for(exc: ServiceError) -> int:
    """75 for a service that did not answer in time, 69 for every other failed start."""
    return EXIT_NOT_READY if isinstance(exc, NotReady) else EXIT_CANNOT_START


def _stop(services: ServiceSet, args: argparse.Namespace, out: TextIO) -> int:
    check_grace(args.grace)
    states = services.stop(args.names, grace=args.grace)
    failed = 0
    for state in states:
        if state.state == "failed":
            failed += 1
            print(f"could not stop {state.message}", file=out)
        elif state.state == "stopped":
            print(f"{state.need.label}: {state.message or 'stopped'}", file=out)
        else:
            print(_said(state), file=out)
    return EXIT_ERRORS if failed else EXIT_OK
