"""A server's output with every case the log path must carry unchanged: numbered lines
(so a lost, doubled or reordered line shows), the profile's secret value (masked on the
way out), multi-byte UTF-8 cut between writes, ``\\r`` progress lines and CRLF endings,
and a last line with no newline. ``flood_bytes`` is what the server writes;
``expected_lines`` is what must come out, line for line, in order."""

from __future__ import annotations

SECRET = "sk-live-7Hq2ZpX9wLmN4cVb"  # the profile's SECRET_KEY: printed by the app, masked
MASK = "****"
TAIL = "partial last line, no newline: ünïcödé"  # written last, seen at EOF only


def _line(i: int, secret: str) -> str:
    if i % 997 == 3:
        return f"{i:06d} progress 10%\rprogress 55%\r{i:06d} progress done"
    if i % 101 == 5:
        return f"{i:06d} key={secret}; again {secret}!"
    if i % 13 == 0:
        return f"{i:06d} café 日本語 \U0001f600 ñ ü {i}"
    return f'{i:06d} INFO:     127.0.0.1:{40000 + i % 20000} - "GET /items/{i} HTTP/1.1" 200 OK'


def flood_bytes(lines: int) -> bytes:
    """What the app writes: every line, CRLF on every 7th, then ``TAIL`` (no newline)."""
    out = [_line(i, SECRET) + ("\r\n" if i % 7 == 0 else "\n") for i in range(lines)]
    return ("".join(out) + TAIL).encode("utf-8")


def cut_points(data: bytes, every: int = 4093) -> list[int]:
    """Offsets to split ``data`` at, each moved into a multi-byte character when one is
    near: a reader that decodes a read on its own would break these characters."""
    points = []
    for at in range(every, len(data), every):
        for pos in range(at, min(at + 400, len(data))):
            if 0x80 <= data[pos] < 0xC0:  # a continuation byte: the cut lands mid-character
                at = pos
                break
        points.append(at)
    return sorted(set(points))


def expected_lines(lines: int) -> list[str]:
    """What a terminal would finally show of each line, the secret masked."""
    shown = []
    for i in range(lines):
        text = _line(i, MASK)
        shown.append(text.rsplit("\r", 1)[-1])
    return [*shown, TAIL]


def last_marker(lines: int) -> str:
    """Text of the last numbered line's start (what to wait for)."""
    return f"{lines - 1:06d} "
