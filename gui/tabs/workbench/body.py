"""What the response viewer puts in its text widget: a bounded, prepared view of a body.

Computed on a worker thread (see :func:`body_view`), because a body may be
10 MB in memory and 100 MB on disk. The rules, each from a measurement on this
machine (PySide6 6.11, offscreen):

- at most :data:`DISPLAY_CAP` characters ever reach a text widget
  (256 KB of short lines: ~5 ms to show);
- long lines cost ~0.2 ms per KB to lay out (a 256 KB single line: ~50 ms,
  and ~1.8 s with word wrap), so text with lines over :data:`LONG_LINE` chars
  is cut to :data:`LONG_LINE_CAP` and the widget never wraps;
- ``json.loads`` holds the GIL (the GUI thread waits meanwhile), so only bodies
  up to :data:`PRETTY_MAX` are parsed whole; larger or truncated JSON is
  re-indented token by token over the shown prefix (pure Python, which yields).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from asgideck.runtime.client import HEX_HEAD, ResponseRecord, hex_dump, size_text

DISPLAY_CAP = 256 * 1024
LONG_LINE = 4096
LONG_LINE_CAP = 64 * 1024
PRETTY_MAX = 1024 * 1024


@dataclass(frozen=True)
class BodyView:
    """Texts for the pretty and raw modes, and what to say about what is not shown."""

    pretty: str
    raw: str
    raw_notice: str | None
    pretty_notice: str | None
    is_json: bool
    is_binary: bool
    shown_chars: int


def _cap(text: str) -> tuple[str, bool]:
    """``text`` cut for the widget; True when something was left out."""
    cut = text[:DISPLAY_CAP]
    longest = max((len(line) for line in cut.split("\n")), default=0)
    limit = LONG_LINE_CAP if longest > LONG_LINE else DISPLAY_CAP
    return cut[:limit], len(text) > limit


_JSON_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"?|[{}\[\],:]|[^\s{}\[\],:"]+')


def reindent_json(text: str, limit: int = DISPLAY_CAP) -> tuple[str, int]:
    """Indent JSON token by token (also a truncated or invalid prefix) up to ``limit`` chars.

    Returns the indented text and how many characters of ``text`` it covers.
    """
    out: list[str] = []
    size = depth = consumed = 0
    previous = ""
    for match in _JSON_TOKEN.finditer(text):
        token = match.group()
        if token in "{[":
            piece = token + "\n" + "  " * (depth + 1)
            depth += 1
        elif token in "}]":
            depth = max(0, depth - 1)
            if previous in ("{", "["):  # an empty object or array stays on one line
                out[-1] = previous
                size = sum(len(p) for p in out)
                piece = token
            else:
                piece = "\n" + "  " * depth + token
        elif token == ",":
            piece = ",\n" + "  " * depth
        elif token == ":":
            piece = ": "
        else:
            piece = token
        out.append(piece)
        size += len(piece)
        previous = token
        consumed = match.end()
        if size >= limit:
            break
    return "".join(out)[:limit], consumed


def body_view(record: ResponseRecord) -> BodyView:
    """Prepare both display modes of ``record``'s body (call off the GUI thread)."""
    if record.is_binary:
        kind = record.mime or "unknown type"
        shown = min(len(record.body), HEX_HEAD)
        text = f"<{size_text(record.size)} of {kind}>\n" + hex_dump(record.body[:HEX_HEAD])
        notice = None
        if record.size > shown:
            notice = f"Binary body ({size_text(record.size)} of {kind}): showing the hex of the "
            notice += f"first {shown} bytes. {_whole(record)}"
        return BodyView(text, text, notice, notice, False, True, len(text))
    head = dataclasses.replace(record, body=record.body[: DISPLAY_CAP + 4])
    raw_full = head.text()
    raw, raw_cut = _cap(raw_full)
    raw_cut = raw_cut or len(record.body) > DISPLAY_CAP + 4 or record.truncated
    raw_notice = None
    if raw_cut:
        raw_notice = f"Showing the first {size_text(len(raw.encode('utf-8')))} of "
        raw_notice += f"{size_text(record.size)}. {_whole(record)}"
    pretty, pretty_notice = raw, raw_notice
    if record.is_json:
        if not record.truncated and len(record.body) <= PRETTY_MAX:
            pretty, pretty_cut = _cap(record.pretty())
            if pretty_cut and not raw_cut:
                pretty_notice = (
                    f"Showing the first {size_text(len(pretty))} of the formatted body; "
                    "Raw (Ctrl+Shift+P) shows all of it."
                )
        else:
            pretty, covered = reindent_json(raw_full)
            pretty_notice = (
                f"Showing the first {size_text(len(raw_full[:covered].encode('utf-8')))} of "
                f"{size_text(record.size)}, re-indented. {_whole(record)}"
            )
    return BodyView(pretty, raw, raw_notice, pretty_notice, record.is_json, False, len(raw))


def _whole(record: ResponseRecord) -> str:
    if record.body_file is not None:
        return f"The whole body is in {record.body_file} (Save body…, Ctrl+S)."
    return "Save body… (Ctrl+S) writes the whole body to a file."
