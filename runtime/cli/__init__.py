"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses."""

from __future__ import annotations

from asgideck.runtime.cli._call import EXIT_FAILED, ItemError, parse_items
from asgideck.runtime.cli._main import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARNINGS,
    SUBCOMMANDS,
    main,
)

__all__ = [
    "EXIT_ERRORS",
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "SUBCOMMANDS",
    "ItemError",
    "main",
    "parse_items",
]
