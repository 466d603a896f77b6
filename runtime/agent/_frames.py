"""Leaving the agent's own frames out of the user's tracebacks.

With recording on, an exception passes through the agent's shims and wrappers
(``Timed``, the endpoint and dependency wrappers): frames the user did not write
and would not see without recording. The traceback of an exception leaving the
app is relinked past them (so the server's log shows the user's stack, with only
the agent's entry frame), and a recorded exception's frames and text leave them
out. Python 3.8 syntax, stdlib only.
"""

from __future__ import annotations

import os
import traceback
from typing import Any

AGENT_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
_MAX_CHAIN = 20  # chained exceptions (cause, context, group members) looked at


def is_agent_file(filename: str) -> bool:
    """A frame of the agent's own code."""
    return filename.startswith(AGENT_DIR) or os.path.abspath(filename).startswith(AGENT_DIR)


def _chain(exc: BaseException) -> list[BaseException]:
    """``exc`` and the exceptions chained to it (bounded, each once)."""
    found: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo and len(found) < _MAX_CHAIN:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is seen for seen in found):
            continue
        found.append(item)
        todo += [item.__cause__, item.__context__]
        todo += list(getattr(item, "exceptions", None) or ())
    return found


def unlink_agent_frames(exc: BaseException) -> None:
    """Relink the tracebacks of ``exc`` and its chain past the agent's frames; each
    traceback's first entry stays (it is the frame that caught or holds it)."""
    for item in _chain(exc):
        tb = item.__traceback__
        while tb is not None:
            following = tb.tb_next
            while following is not None and is_agent_file(following.tb_frame.f_code.co_filename):
                following = following.tb_next
            if following is not tb.tb_next:
                tb.tb_next = following
            tb = following


def _drop(found: Any, seen: list[Any]) -> None:
    if found is None or any(found is item for item in seen) or len(seen) >= _MAX_CHAIN:
        return
    seen.append(found)
    found.stack[:] = [frame for frame in found.stack if not is_agent_file(frame.filename)]
    _drop(found.__cause__, seen)
    _drop(found.__context__, seen)
    for member in getattr(found, "exceptions", None) or ():
        _drop(member, seen)


def user_frames(exc: BaseException, limit: int) -> list[Any]:
    """The last ``limit`` frames of ``exc``'s traceback that are not the agent's."""
    frames = traceback.extract_tb(exc.__traceback__)
    return [frame for frame in frames if not is_agent_file(frame.filename)][-limit:]


def user_text(exc: BaseException) -> str:
    """``exc`` formatted as Python prints it, without the agent's frames."""
    try:
        found = traceback.TracebackException(type(exc), exc, exc.__traceback__)
        _drop(found, [])
        return "".join(found.format())
    except Exception:
        return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
