"""What every subcommand shares: the exit codes, JSON output, the project options.

asgideck's own exit codes never reuse a server's: ``run`` never passes a server's exit
code through (uvicorn's 3 means "startup failed", which was also asgideck's "could not
start"); it prints the server's code and exits with one of these:

==  ===================================================================
0   ok (``run``: stopped by Ctrl-C, SIGTERM, SIGHUP or a closed output; the tree is gone)
1   ``check``: errors found; ``ps``/``stop``: a server could not be stopped
2   ``check``: warnings only
64  usage: a bad option, folder, profile or app (one ``asgideck:`` line)
69  ``run``: could not start (port in use or lost to another process, interpreter or
    server missing)
70  ``run``: the server failed (exited on its own, or failed at startup)
71  ``run``: stopped, but processes or the port survived
72  ``run``: the server ended without ``run`` stopping it: ``asgideck stop`` from elsewhere,
    a signal to its tree (``kill``), or it exited with code 0 on its own
75  ``run``: the server was not ready in time; asgideck stopped it
130 interrupted (Ctrl-C) where the subcommand has no meaning of its own for it
==  ===================================================================

A bad option or argument exits 64 too (argparse's own code, 2, is taken by ``check``).

``call`` has its own: 2 no running server, 3 no complete answer (refused, timed out, past
``--deadline``), 4/5 the HTTP status class, 6 answered but the body was cut at ``--max-body``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from asgideck.runtime.userstate import take_notices

__all__ = [
    "EXIT_CANNOT_START",
    "EXIT_ENDED_ELSEWHERE",
    "EXIT_ERRORS",
    "EXIT_INTERRUPTED",
    "EXIT_NOT_CLEAN",
    "EXIT_NOT_READY",
    "EXIT_OK",
    "EXIT_SERVER_FAILED",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "add_project_options",
    "dump_json",
    "print_notices",
    "relative",
]

EXIT_OK, EXIT_ERRORS, EXIT_WARNINGS, EXIT_USAGE = 0, 1, 2, 64
#: ``run`` (sysexits.h values: EX_UNAVAILABLE, EX_SOFTWARE, EX_OSERR, EX_TEMPFAIL)
EXIT_CANNOT_START, EXIT_SERVER_FAILED, EXIT_NOT_CLEAN, EXIT_NOT_READY = 69, 70, 71, 75
EXIT_ENDED_ELSEWHERE = 72
#: the shell's code for a command ended by SIGINT (128 + 2)
EXIT_INTERRUPTED = 130


def add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")


def print_notices() -> None:
    """Say what the state files needed (a damaged ``servers.json`` restored from its
    backup...): one ``asgideck: warning:`` line each, each said once."""
    for line in take_notices():
        print(f"asgideck: warning: {line}", file=sys.stderr)


def dump_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, default=str)
    out.write("\n")


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it is inside it, else as it is."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
