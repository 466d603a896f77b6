"""Why the system refused to start a program with "Argument list too long" (E2BIG).

The kernel's message names nothing; a profile with one huge value (a certificate
bundle, a JSON blob) or many large ones hits it. This says which variable, how
big, and which limit: on Linux one ``NAME=value`` string may hold at most
128 KiB (``MAX_ARG_STRLEN``), and arguments plus environment together at most
``ARG_MAX`` (a quarter of the stack limit, usually 2 MiB).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence

__all__ = ["MAX_ARG_STRLEN", "too_large_message"]

#: Linux: the longest single argument or ``NAME=value`` string, its NUL included.
MAX_ARG_STRLEN = 32 * 4096
_SHOWN = 3


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size / (1024 * 1024):.1f} MiB"


def _encoded(text: str) -> int:
    return len(os.fsencode(text))


def too_large_message(args: Sequence[str], env: Mapping[str, str]) -> str:
    """One line naming the largest variable(s) (or argument) and the limit they broke."""
    sizes = sorted(
        ((_encoded(name) + 1 + _encoded(value) + 1, name) for name, value in env.items()),
        reverse=True,
    )
    tail = " (Argument list too long)"
    if sys.platform.startswith("linux"):
        over = [(size, name) for size, name in sizes if size > MAX_ARG_STRLEN]
        if over:
            named = ", ".join(f"{name} is {size_text(size)}" for size, name in over[:_SHOWN])
            more = f" and {len(over) - _SHOWN} more" if len(over) > _SHOWN else ""
            limit = size_text(MAX_ARG_STRLEN)
            return f"{named}{more}; Linux limits one variable to {limit}{tail}"
        long_args = [i for i, arg in enumerate(args) if _encoded(arg) + 1 > MAX_ARG_STRLEN]
        if long_args:
            i = long_args[0]
            size = size_text(_encoded(args[i]) + 1)
            limit = size_text(MAX_ARG_STRLEN)
            return f"argument {i} is {size}; Linux limits one argument to {limit}{tail}"
    total = sum(size for size, _name in sizes)
    largest = ", ".join(f"{name} {size_text(size)}" for size, name in sizes[:_SHOWN])
    text = f"the environment is {size_text(total)} in all"
    if largest:
        text += f" (largest: {largest})"
    arg_max = _arg_max()
    if arg_max:
        text += f"; the system allows {size_text(arg_max)} for arguments and environment together"
    return text + tail


def _arg_max() -> int | None:
    try:
        value = os.sysconf("SC_ARG_MAX")
    except (ValueError, OSError, AttributeError):
        return None
    return value if value > 0 else None
