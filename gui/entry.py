"""The ``asgideck`` console script: headless subcommands, or the window.

Headless commands never import Qt, so they work on a machine without a display.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Sequence
from importlib.resources import files
from pathlib import Path

from asgideck.runtime.cli import SUBCOMMANDS

BUNDLED_SAMPLE = Path(str(files("asgideck") / "sample_app"))


def sample_in_checkout(sample: Path = BUNDLED_SAMPLE) -> bool:
    """A source checkout (pyproject.toml beside the sample) that we may write to."""
    return (sample.parent / "pyproject.toml").is_file() and os.access(sample, os.W_OK)


def sample_copy_path() -> Path:
    """Where an installed asgideck keeps the user's copy of the sample (``ASGIDECK_HOME`` too)."""
    from asgideck.runtime import userstate  # here: a subcommand never needs it

    return userstate.state_dir() / "sample_app"


def default_project(sample: Path = BUNDLED_SAMPLE) -> Path:
    """The folder opened when none is given: the sample, somewhere it may write.

    Running the sample writes its SQLite data and profile edits into its folder. In
    a checkout that is the repository's sample_app; an installed sample sits in
    site-packages, so the user gets a copy of their own, made once and never
    overwritten (their edits survive upgrades).
    """
    if sample_in_checkout(sample):
        return sample
    copy = sample_copy_path()
    if not copy.exists():
        _copy_tree_atomically(sample, copy)
    return copy


def _copy_tree_atomically(source: Path, target: Path) -> None:
    """Copy beside ``target`` and rename, so an interrupted copy never looks complete."""
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        shutil.copytree(
            source, staging / "tree", ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )
        try:
            (staging / "tree").rename(target)
        except OSError:
            if not target.is_dir():  # not a second asgideck that won the race: a real error
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _path_help() -> str:
    if sample_in_checkout():
        return f"project folder (default: this checkout's sample app, {BUNDLED_SAMPLE})"
    return (
        f"project folder (default: your copy of the bundled sample app, {sample_copy_path()}, "
        "made on first use)"
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in SUBCOMMANDS:
        from asgideck.runtime.cli import main as cli_main
        from asgideck.runtime.cli import skip_unused_imports

        skip_unused_imports()  # this process is the command: nothing else will want them
        return cli_main(args)
    from asgideck import __version__  # here: reading the installed version costs ~40 ms

    parser = argparse.ArgumentParser(
        prog="asgideck",
        description="Desktop control panel for FastAPI/ASGI projects. "
        f"Subcommands: {', '.join(SUBCOMMANDS)} (asgideck SUBCOMMAND --help).",
    )
    parser.add_argument("--version", action="version", version=f"asgideck {__version__}")
    parser.add_argument("path", nargs="?", type=Path, help=_path_help())
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
        opts.path if opts.path is not None else default_project(),
        python=opts.python,
        screenshot=opts.screenshot,
        profile=opts.profile,
        tab=opts.tab,
        start=opts.start,
    )


if __name__ == "__main__":
    sys.exit(main())
