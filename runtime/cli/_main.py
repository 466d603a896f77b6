"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses.

``asgideck.gui.entry`` dispatches here for every name in ``SUBCOMMANDS`` so that a
terminal user never pays for (or needs) Qt.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, TextIO, cast

from asgideck.runtime.cli._shared import (
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_IO_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ErrorStream,
    Output,
    OutputFailed,
    print_notices,
)
from asgideck.runtime.errors import AsgideckError

__all__ = ["SUBCOMMANDS", "build_parser", "main", "parse_args", "skip_unused_imports"]

SUBCOMMANDS = (
    "profiles",
    "check",
    "inspect",
    "run",
    "ps",
    "stop",
    "call",
    "services",
    "mcp",
    "requests",
    "deploy",
)


#: Each subcommand module in parser order: (module, its parser-adding function, the
#: subcommands it adds with their one-line help). The help lines are here so that the
#: parser can list every subcommand while importing only the chosen one's module (a
#: test checks them against the modules' own).
_MODULES: tuple[tuple[str, str, tuple[tuple[str, str], ...]], ...] = (
    ("_profiles", "add_parser", (("profiles", "list, show or diff a project's .env profiles"),)),
    ("_check", "add_parser", (("check", "validate settings and production readiness"),)),
    ("_inspect", "add_parser", (("inspect", "middleware in true order, routes, OpenAPI"),)),
    (
        "_servers",
        "add_parsers",
        (
            (
                "run",
                "start a server and stream its logs (Ctrl-C, SIGTERM, SIGHUP or a closed "
                "output stops it)",
            ),
            (
                "ps",
                "servers and services asgideck started that are still running (a service's "
                "STATE is 'service': it outlives the command that started it on purpose)",
            ),
            ("stop", "stop servers and services asgideck started (by id, or --all)"),
        ),
    ),
    (
        "_services",
        "add_parser",
        (
            (
                "services",
                "the services a profile needs (PostgreSQL, Redis, mail): list, start, stop",
            ),
        ),
    ),
    ("_call", "add_parser", (("call", "send a request to the project's running server"),)),
    (
        "_mcp",
        "add_parser",
        (
            (
                "mcp",
                "serve the project's state to a coding assistant (Model Context Protocol, stdio)",
            ),
        ),
    ),
    (
        "_requests",
        "add_parser",
        (
            (
                "requests",
                "print the requests a server recorded (one line each, or --json); exit 2 "
                "when no server of the project has been started with recording on",
            ),
        ),
    ),
    (
        "_deploy",
        "add_parser",
        (
            (
                "deploy",
                "generate production files (gunicorn, Docker, Compose, nginx, systemd, "
                "Kubernetes) for a profile; --check runs the real tools on them",
            ),
        ),
    ),
)


