"""The few log lines that explain why a server failed (shown with a crash)."""

from __future__ import annotations

from collections.abc import Sequence

from asgideck.runtime.logs._parse import parse_level, starts_record

__all__ = ["error_excerpt"]

#: Exceptions that only report another failure (the worker's traceback is the real one).
_WRAPPER_EXCEPTIONS = (
    "gunicorn.errors.HaltServer",
    "SystemExit",
    "KeyboardInterrupt",
    "click.exceptions.Exit",
    "asyncio.exceptions.CancelledError",
)


def _traceback_block(lines: Sequence[str], start: int, max_lines: int) -> list[str]:
    """The final frame (with its source/caret lines) and the exception lines after ``start``."""
    j = start + 1
    frame_at = None
    while j < len(lines) and lines[j][:1] in (" ", "\t", "|", "+"):
        if lines[j].lstrip(" |+").startswith('File "'):
            frame_at = j
        j += 1
    frame = list(lines[frame_at:j][:6]) if frame_at is not None else []
    exc: list[str] = []
    while j < len(lines) and not starts_record(lines[j]) and len(exc) < max_lines:
        exc.append(lines[j])
        j += 1
    return [*frame, *exc][-max_lines:]


def error_excerpt(lines: Sequence[str], max_lines: int = 24) -> str | None:
    """The lines that explain a failure.

    The last traceback that is not a mere wrapper (gunicorn's HaltServer,
    SystemExit) as final frame + exception, else the last ERROR lines, else the
    last few lines.
    """
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        return None
    starts = [
        i
        for i, ln in enumerate(lines)
        if "Traceback (most recent call last):" in ln or "Exception Group Traceback" in ln
    ]
    blocks = [b for b in (_traceback_block(lines, i, max_lines) for i in reversed(starts)) if b]
    for block in blocks:
        exception = next((ln for ln in block if ln[:1] not in (" ", "\t")), "")
        if not exception.startswith(_WRAPPER_EXCEPTIONS):
            return "\n".join(block)
    if blocks:
        return "\n".join(blocks[0])
    errors = [
        ln
        for ln in lines[-200:]
        if parse_level(ln, "stdout") in ("ERROR", "CRITICAL")
        or ln.startswith(("Error:", "error:"))
        or ": error:" in ln
        or "No module named" in ln
    ]
    if errors:
        return "\n".join(errors[-5:])
    return "\n".join(lines[-10:])
