"""The ``asgideck`` console script: headless subcommands, or the window.

Headless commands never import Qt, so they work on a machine without a display.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from asgideck.runtime.cli import SUBCOMMANDS

# argparse, shutil, tempfile and importlib.resources are imported where used: a
# subcommand (``asgideck call`` above all) never needs them here.

if TYPE_CHECKING:
    BUNDLED_SAMPLE: Path


def _bundled_sample() -> Path:
    """The sample app shipped in the package (``asgideck/sample_app``)."""
    from importlib.resources import files

    return Path(str(files("asgideck") / "sample_app"))


def __getattr__(name: str) -> Any:
    """``BUNDLED_SAMPLE``, found on first use (PEP 562): ``importlib.resources`` costs a
    subcommand a few milliseconds for a path only the window's default uses."""
    if name != "BUNDLED_SAMPLE":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    found = _bundled_sample()
    globals()["BUNDLED_SAMPLE"] = found  # the next look-up is a plain module attribute
    return found


def _sample() -> Path:
    """``BUNDLED_SAMPLE`` (found once)."""
    found: Path | None = globals().get("BUNDLED_SAMPLE")
    return found if found is not None else __getattr__("BUNDLED_SAMPLE")


def sample_in_checkout(sample: Path | None = None) -> bool:
    """A source checkout (pyproject.toml beside the sample) that we may write to."""
    if sample is None:
        sample = _sample()
    return (sample.parent / "pyproject.toml").is_file() and os.access(sample, os.W_OK)


def sample_copy_path() -> Path:
    """Where an installed asgideck keeps the user's copy of the sample (``ASGIDECK_HOME`` too)."""
    from asgideck.runtime import userstate  # here: a subcommand never needs it

    return userstate.state_dir() / "sample_app"


def default_project(sample: Path | None = None) -> Path:
    """The folder opened when none is given: the sample, somewhere it may write.

    Running the sample writes its SQLite data and profile edits into its folder. In
    a checkout that is the repository's sample_app; an installed sample sits in
    site-packages, so the user gets a copy of their own, made once and never
    overwritten (their edits survive upgrades).
    """
    if sample is None:
        sample = _sample()
    if sample_in_checkout(sample):
        return sample
    copy = sample_copy_path()
    if not copy.exists():
        _copy_tree_atomically(sample, copy)
    return copy


def _copy_tree_atomically(source: Path, target: Path) -> None:
    """Copy beside ``target`` and rename, so an interrupted copy never looks complete."""
    import shutil
    import tempfile

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
        return f"project folder (default: this checkout's sample app, {_sample()})"
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
        if args[0] != "call":
            return cli_main(args)
        # One request in a process of its own: its start-up allocates ~100k objects
        # (httpx, httpcore, the project's types) that all live until it exits, and the
        # collector walked them ~45 times for nothing (~8 ms of a ~200 ms call). A call
        # ends after one exchange (bounded by --deadline), so its cycles wait for exit;
        # freeze() keeps the collector, once back on, from walking them all once more.
        gc.disable()
        try:
            return cli_main(args)
        finally:
            gc.freeze()
            gc.enable()
    import argparse

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