def build_parser(command: str | None = None, *, every: bool = True) -> argparse.ArgumentParser:
    """Each subcommand's module adds its parser and sets ``run``, its handler.

    With ``every=False`` only ``command``'s module is imported (a headless command pays
    for nothing else: no deploy, jsonschema or MCP for a ``call``); every other
    subcommand is a placeholder with the same name and help, so ``asgideck --help``
    and argparse's errors read exactly as with every module loaded."""
    parser = _Parser(prog="asgideck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for module, adder, commands in _MODULES:
        if every or any(name == command for name, _help in commands):
            add = getattr(importlib.import_module(f"{__package__}.{module}"), adder)
            add(sub)
        else:
            for name, help_line in commands:
                sub.add_parser(name, help=help_line)
    return parser


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse ``argv`` with only the chosen subcommand's module imported."""
    args = list(sys.argv[1:] if argv is None else argv)
    chosen = next((arg for arg in args if not arg.startswith("-")), None)
    parsed = build_parser(chosen, every=False).parse_args(args)
    if not hasattr(parsed, "run"):  # argparse resolved a name we did not load (never on 3.11)
        parsed = build_parser().parse_args(args)
    return parsed


def _dispatch(args: argparse.Namespace, out: TextIO) -> int:
    """Run the handler, then say what the state files needed (a damaged ``servers.json``
    restored from its backup...), whatever the outcome: once, after the command."""
    try:
        return int(args.run(args, out))
    finally:
        print_notices()


class _Parser(argparse.ArgumentParser):
    """argparse with asgideck's usage exit code (its own 2 means "warnings" to ``check``)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP arrived: raised where the command is, so it leaves the way
    Ctrl-C does (every ``finally`` runs: scratch files removed, children stopped)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def _stop_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP raise :class:`Stopped` while a command runs (``run`` has its
    own handlers). A signal inherited as ignored (``nohup``) stays ignored."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous: dict[int, Any] = {}

    def on_signal(number: int, _frame: object) -> None:
        raise Stopped(number)

    for name in ("SIGTERM", "SIGHUP"):
        number = getattr(signal, name, None)
        if number is not None and signal.getsignal(number) is signal.SIG_DFL:
            previous[number] = signal.signal(number, on_signal)
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def _open_standard_fds() -> None:
    """A closed fd 0, 1 or 2 (``asgideck ... >&-``) gets /dev/null: else the next file
    asgideck opens would take its number, and a child (a probe, a server) would write
    its output into that file."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError as exc:
            if exc.errno != errno.EBADF:
                continue
            with contextlib.suppress(OSError):
                null = os.open(os.devnull, os.O_RDWR)
                if null != fd:
                    os.dup2(null, fd)
                    os.close(null)


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one subcommand: an error asgideck raised on purpose is one ``asgideck: ...``
    line and an exit code; anything else is a bug and keeps its traceback.

    Output goes through :class:`Output` (printable on a terminal, exact to a pipe; a
    failed write is one line and exit 74) and sys.stderr through :class:`ErrorStream`,
    except for ``run``, whose Terminal writer does both for the server's output."""
    _open_standard_fds()
    if sys.stderr is None:  # fd 2 was closed at start: it is /dev/null now
        sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115 - the process's own stderr
    args = parse_args(argv)
    if args.command == "run":
        if out is None and sys.stdout is None:  # fd 1 closed: the server's output goes nowhere
            sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - now /dev/null
        return _main(args, out or sys.stdout, stop_signals=False)
    stderr = sys.stderr
    sys.stderr = cast(TextIO, ErrorStream(stderr))
    try:
        return _main(args, cast(TextIO, Output(out or sys.stdout)), stop_signals=True)
    finally:
        sys.stderr = stderr


def _main(args: argparse.Namespace, out: TextIO, *, stop_signals: bool) -> int:
    try:
        with _stop_signals() if stop_signals else contextlib.nullcontext():
            code: int = _dispatch(args, out)
            out.flush()  # here, not at interpreter exit, so a closed pipe is caught below
    except BrokenPipeError:  # `asgideck ... | head`: the reader has gone, nothing to say
        _silence_stdout()
        return EXIT_OK
    except OutputFailed as exc:  # a full disk, EIO, a closed stdout
        _silence_stdout()
        what = (
            "the response was received but could not be written"
            if args.command == "call"
            else "cannot write the output"
        )
        print(f"asgideck: {what}: {exc.reason}", file=sys.stderr)
        return EXIT_IO_ERROR
    except Stopped as exc:  # SIGTERM/SIGHUP: the handler cleaned up on its way out
        print(f"asgideck: stopped by {exc.name}", file=sys.stderr)
        return 128 + exc.signum
    except KeyboardInterrupt:  # Ctrl-C: the handler cleaned up on its way out
        print("asgideck: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except AsgideckError as exc:
        print(f"asgideck: {exc}", file=sys.stderr)
        # a request that failed outside call's own handling: RequestFailed, looked up only
        # where the client was loaded (else no request was made and this cannot be one)
        return EXIT_FAILED if _request_failed(exc) else EXIT_USAGE
    return code


def skip_unused_imports() -> None:
    """For a process of its own (the console script): httpx's package imports its own
    command line (click, rich, pygments: ~50 ms) and httpcore its HTTP/2 connections (h2:
    ~15 ms) whenever those happen to be installed; no subcommand runs httpx's CLI or
    speaks HTTP/2 (the sender never asks for it). ``None`` in ``sys.modules`` makes those
    imports fail, and httpx and httpcore then define their documented stand-ins (as
    when the extras are not installed). Not done by :func:`main`, which a test or a
    tool may call inside a process that wants them."""
    if "httpx" in sys.modules or "httpcore" in sys.modules:
        return
    for name in ("httpx._main", "httpcore._sync.http2", "httpcore._async.http2"):
        sys.modules.setdefault(name, None)  # type: ignore[arg-type]


def _request_failed(exc: BaseException) -> bool:
    errors = sys.modules.get("asgideck.runtime.client._errors")
    return errors is not None and isinstance(exc, errors.RequestFailed)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file (a test's StringIO, None)
        pass
