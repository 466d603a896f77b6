"""Text made safe to write to a terminal or a log file that will be ``cat``-ed later.

A server's output and a response body are untrusted bytes: an escape sequence in
them can retitle the terminal, move the cursor, hide lines or write the
clipboard (OSC 52) when replayed. Everything that is not plain text is removed
(escape sequences) or shown as a visible escape (other control characters,
``\\x00`` style); colour (SGR, ``ESC [ ... m``) survives only when asked for.
"""

from __future__ import annotations

import re

__all__ = ["printable"]

# ESC-introduced sequences (ECMA-48): CSI (ESC [ params final), OSC/DCS/SOS/PM/APC strings
# up to BEL or ST (or the end of the text when unterminated), and two-byte escapes. The
# C1 forms (0x9b CSI, 0x9d OSC, ...) are matched too: some terminals honour them.
_CSI = r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
_STRING = r"(?:\x1b[\]PX^_]|[\x90\x98\x9d\x9e\x9f])[^\x07\x1b\x9c]*(?:\x07|\x1b\\|\x9c|$)"
_TWO_BYTE = r"\x1b[ -/]*[0-~]"
_SEQUENCE = f"{_STRING}|{_CSI}|{_TWO_BYTE}"
_SGR = re.compile(r"(?:\x1b\[|\x9b)[0-9;:]*m")
# C0 controls except tab and newline, DEL, and the C1 block (a lone ESC included).
_CONTROL = r"[\x00-\x08\x0b-\x1f\x7f-\x9f]"
_UNSAFE = re.compile(f"(?P<sequence>{_SEQUENCE})|(?P<control>{_CONTROL})")
# Every sequence starts with ESC or a C1 control, so text holding none of these is safe.
# Looked for one character at a time: ``c in text`` is a memchr, ~20x faster on a 64 KB
# chunk of server output than a character-class regex search (the log path's hot spot).
_C0_CHARS = tuple(chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F))
_C1_CHARS = tuple(chr(c) for c in range(0x80, 0xA0))


# The last text looked at and the answer: ``asgideck run``'s reader thread hands each
# chunk to the terminal and then to the run's log file, so the second look is free.
# (One tuple, replaced whole: safe to read from any thread.)
_last: tuple[str, bool] = ("", False)


def _has_control(text: str) -> bool:
    global _last
    seen, found = _last
    if seen is text:
        return found
    found = any(char in text for char in _C0_CHARS) or (
        not text.isascii()  # O(1) for a str: an ASCII text holds no C1 control
        and any(char in text for char in _C1_CHARS)
    )
    _last = (text, found)
    return found


def printable(text: str, *, keep_colour: bool = False) -> str:
    """``text`` without escape sequences and with other controls made visible.

    Tab and newline stay; ``\\r`` becomes ``\\x0d`` (it can overwrite a line that was
    just printed). With ``keep_colour`` the SGR colour sequences are kept as they are.
    """
    if text.isprintable() or not _has_control(text):
        return text

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if match["control"] is not None:
            return f"\\x{ord(found):02x}"
        return found if keep_colour and _SGR.fullmatch(found) else ""

    return _UNSAFE.sub(replace, text)
