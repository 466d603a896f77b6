"""The bounded ring buffer: seq numbers, eviction, readers, threads, memory, speed."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from asgideck.runtime.logs import LineSplitter, LogBuffer


def test_seq_starts_at_one_and_grows() -> None:
    buf = LogBuffer(capacity=10)
    assert (buf.first_seq, buf.last_seq, len(buf)) == (1, 0, 0)
    assert buf.append_text("stdout", "a\nb") == 2
    assert buf.append("stderr", "c") == 3
    assert [(ln.seq, ln.stream, ln.text) for ln in buf.snapshot()] == [
        (1, "stdout", "a"),
        (2, "stdout", "b"),
        (3, "stderr", "c"),
    ]
    assert buf.total == 3 and len(buf) == 3


def test_capacity_evicts_oldest_and_wraps() -> None:
    buf = LogBuffer(capacity=5)
    for i in range(4):
        buf.append_many("stdout", [f"{i}-{j}" for j in range(3)], when=float(i))
    assert buf.bounds() == (8, 12)
    assert [ln.text for ln in buf.snapshot()] == ["2-1", "2-2", "3-0", "3-1", "3-2"]
    assert [ln.time for ln in buf.snapshot()] == [2.0, 2.0, 3.0, 3.0, 3.0]
    assert buf.get(7) is None and buf.get(13) is None
    assert buf.get(9) is not None and buf.get(9).text == "2-2"  # type: ignore[union-attr]


def test_one_chunk_larger_than_capacity_keeps_its_tail() -> None:
    buf = LogBuffer(capacity=3)
    buf.append_many("stdout", [str(i) for i in range(10)])
    assert buf.bounds() == (8, 10)
    assert [ln.text for ln in buf.snapshot()] == ["7", "8", "9"]


def test_since_follows_new_lines_and_skips_evicted_ones() -> None:
    buf = LogBuffer(capacity=4)
    buf.append_many("stdout", ["a", "b", "c"])
    cursor = 0
    got = buf.since(cursor)
    assert [ln.text for ln in got] == ["a", "b", "c"]
    cursor = got[-1].seq
    assert buf.since(cursor) == []
    buf.append_many("stdout", ["d", "e", "f", "g"])  # a, b, c are gone
    assert [ln.text for ln in buf.since(cursor)] == ["d", "e", "f", "g"]
    assert [ln.text for ln in buf.since(0, limit=2)] == ["d", "e"]
    assert buf.texts_since(cursor) == (7, ["d", "e", "f", "g"])
    assert buf.texts_since(5) == (7, ["f", "g"])
    assert buf.texts_since(7) == (7, [])


def test_range_and_tail() -> None:
    buf = LogBuffer(capacity=100)
    buf.append_many("stdout", [str(i) for i in range(1, 21)])
    assert [ln.text for ln in buf.range(5, 8)] == ["5", "6", "7"]
    assert [ln.text for ln in buf.tail(3)] == ["18", "19", "20"]
    assert [ln.text for ln in buf.tail(10, since_seq=17)] == ["17", "18", "19", "20"]


def test_clear_keeps_counting() -> None:
    buf = LogBuffer(capacity=10)
    buf.append_many("stdout", ["a", "b"])
    buf.clear()
    assert len(buf) == 0 and buf.snapshot() == [] and buf.chars == 0
    assert buf.append("stdout", "c") == 3
    assert [ln.seq for ln in buf.snapshot()] == [3]


def test_character_budget_evicts_oldest() -> None:
    buf = LogBuffer(capacity=1000, max_chars=1000)
    for _ in range(10):
        buf.append_many("stdout", ["x" * 100] * 3)
    assert buf.chars <= 1000
    assert len(buf) <= 10
    assert buf.last_seq == 30
    assert all(ln.text == "x" * 100 for ln in buf.snapshot())


def test_overlong_lines_are_cut() -> None:
    buf = LogBuffer(capacity=10, max_line_chars=10)
    buf.append_many("stdout", ["short", "y" * 25])
    texts = [ln.text for ln in buf.snapshot()]
    assert texts[0] == "short"
    assert texts[1].startswith("y" * 10) and "15 more characters" in texts[1]


def test_ansi_is_stripped_for_text_and_kept_for_spans() -> None:
    buf = LogBuffer(capacity=3)
    buf.append_text("stderr", "\x1b[31mred\x1b[0m\nplain")
    red, plain = buf.snapshot()
    assert red.text == "red" and red.raw == "\x1b[31mred\x1b[0m"
    assert red.spans[0].style.fg == "red"
    assert plain.raw == "plain"
    buf.append_many("stdout", ["1", "2", "3"])  # evicts the coloured line and its raw copy
    assert buf._raw == {}


def test_memory_stays_bounded_under_a_flood() -> None:
    buf = LogBuffer(capacity=1000)
    chunk = "\n".join(f"line {i} " + "z" * 50 for i in range(1000))
    for _ in range(200):
        buf.append_text("stdout", chunk)
    assert len(buf) == 1000
    assert buf.total == 200_000
    assert buf.chars == sum(len(ln.text) for ln in buf.snapshot())


def test_concurrent_writers_and_reader() -> None:
    buf = LogBuffer(capacity=1_000_000)
    writers = 4
    chunks = 200
    stop = threading.Event()
    seen: list[int] = []

    def write(n: int) -> None:
        for c in range(chunks):
            buf.append_many("stdout", [f"{n}:{c}:{i}" for i in range(50)])

    def read() -> None:
        cursor = 0
        while not stop.is_set() or cursor < buf.last_seq:
            for line in buf.since(cursor):
                seen.append(line.seq)
                cursor = line.seq

    reader = threading.Thread(target=read)
    reader.start()
    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stop.set()
    reader.join(10)
    total = writers * chunks * 50
    assert buf.total == total
    assert seen == list(range(1, total + 1))
    # each chunk landed contiguously: one lock acquisition per chunk
    texts = [ln.text for ln in buf.snapshot()]
    for start in range(0, total, 50):
        head = texts[start].rsplit(":", 1)[0]
        assert all(t.rsplit(":", 1)[0] == head for t in texts[start : start + 50])


def test_export_writes_the_retained_lines(tmp_path: Path) -> None:
    buf = LogBuffer(capacity=3)
    buf.append_many("stdout", ["a", "b", "c", "d"])
    out = tmp_path / "export.log"
    assert buf.export(out) == 3
    assert out.read_text() == "b\nc\nd\n"
    assert buf.export(out, buf.since(3)) == 1
    assert out.read_text() == "d\n"


def test_invalid_capacity() -> None:
    with pytest.raises(ValueError, match="capacity"):
        LogBuffer(capacity=0)


def test_ingestion_takes_a_chunk_at_a_time_and_keeps_every_line() -> None:
    """Reader path (split + append): what keeps it cheap is one decode and one append per
    pipe chunk, never per line; every line still arrives, in order (speed: bench_logs)."""
    line = b'INFO:     127.0.0.1:5000 - "GET /items/123 HTTP/1.1" 200 OK\n'
    data = line * 1000
    chunks = [data[i : i + 65536] for i in range(0, len(data), 65536)] * 500  # 500k lines
    buf = LogBuffer()
    sp = LineSplitter()
    appends = 0
    for chunk in chunks:
        text = sp.feed(chunk)
        if text is not None:
            buf.append_text("stdout", text)
            appends += 1
    assert sp.flush() is None  # nothing held back
    assert appends == len(chunks)  # one append per chunk
    assert (buf.total, buf.evicted) == (500_000, 500_000 - buf.capacity)
    kept = buf.snapshot()
    assert [ln.seq for ln in kept] == list(range(500_001 - buf.capacity, 500_001))
    assert {ln.text for ln in kept} == {line.decode().rstrip("\n")}


def test_evicted_counts_every_line_the_bounds_pushed_out() -> None:
    buf = LogBuffer(capacity=10, max_chars=1_000)
    buf.append_many("stdout", [f"l{i}" for i in range(8)])
    assert buf.evicted == 0
    buf.append_many("stdout", [f"l{i}" for i in range(8, 25)])  # wraps, and one chunk > capacity
    assert buf.evicted == 15 == buf.first_seq - 1
    buf.append("stdout", "x" * 990)  # the character budget pushes out more
    assert buf.evicted == buf.first_seq - 1 > 15
    before = buf.evicted
    buf.clear()  # the user's clear is not a loss
    assert buf.evicted == before
