"""``asgideck services``: the services a profile needs (PostgreSQL, Redis, a mail
catcher), their state, and starting or stopping them from a terminal.

A service started here outlives this command (it runs detached, its output in a log
file in its data folder, registered like a server): ``asgideck services PATH stop``,
``asgideck stop ID`` or ``stop --all`` end it.
"""

from __future__ import annotations

import argparse
import math
import shlex
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
from asgideck.runtime.profiles import edit_target, list_profiles, load_profile
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
was stopped again); 130 interrupted (a service being started is stopped again). A
start that fails or is interrupted partway names the services it started or found
running before: they are left running.

--profile defaults to the project's only profile, else "development"."""

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
    services.add_argument("--json", action="store_true", help="the list (or states) as JSON")
    actions = services.add_subparsers(dest="action", metavar="{start,stop}")
    start = actions.add_parser(
        "start",
        help="start the profile's services (all, or NAME…) and wait until each answers",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    start.add_argument("names", nargs="*", metavar="NAME", help="e.g. postgres, redis, mail")
    _profile_option(start, argparse.SUPPRESS)
    _json_option(start)
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
    _json_option(stop)
    stop.add_argument(
        "--grace",
        type=float,
        default=5.0,
        metavar="S",
        help="seconds between the stop signal and SIGKILL (default 5)",
    )
    services.set_defaults(run=services_command, profile=None)


def _profile_option(parser: argparse.ArgumentParser, default: Any) -> None:
    parser.add_argument(
        "--profile",
        metavar="NAME",
        default=default,
        help="the profile (default: the project's only one, else development)",
    )


def _json_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="the states as JSON"
    )


def pick_profile(root: Path) -> str:
    """The profile ``services`` uses without ``--profile``: the project's only one,
    else ``development``; an ``InputError`` naming the choices otherwise."""
    names = list_profiles(root)
    if not names:
        return "default"  # no env file: the compose file alone may name services
    if len(names) == 1:
        return names[0]
    if "development" in names:
        return "development"
    raise InputError(
        f"--profile: {root} has profiles {', '.join(names)}: name the one whose services to use"
    )


def services_command(args: argparse.Namespace, out: TextIO) -> int:
    root = open_project(args.path).root
    if not args.profile:
        args.profile = pick_profile(root)
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
            "" if _elsewhere(s) else str(s.data_dir or ""),
        )
        for s in states
    ]
    head = ("NAME", "KIND", "ADDRESS", "STATE", "SAID-BY", "DATA")
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head) - 1)]
    for row in [head, *rows]:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        print("  ".join([*cells, row[-1]]).rstrip(), file=out)
    for state in states:
        if state.message:
            print(f"  {state.need.name}: {state.message.splitlines()[0]}", file=out)
    if any(s.need.kind == "postgres" for s in states) and moved_aside():
        print(
            "  postgres data is kept under /var/lib/asgideck: asgideck runs as root and the "
            "postgres user cannot reach its state folder",
            file=out,
        )
    return EXIT_OK


def _elsewhere(state: ServiceState) -> bool:
    """Ready, but not a tree asgideck registered: something else serves the port."""
    return state.state == "ready" and not state.entry_id and bool(state.message)


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
        if args.json:
            dump_json([], out)
        else:
            print(f"profile {services.profile} needs no services", file=out)
        return EXIT_OK
    names = list(dict.fromkeys(args.names)) or [need.name for need in services.needs]
    done: dict[str, ServiceState] = {}  # ready so far (started or found running)
    moves = 0
    try:
        while True:
            try:
                for name in names:
                    if name not in done:
                        [state] = services.start(
                            [name], timeout=args.timeout, reset_password=args.reset_password
                        )
                        done[name] = state
                break
            except ServicePortTaken as exc:
                need = services.need(exc.service)
                if (
                    not args.use_free_port
                    or not exc.free_port
                    or not need.port_variable
                    or moves >= _MOVES
                ):
                    print(f"asgideck: {port_taken_line(services, need, exc)}", file=sys.stderr)
                    return _partial(services, done, args, out, EXIT_CANNOT_START)
                try:
                    written = write_port(services.root, services.profile, need, exc.free_port)
                except ServiceError as refused:
                    print(f"asgideck: {refused}", file=sys.stderr)
                    return _partial(services, done, args, out, EXIT_CANNOT_START)
                print(f"{need.label}: port {exc.free_port} written into {written}", file=out)
                moves += 1
                services.close()
                services = ServiceSet(services.root, services.profile)
            except ServiceError as exc:
                print(f"asgideck: {exc}", file=sys.stderr)
                return _partial(services, done, args, out, exit_code_for(exc))
    except KeyboardInterrupt:  # Ctrl-C, SIGTERM, SIGHUP: main says how it ended
        _partial(services, done, args, out, EXIT_OK)
        raise
    states = list(done.values())
    if args.json:
        dump_json([_row(s) for s in states], out)
        return EXIT_OK
    for state in states:
        print(_said(state), file=out)
    return EXIT_OK


def _partial(
    services: ServiceSet,
    done: dict[str, ServiceState],
    args: argparse.Namespace,
    out: TextIO,
    code: int,
) -> int:
    """A start that failed or was interrupted partway: the services it started or found
    running before are left running; say which, and how to stop them. Returns ``code``."""
    states = list(done.values())
    if args.json:
        dump_json([_row(s) for s in states], out)
        return code
    states = [s for s in states if s.state == "ready"]
    for state in states:
        print(f"{_said(state)} (left running)", file=out)
    ours = [s.need.name for s in states if not _elsewhere(s)]
    if ours:
        command = _stop_command(services, ours)
        print(
            f"left running: {', '.join(ours)}; stop with `{command}`",
            file=out,
        )
    return code


def _stop_command(services: ServiceSet, names: list[str] | None = None) -> str:
    """``asgideck services PATH --profile NAME stop [NAME…]``, ready to paste."""
    words = [
        "asgideck",
        "services",
        str(services.root),
        "--profile",
        services.profile,
        "stop",
        *(names or []),
    ]
    return shlex.join(words)


def _said(state: ServiceState) -> str:
    need = state.need
    if state.state == "ready":
        if _elsewhere(state):
            return state.message  # already served …, not started by asgideck
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
        command = shlex.join(
            [
                "asgideck",
                "services",
                str(services.root),
                "--profile",
                services.profile,
                "start",
                "--use-free-port",
            ]
        )
        return f"{exc}: `{command}` writes it into {target}"
    return f"{exc}: run again with --use-free-port to write it into {target}"


def exit_code_for(exc: ServiceError) -> int:
    """75 for a service that did not answer in time, 69 for every other failed start."""
    return EXIT_NOT_READY if isinstance(exc, NotReady) else EXIT_CANNOT_START


def _stop(services: ServiceSet, args: argparse.Namespace, out: TextIO) -> int:
    check_grace(args.grace)
    states = services.stop(args.names, grace=args.grace)
    failed = sum(1 for s in states if s.state == "failed")
    if args.json:
        dump_json([_row(s) for s in states], out)
        return EXIT_ERRORS if failed else EXIT_OK
    for state in states:
        if state.state == "failed":
            print(f"could not stop {state.message}", file=out)
        elif state.state == "stopped":
            print(f"{state.need.label}: {state.message or 'stopped'}", file=out)
        else:
            print(_said(state), file=out)
    return EXIT_ERRORS if failed else EXIT_OK
