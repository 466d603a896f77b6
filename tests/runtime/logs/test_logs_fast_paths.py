"""The log path's fast paths give exactly what the plain code gives: the control check
before ``printable``'s regex, the ASCII status counter, the buffer's character count
taken from the chunk. Each is compared with the straightforward computation on many
generated chunks (fixed seeds: the same cases every run)."""

from __future__ import annotations

import os
import random
import re
import sys
import threading

import pytest

from asgideck.runtime import terminal
from asgideck.runtime.logs import LineSplitter, LogBuffer, count_status_classes, pump
from asgideck.runtime.logs._reader import PIPE_BYTES, _grow_pipe

# the rule printable had before its fast path: any C0/C1 control but tab and newline
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_STATUS = re.compile(r'HTTP/[\d.]+" ([1-5])\d\d\b')
_ALPHABET = (
    [chr(c) for c in range(0x00, 0xA1)]  # every C0 and C1 control, ASCII, Latin-1 start
    + ["é", "€", "日", "\U0001f600", "٣", "\u2028"]  # non-ASCII (٣: an Arabic-Indic digit)
    + ["\n"] * 8
    + ["\x1b[31m", "\x1b]52;c;eA==\x07", 'HTTP/1.1" ', 'HTTP/2" 404 ', " 200 OK"] * 3
)


def _chunks(seed: int, count: int = 300) -> list[str]:
    rng = random.Random(seed)
    texts = []
    for _ in range(count):
        size = rng.choice((0, 1, 5, 40, 400))
        texts.append("".join(rng.choice(_ALPHABET) for _ in range(size)))
    return texts


def _plain_printable(text: str, keep_colour: bool) -> str:
    """``printable`` without its fast path: the regex substitution on every text."""
    sub = terminal._UNSAFE.sub

    def replace(match: re.Match[str]) -> str:
        found = match.group(0)
        if match["control"] is not None:
            return f"\\x{ord(found):02x}"
        return found if keep_colour and terminal._SGR.fullmatch(found) else ""

    return sub(replace, text)


@pytest.mark.parametrize("seed", range(4))
def test_printable_fast_path_matches_the_regex(seed: int) -> None:
    for text in _chunks(seed):
        assert terminal._has_control(text) == (_CONTROL.search(text) is not None), repr(text)
        for keep in (False, True):
            assert terminal.printable(text, keep_colour=keep) == _plain_printable(text, keep)


def test_the_control_check_remembers_only_the_same_text() -> None:
    clean = "a" * 100 + "\n" + "b" * 100
    dirty = "a" * 100 + "\x07" + "b" * 100
    assert terminal._has_control(clean) is False
    assert terminal._has_control(clean) is False  # the same object: answered from memory
    assert terminal._has_control(dirty) is True  # another text: looked at
    assert terminal._has_control("a" * 100 + "\n" + "b" * 100) is False  # equal, new object
    assert terminal.printable(dirty) == "a" * 100 + "\\x07" + "b" * 100


@pytest.mark.parametrize("seed", range(4))
def test_status_counts_match_the_unicode_pattern(seed: int) -> None:
    for text in _chunks(seed):
        counts: dict[str, int] = {}
        found = count_status_classes(text, counts)
        digits = _STATUS.findall(text)
        assert found == len(digits), repr(text)
        assert counts == {f"{d}xx": digits.count(d) for d in "12345" if d in digits}


def test_a_non_ascii_chunk_counts_unicode_digits_as_before() -> None:
    counts: dict[str, int] = {}
    # "2٣٣": \d matches the Arabic-Indic digits; the ASCII pattern would not
    assert count_status_classes('é "GET / HTTP/1.1" 2٣٣ OK', counts) == 1
    assert counts == {"2xx": 1}


@pytest.mark.parametrize("capacity", [1, 3, 7, 64])
def test_buffer_character_count_stays_exact(capacity: int) -> None:
    """``chars`` (what ``max_chars`` bounds) equals the retained lines' lengths after
    chunks that wrap the ring, lines cut at ``max_line_chars`` and escapes stripped."""
    rng = random.Random(capacity)
    buf = LogBuffer(capacity, max_line_chars=30)
    for text in _chunks(capacity, 200):
        if rng.random() < 0.3:
            buf.append("event", text)
        else:
            buf.append_text(rng.choice(("stdout", "stderr")), text)
        assert buf.chars == sum(len(line.text) for line in buf.snapshot())
        assert all(len(line.text) <= 30 or "more characters]" in line.text for line in buf)
    buf.clear()
    assert buf.chars == 0
    buf.append_text("stdout", "x" * 100 + "\ny")
    assert buf.chars == sum(len(line.text) for line in buf.snapshot())


