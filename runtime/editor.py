"""Open a source file at a line in the user's editor.

The editor comes from ``ASGIDECK_EDITOR`` (used as given), ``VISUAL`` or ``EDITOR``,
or a known GUI editor on PATH; each family takes "file at line" in its own syntax.
The GUI starts the editor detached, without a terminal, so a terminal editor from
``VISUAL``/``EDITOR`` (vim, nano, ``emacs -nw`` ...) is skipped: it would wait,
invisibly, for a terminal nobody sees. ``None`` means "let the desktop open the
file" (no line).
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import Mapping
from pathlib import Path

__all__ = ["editor_command", "parse_source"]

_GOTO = {  # executable name -> argv after the executable
    "code": ["-g", "{file}:{line}"],
    "codium": ["-g", "{file}:{line}"],
    "code-insiders": ["-g", "{file}:{line}"],
    "cursor": ["-g", "{file}:{line}"],
    "subl": ["{file}:{line}"],
    "zed": ["{file}:{line}"],
    "gedit": ["+{line}", "{file}"],
    "kate": ["--line", "{line}", "{file}"],
    "pycharm": ["--line", "{line}", "{file}"],
    "charm": ["--line", "{line}", "{file}"],
    "idea": ["--line", "{line}", "{file}"],
}
_PLUS_LINE = ("vi", "vim", "nvim", "gvim", "emacs", "emacsclient", "nano", "micro", "hx", "kak")
# Editors that need a terminal (gvim opens a window; emacs does unless told not to).
_TERMINAL = frozenset({"vi", "vim", "nvim", "nano", "micro", "hx", "kak", "pico", "joe", "ed"})
_EMACS_NO_WINDOW = frozenset({"-nw", "-t", "--tty", "--no-window-system"})
_GUI_ON_PATH = ("code", "codium", "cursor", "subl", "zed", "pycharm", "charm")


def parse_source(source: str, root: Path) -> tuple[Path, int]:
    """'app/api/items.py:20' (relative to ``root``, or absolute) -> (path, line)."""
    file, _, line = source.rpartition(":")
    if not file or not line.isdigit():
        return (root / source if not Path(source).is_absolute() else Path(source)), 1
    path = Path(file)
    return (path if path.is_absolute() else root / path), int(line)


def editor_command(
    file: Path, line: int, environ: Mapping[str, str] | None = None
) -> list[str] | None:
    """The argv that opens ``file`` at ``line``, or None (let the desktop open it)."""
    env = os.environ if environ is None else environ
    for var in ("ASGIDECK_EDITOR", "VISUAL", "EDITOR"):
        try:
            argv = shlex.split(env.get(var, ""))
        except ValueError:  # unbalanced quotes: not a usable command
            continue
        if argv and (var == "ASGIDECK_EDITOR" or not _needs_terminal(argv)):
            return [*argv, *_location(Path(argv[0]).name, file, line)]
    for name in _GUI_ON_PATH:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return [found, *_location(name, file, line)]
    return None


def _needs_terminal(argv: list[str]) -> bool:
    name = Path(argv[0]).name.lower().removesuffix(".exe")
    if name in ("emacs", "emacsclient"):
        return bool(_EMACS_NO_WINDOW.intersection(argv[1:]))
    return name in _TERMINAL


def _location(name: str, file: Path, line: int) -> list[str]:
    if name in _GOTO:
        return [part.format(file=file, line=line) for part in _GOTO[name]]
    if name in _PLUS_LINE:
        return [f"+{line}", str(file)]
    return [str(file)]
