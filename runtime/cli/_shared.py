"""What every subcommand shares: the exit codes, JSON output, the project options."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, TextIO

__all__ = [
    "EXIT_ERRORS",
    "EXIT_OK",
    "EXIT_USAGE",
    "EXIT_WARNINGS",
    "add_project_options",
    "dump_json",
    "relative",
]

EXIT_OK, EXIT_ERRORS, EXIT_WARNINGS, EXIT_USAGE = 0, 1, 2, 64


def add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")


def dump_json(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, default=str)
    out.write("\n")


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when it is inside it, else as it is."""
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