def test_buffer_lines_are_the_chunk_split_at_newlines() -> None:
    buf = LogBuffer(capacity=10_000)
    for text in _chunks(9):
        before = buf.total
        buf.append_text("stdout", text)
        raw = [line.raw for line in buf.range(before + 1, buf.total + 1)]
        assert raw == text.split("\n")


def test_splitter_keeps_a_character_cut_between_reads() -> None:
    splitter = LineSplitter()
    data = "naïve café 日本 \U0001f600\nnext".encode()
    pieces = [splitter.feed(data[i : i + 1]) for i in range(len(data))]
    assert [p for p in pieces if p is not None] == ["naïve café 日本 \U0001f600"]
    assert splitter.flush() == "next"


_ASCII_ALPHABET = (
    [chr(c) for c in range(0x00, 0x80)]
    + ["\n"] * 8
    + ['HTTP/1.1" ', 'HTTP/2" ', 'HTTP/." ', "HTTP/", '" ', "200", "5", "0", " OK", "_"] * 4
)


@pytest.mark.parametrize("seed", range(4))
def test_ascii_status_counts_over_bytes_match_the_unicode_pattern(seed: int) -> None:
    """ASCII text is counted with the bytes pattern: the same matches as the str one
    (digits, word boundaries after the code, versions of dots and digits)."""
    rng = random.Random(1000 + seed)
    for _ in range(400):
        size = rng.choice((1, 5, 40, 400))
        text = "".join(rng.choice(_ASCII_ALPHABET) for _ in range(size))
        assert text.isascii()
        counts: dict[str, int] = {}
        found = count_status_classes(text, counts)
        digits = _STATUS.findall(text)
        assert found == len(digits), repr(text)
        assert counts == {f"{d}xx": digits.count(d) for d in "12345" if d in digits}
    flood = "\n".join(
        f'INFO:     127.0.0.1:{40000 + i} - "GET /items/{i} HTTP/1.1" {(200, 404, 503, 301)[i % 4]}'
        f"{' OK' if i % 3 else ''}"
        for i in range(5000)
    )
    counts = {}
    assert count_status_classes(flood, counts) == 5000
    assert counts == {"2xx": 1250, "4xx": 1250, "5xx": 1250, "3xx": 1250}


def test_pump_drains_a_grown_pipe_and_a_plain_file_alike(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The reader grows a pipe's buffer (Linux) and reads in chunks that large; a file
    (no pipe to grow) is read as before. Both give every line, in order."""
    lines = [f"{i:07d} INFO: line {'x' * (i % 90)}" for i in range(60_000)]
    data = ("\n".join(lines) + "\n").encode()
    path = tmp_path / "out.log"
    path.write_bytes(data)
    with open(path, "rb") as handle:
        assert _grow_pipe(handle.fileno()) == 0  # not a pipe: refused, quietly
        from_file = LogBuffer(capacity=100_000)
        pump(handle.fileno(), "stdout", from_file)
    read_fd, write_fd = os.pipe()
    try:
        from_pipe = LogBuffer(capacity=100_000)
        chunks: list[str] = []
        reader = threading.Thread(
            target=pump, args=(read_fd, "stdout", from_pipe, chunks.append), daemon=True
        )
        reader.start()
        view = memoryview(data)
        while view:
            view = view[os.write(write_fd, view[:100_000]) :]
        os.close(write_fd)
        write_fd = -1
        reader.join(30)
        assert not reader.is_alive()
        if sys.platform == "linux":
            size = _grow_pipe(read_fd)
            assert size == 0 or size >= PIPE_BYTES
    finally:
        os.close(read_fd)
        if write_fd >= 0:
            os.close(write_fd)
    assert [line.text for line in from_file] == lines
    assert [line.text for line in from_pipe] == lines
    assert "\n".join(chunks).split("\n") == lines
