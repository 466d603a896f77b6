"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses.

``asgideck.gui.entry`` dispatches here for every name in ``SUBCOMMANDS`` so that a
terminal user never pays for (or needs) Qt.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn, TextIO

from asgideck.runtime.cli._call import EXIT_FAILED
from asgideck.runtime.cli._call import add_parser as add_call
from asgideck.runtime.cli._check import add_parser as add_check
from asgideck.runtime.cli._inspect import add_parser as add_inspect
from asgideck.runtime.cli._profiles import add_parser as add_profiles
from asgideck.runtime.cli._servers import add_parsers as add_servers
from asgideck.runtime.cli._shared import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, print_notices
from asgideck.runtime.client import RequestFailed
from asgideck.runtime.errors import AsgideckError

__all__ = ["SUBCOMMANDS", "build_parser", "main"]

SUBCOMMANDS = ("profiles", "check", "inspect", "run", "ps", "stop", "call")


def build_parser() -> argparse.ArgumentParser:
    """Each subcommand's module adds its parser and sets ``run``, its handler."""
    parser = _Parser(prog="asgideck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    for add in (add_profiles, add_check, add_inspect, add_servers, add_call):
        add(sub)
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


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run one subcommand: an error asgideck raised on purpose is one ``asgideck: ...``
    line and an exit code; anything else is a bug and keeps its traceback."""
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        code: int = _dispatch(args, out)
        out.flush()  # here, not at interpreter exit, so a closed pipe is caught below
    except BrokenPipeError:  # `asgideck ... | head`: the reader has gone, nothing to say
        _silence_stdout()
        return EXIT_OK
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
    except (OSError, ValueError):  # stdout is no real file (a test's StringIO)
        pass
