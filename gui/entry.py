"""The ``asgideck`` console script: headless subcommands, or the window.

Headless commands never import Qt, so they work on a machine without a display.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from asgideck.runtime.cli import SUBCOMMANDS

BUNDLED_SAMPLE = Path(str(files("asgideck") / "sample_app"))


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        from asgideck.runtime.cli import main as cli_main

        return cli_main(args)
    parser = argparse.ArgumentParser(
        prog="asgideck",
        description="Desktop control panel for FastAPI/ASGI projects. "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (asgideck SUBCOMMAND --help).",
    )
    parser.add_argument(
        "path",
        nargs="?",
        type=Path,
        default=BUNDLED_SAMPLE,
        help="project folder (default: the bundled sample_app)",
    )
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument(
        "--screenshot",
        metavar="FILE",
        type=Path,
        help="open, wait until loaded, save a PNG of the window and exit",
    )
    parser.add_argument("--profile", metavar="NAME", help="profile to select first")
    parser.add_argument("--tab", metavar="NAME", help="tab to show first (e.g. profile, logs)")
    parser.add_argument(
        "--start",
        metavar="SERVER",
        action="append",
        default=[],
        help="start this server once the project is open (repeatable)",
    )
    opts = parser.parse_args(args)

    from asgideck.gui.app import run

    return run(
        opts.path,
        python=opts.python,
        screenshot=opts.screenshot,
        profile=opts.profile,
        tab=opts.tab,
        start=opts.start,
    )


if __name__ == "__main__":
    sys.exit(main())
