"""What every subcommand shares: the exit codes, JSON output, the project options.

asgideck's own exit codes never reuse a server's: ``run`` never passes a server's exit
code through (uvicorn's 3 means "startup failed", which was also asgideck's "could not
start"); it prints the server's code and exits with one of these:

==  ===================================================================
0   ok (``run``: stopped by Ctrl-C, SIGTERM, SIGHUP or a closed output; the tree is gone)
1   ``check``: errors found; ``ps``/``stop``/``services stop``: a server or service could
    not be stopped
2   ``check``: warnings only
64  usage: a bad option, folder, profile or app (one ``asgideck:`` line)
69  ``run``: could not start (port in use or lost to another process, interpreter or
    server missing, a before-start task failed); ``services start`` / ``run
    --with-services``: a service's port taken, its program not installed, its password
    refused by existing data, or it exited at once
70  ``run``: the server failed (exited on its own, or failed at startup)
71  ``run``: stopped, but processes or the port survived
72  ``run``: the server ended without ``run`` stopping it: ``asgideck stop`` from elsewhere,
    a signal to its tree (``kill``), or it exited with code 0 on its own
74  the output could not be written (a full disk, an I/O error, a closed stdout); for
    ``call`` the request was sent and answered all the same
75  ``run``: the server was not ready in time; asgideck stopped it (``services start`` /
    ``--with-services``: a service did not answer its protocol in time)
130 interrupted (Ctrl-C) where the subcommand has no meaning of its own for it
143 stopped by SIGTERM (129 SIGHUP): every command but ``run`` (which stops its server
    and says how) cleans up as for Ctrl-C and exits 128 + the signal's number
==  ===================================================================

A bad option or argument exits 64 too (argparse's own code, 2, is taken by ``check``).

``call`` has its own: 2 no running server, 3 no complete answer (refused, timed out, past
``--deadline``), 4/5 the HTTP status class, 6 answered but the body was cut at ``--max-body``.

``requests`` has its own: 2 nothing to read (no server of the project was started with
recording on; the line names the server or the folder and how to turn recording on).
``requests --follow`` runs until Ctrl-C: 130, as above.

``deploy`` has its own: 1 ``--check``: a generated file failed its real check (such a file is
not written) or the profile has a blocking readiness finding; 3 ``--write``/``--out``: a
file there has other text (nothing written; the line names it, ``--force`` replaces it).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import math
import sys
from pathlib import Path
from typing import IO, Any, TextIO

from asgideck.runtime.errors import InputError
from asgideck.runtime.terminal import printable
from asgideck.runtime.userstate import take_notices

__all__ = [
    "EXIT_CANNOT_START",
    "EXIT_CUT",
    "EXIT_ENDED_ELSEWHERE",
    "EXIT_ERRORS",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_IO_ERROR",
    "EXIT_NOT_CLEAN",
    "EXIT_NOT_READY",
    "EXIT_NO_SERVER",
    "EXIT_OK",
    "EXIT_SERVER_FAILED",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "ErrorStream",
    "Output",
    "OutputFailed",
    "add_project_options",
    "check_grace",
    "dump_json",
    "print_notices",
    "relative",
]

EXIT_OK, EXIT_ERRORS, EXIT_WARNINGS, EXIT_USAGE = 0, 1, 2, 64
#: ``run`` (sysexits.h values: EX_UNAVAILABLE, EX_SOFTWARE, EX_OSERR, EX_TEMPFAIL)
EXIT_CANNOT_START, EXIT_SERVER_FAILED, EXIT_NOT_CLEAN, EXIT_NOT_READY = 69, 70, 71, 75
EXIT_ENDED_ELSEWHERE = 72
#: sysexits.h EX_IOERR: the output could not be written
EXIT_IO_ERROR = 74
#: the shell's code for a command ended by SIGINT (128 + 2)
EXIT_INTERRUPTED = 130
#: ``call``: no running server, no complete answer, answered but the body was cut (here,
#: not in ``_call``, so that ``_main`` can name them without importing the sender)
EXIT_NO_SERVER, EXIT_FAILED, EXIT_CUT = 2, 3, 6
#: the longest ``--grace`` accepted (a day): beyond it a wait cannot be armed
MAX_GRACE = 86400.0


def check_grace(grace: float) -> None:
    """``--grace`` (``run``, ``stop``): finite seconds, 0 (SIGKILL at once) up to a day;
    else an InputError naming the option (``nan`` compared as "not negative" before)."""
    if math.isnan(grace) or math.isinf(grace):
        raise InputError(f"--grace: {grace:g} is not a finite number of seconds")
    if grace < 0:
        raise InputError(f"--grace: {grace:g} must not be negative")
    if grace > MAX_GRACE:
        raise InputError(f"--grace: {grace:g} is more than {MAX_GRACE:g} seconds (a day)")


class OutputFailed(Exception):
    """stdout could not be written (ENOSPC, EIO, a closed fd): ``main`` says so in one
    line and exits ``EXIT_IO_ERROR``. Not an OSError, so no handler meant for files
    mistakes it for one of theirs."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc) or type(exc).__name__


