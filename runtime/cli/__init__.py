"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses: one module
per subcommand (``_profiles``, ``_check``, ``_inspect``, ``_servers``, ``_call``), the
parser and dispatch in ``_main``."""

from __future__ import annotations

from asgideck.runtime.cli._call import EXIT_FAILED, ItemError, parse_items
from asgideck.runtime.cli._main import SUBCOMMANDS, main
from asgideck.runtime.cli._shared import (
    EXIT_ENDED_ELSEWHERE,
    EXIT_ERRORS,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARNINGS,
)

__all__ = [
    "EXIT_ENDED_ELSEWHERE",
    "EXIT_ERRORS",
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "SUBCOMMANDS",
    "ItemError",
    "main",
    "parse_items",
]
