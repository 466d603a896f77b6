"""Terminal hygiene: what a server or a response prints can never drive the terminal."""

from __future__ import annotations

import pytest

from asgideck.runtime.terminal import printable

CASES = [
    ("plain text", "plain text", "plain text"),
    ("tab\tand\nnewline", "tab\tand\nnewline", "tab\tand\nnewline"),
    ("\x1b[31mred\x1b[0m", "red", "\x1b[31mred\x1b[0m"),
    ("clip\x1b]52;c;aGVsbG8=\x07board", "clipboard", "clipboard"),  # OSC 52, BEL-ended
    ("\x1b]0;title\x1b\\after", "after", "after"),  # OSC ended by ST
    ("\x1b[2J\x1b[Hwiped", "wiped", "wiped"),  # clear screen + cursor home
    ("\x9b31mC1 CSI", "C1 CSI", "\x9b31mC1 CSI"),
    ("nul\x00byte", "nul\\x00byte", "nul\\x00byte"),
    ("carriage\roverwrite", "carriage\\x0doverwrite", "carriage\\x0doverwrite"),
    ("bell\x07", "bell\\x07", "bell\\x07"),
    ("lone escape\x1b", "lone escape\\x1b", "lone escape\\x1b"),
    ("open OSC \x1b]52;c;never-ends", "open OSC ", "open OSC "),
    ("\x1bPdcs string\x1b\\ok", "ok", "ok"),
    ("é ü 日本 ✓", "é ü 日本 ✓", "é ü 日本 ✓"),
]


@pytest.mark.parametrize(("raw", "plain", "coloured"), CASES)
def test_printable_strips_sequences_and_shows_controls(raw: str, plain: str, coloured: str) -> None:
    assert printable(raw) == plain
    assert printable(raw, keep_colour=True) == coloured


def test_long_text_stays_linear() -> None:
    text = "\x1b]" + "x" * 1_000_000  # an unterminated OSC: one pass, not a backtracking search
    assert printable(text) == ""