class _Buffer(io.RawIOBase):
    """The binary side of :class:`Output` (``call`` writes a body byte for byte)."""

    def __init__(self, raw: IO[bytes]) -> None:
        super().__init__()
        self._raw = raw

    def close(self) -> None:
        """Never the real stream's: it belongs to the interpreter (no flush at GC)."""

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        try:
            return self._raw.write(data) or 0
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:
            raise OutputFailed(_reason(exc) if isinstance(exc, OSError) else str(exc)) from None

    def flush(self) -> None:
        try:
            self._raw.flush()
        except BrokenPipeError:
            raise
        except (OSError, ValueError) as exc:
            raise OutputFailed(_reason(exc) if isinstance(exc, OSError) else str(exc)) from None


class Output(io.TextIOBase):
    """What a subcommand writes its output to (its ``out``): the real stdout with two
    guarantees. On a terminal, text from outside (a document's title, a ``.env`` value,
    a server's name) passes :func:`printable`, so no escape sequence reaches the
    terminal; to a pipe or a file it goes as it is, byte for byte. A write that fails
    (a full disk, EIO, stdout closed: ``stream`` None) raises :class:`OutputFailed`;
    EPIPE stays a BrokenPipeError (the reader has gone, nothing to say)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream
        self._terminal = _isatty(stream)
        raw = getattr(stream, "buffer", None)
        self._buffer = _Buffer(raw) if raw is not None else None

    def close(self) -> None:
        """Never the real stream's: it belongs to the interpreter (no flush at GC)."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._terminal

    @property
    def buffer(self) -> _Buffer | None:
        return self._buffer

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("stdout is closed")
        return self._stream.fileno()

    def write(self, text: str) -> int:
        if self._stream is None:
            raise OutputFailed("stdout is closed")
        if self._terminal:
            text = printable(text)
        try:
            return self._stream.write(text)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(_reason(exc)) from None

    def flush(self) -> None:
        if self._stream is None:
            return
        try:
            self._stream.flush()
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputFailed(_reason(exc)) from None


class ErrorStream(io.TextIOBase):
    """sys.stderr while a subcommand runs: made printable on a terminal (an error
    quotes user data), and a failed or closed stderr loses the line instead of raising
    (there is nowhere left to report it)."""

    def __init__(self, stream: TextIO | None) -> None:
        super().__init__()
        self._stream = stream
        self._terminal = _isatty(stream)

    def close(self) -> None:
        """Never the real stream's: it belongs to the interpreter (no flush at GC)."""

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self._terminal

    def fileno(self) -> int:
        if self._stream is None:
            raise io.UnsupportedOperation("stderr is closed")
        return self._stream.fileno()

    def write(self, text: str) -> int:
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.write(printable(text) if self._terminal else text)
        return len(text)

    def flush(self) -> None:
        if self._stream is not None:
            with contextlib.suppress(OSError, ValueError):
                self._stream.flush()


def _isatty(stream: TextIO | None) -> bool:
    try:
        return stream is not None and stream.isatty()
    except (AttributeError, OSError, ValueError):
        return False


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
