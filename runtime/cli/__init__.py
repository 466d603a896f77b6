"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses: one module
per subcommand (``_profiles``, ``_check``, ``_inspect``, ``_servers``, ``_call``), the
parser and dispatch in ``_main``.

``ItemError`` and ``parse_items`` are loaded on first use (PEP 562): they live in
``_call``, which brings the HTTP client, and the console script imports this package
for every command."""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports
from asgideck.runtime.cli._main import SUBCOMMANDS, main, skip_unused_imports
from asgideck.runtime.cli._shared import (
    EXIT_ENDED_ELSEWHERE,
    EXIT_ERRORS,
    EXIT_FAILED,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    EXIT_WARNINGS,
)

if TYPE_CHECKING:
    from asgideck.runtime.cli._call import ItemError, parse_items

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
    "skip_unused_imports",
]

#: where each lazily loaded public name lives (the private module in this package)
_HOME: dict[str, str] = {"ItemError": "_call", "parse_items": "_call"}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
