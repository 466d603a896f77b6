"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses.

``asgideck.gui.entry`` dispatches here for every name in ``SUBCOMMANDS`` so that a
terminal user never pays for (or needs) Qt.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import Any, NoReturn, TextIO, cast

from asgideck.runtime.cli._call import EXIT_FAILED
from asgideck.runtime.cli._call import add_parser as add_call
from asgideck.runtime.cli._check import add_parser as add_check
from asgideck.runtime.cli._deploy import add_parser as add_deploy
from asgideck.runtime.cli._inspect import add_parser as add_inspect
from asgideck.runtime.cli._mcp import add_parser as add_mcp
from asgideck.runtime.cli._profiles import add_parser as add_profiles
from asgideck.runtime.cli._requests import add_parser as add_requests
from asgideck.runtime.cli._servers import add_parsers as add_servers
from asgideck.runtime.cli._services import add_parser as add_services
from asgideck.runtime.cli._shared import (
    EXIT_INTERRUPTED,
    EXIT_IO_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    ErrorStream,
    Output,
    OutputFailed,
    print_notices,
)
from asgideck.runtime.client import RequestFailed
from asgideck.runtime.errors import AsgideckError

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

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


def build_parser() -> argparse.ArgumentParser:
    """Each subcommand's module adds its parser and sets ``run``, its handler."""
    parser = _Parser(prog="asgideck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (add_profiles, add_check, add_inspect, add_servers, add_services, add_call, add_mcp):
        add(sub)
    add_requests(sub)
    add_deploy(sub)
    return parser


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
    args = build_parser().parse_args(argv)
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
    except RequestFailed as exc:  # a request that failed outside call's own handling
        print(f"asgideck: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except AsgideckError as exc:
        print(f"asgideck: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):  # no real file (a test's StringIO, None)
        pass
