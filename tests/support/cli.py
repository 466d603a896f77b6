"""The CLI in-process, as the CLI tests drive it."""

from __future__ import annotations

import io

from asgideck.runtime.cli import main


def run_cli(*args: str) -> tuple[int, str]:
    """``asgideck ARGS`` in this process: (exit code, what it wrote to stdout)."""
    out = io.StringIO()
    return main(list(args), out=out), out.getvalue()
