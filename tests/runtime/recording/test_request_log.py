"""RequestLog over files written by hand, as the agent writes them: incremental reads,
rotation, truncation, partial lines, bounded reads and memory, merged workers."""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path
from typing import Any

import psutil
import pytest

from asgideck.runtime.cli._requests import format_line
from asgideck.runtime.recording import (
    RequestLog,
    begin_records,
    clear_records,
    record_files,
    record_to_json,
    recorded_servers,
    records_dir,
    requests_in,
)


def worker(pid: int, started: float = 1000.0, **extra: Any) -> str:
    data = {"type": "worker", "pid": pid, "started": started, "app": "app.main:app"}
    data.update({"layers": ["ServerErrorMiddleware", "ExceptionMiddleware", "Router"]})
    data.update({"dropped": 0}, **extra)
    return json.dumps(data) + "\n"


def request(pid: int, seq: int, start: float, **extra: Any) -> str:
    data: dict[str, Any] = {
        "type": "request",
        "kind": "http",
        "id": f"{pid}-{seq}",
        "pid": pid,
        "start": start,
        "duration_ms": 1.5,
        "method": "GET",
        "path": f"/items/{seq}",
        "route": "/items/{item_id}",
        "status": 200,
        "layers": [{"name": "Router", "start_ms": 0.1, "end_ms": 1.2}],
        "sql": [{"statement": "SELECT 1", "start_ms": 0.2, "duration_ms": 0.1, "params": 0}],
    }
    data.update(extra)
    return json.dumps(data) + "\n"


def append(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(text)


def test_reads_incrementally_and_keeps_a_partial_line(tmp_path: Path) -> None:
    file = tmp_path / "100.jsonl"
    append(file, worker(100) + request(100, 1, 1001.0))
    log = RequestLog(tmp_path)
    first = log.poll()
    assert [r.id for r in first] == ["100-1"]
    assert log.poll() == []  # nothing new
    line = request(100, 2, 1002.0)
    append(file, line[:40])  # the agent is halfway through a line
    assert log.poll() == []
    append(file, line[40:])
    assert [r.id for r in log.poll()] == ["100-2"]
    assert [r.path for r in log.records()] == ["/items/1", "/items/2"]
    assert log.find("100-2") is not None and log.find("100-2").route == "/items/{item_id}"
    assert log.find("nope") is None
    assert [w.pid for w in log.workers()] == [100]
    assert log.workers()[0].layers[-1] == "Router"
    assert log.malformed == 0 and log.caught_up


def test_rotation_finishes_the_old_file_and_starts_the_new(tmp_path: Path) -> None:
    file = tmp_path / "7.jsonl"
    append(file, worker(7) + request(7, 1, 1.0))
    log = RequestLog(tmp_path)
    assert len(log.poll()) == 1
    append(file, request(7, 2, 2.0))  # written before the rotation, not read yet
    file.rename(tmp_path / "7.1.jsonl")  # the agent rotates...
    append(file, worker(7) + request(7, 3, 3.0))  # ...and goes on in a new file
    assert [r.id for r in log.poll()] == ["7-2", "7-3"]
    # a second rotation drops the oldest file; nothing is read twice
    (tmp_path / "7.1.jsonl").unlink()
    file.rename(tmp_path / "7.1.jsonl")
    append(file, worker(7) + request(7, 4, 4.0))
    assert [r.id for r in log.poll()] == ["7-4"]
    assert [r.id for r in log.records()] == ["7-1", "7-2", "7-3", "7-4"]


def test_a_truncated_file_is_read_again_from_the_start(tmp_path: Path) -> None:
    file = tmp_path / "9.jsonl"
    append(file, worker(9) + request(9, 1, 1.0) + request(9, 2, 2.0))
    log = RequestLog(tmp_path)
    assert len(log.poll()) == 2
    file.write_text(worker(9) + request(9, 3, 3.0))  # shorter than what was read
    assert [r.id for r in log.poll()] == ["9-3"]


def test_a_cleared_folder_starts_over_with_new_files(tmp_path: Path) -> None:
    append(tmp_path / "1.jsonl", worker(1) + request(1, 1, 1.0))
    log = RequestLog(tmp_path)
    assert len(log.poll()) == 1
    clear_records(tmp_path)
    assert record_files(tmp_path) == []
    assert log.poll() == []
    append(tmp_path / "2.jsonl", worker(2) + request(2, 1, 5.0))
    assert [r.id for r in log.poll()] == ["2-1"]
    log.clear()
    assert log.records() == [] and log.workers() == []
    assert log.poll() == []  # clearing the view does not read the files again


def test_malformed_lines_are_skipped_and_counted(tmp_path: Path) -> None:
    text = worker(3) + "not json\n" + "[1, 2]\n" + '{"type": "request", "path": 5}\n'
    text += '{"type": "from-the-future", "x": 1}\n' + "\n" + request(3, 1, 1.0)
    append(tmp_path / "3.jsonl", text)
    log = RequestLog(tmp_path)
    assert [r.id for r in log.poll()] == ["3-1"]
    assert log.malformed == 3  # an unknown type is a newer agent's, not damage


def test_damaged_numbers_read_as_no_value_a_clock_can_show(tmp_path: Path) -> None:
    """A start no clock can format (1e300, Infinity, NaN) would crash the text line and
    the table's time column; it reads as 0, a non-finite duration as 0 too."""
    text = worker(3, started=1e300)
    text += request(3, 1, 1e300) + request(3, 2, -5.0)
    text += request(3, 3, 1.0).replace('"duration_ms": 1.5', '"duration_ms": NaN')
    text += request(3, 4, 1.0).replace('"start": 1.0', '"start": Infinity')
    append(tmp_path / "3.jsonl", text)
    log = RequestLog(tmp_path)
    records = log.poll()
    found = {r.id: (r.start, r.duration_ms) for r in records}
    assert found == {"3-1": (0.0, 1.5), "3-2": (0.0, 1.5), "3-3": (1.0, 0.0), "3-4": (0.0, 1.5)}
    assert [w.started for w in log.workers()] == [0.0]
    for record in records:
        assert format_line(record)


def test_drops_are_cumulative_per_worker(tmp_path: Path) -> None:
    append(tmp_path / "1.jsonl", worker(1) + '{"type":"dropped","pid":1,"count":4}\n')
    append(tmp_path / "1.jsonl", '{"type":"dropped","pid":1,"count":10}\n')
    append(tmp_path / "2.jsonl", worker(2, dropped=3))
    log = RequestLog(tmp_path)
    log.poll()
    assert log.dropped == 13
    append(tmp_path / "1.jsonl", '{"type":"dropped","pid":1,"count":12}\n')
    log.poll()
    assert log.dropped == 15


def test_workers_are_merged_in_start_order(tmp_path: Path) -> None:
    a = "".join(request(1, n, 10.0 + 2 * n) for n in range(5))  # 10, 12, 14...
    b = "".join(request(2, n, 11.0 + 2 * n) for n in range(5))  # 11, 13, 15...
    append(tmp_path / "1.jsonl", worker(1, 1.0) + a)
    append(tmp_path / "2.jsonl", worker(2, 2.0) + b)
    log = RequestLog(tmp_path)
    got = log.poll()
    assert [r.start for r in got] == sorted(r.start for r in got)
    assert len(got) == 10
    assert [w.pid for w in log.workers()] == [1, 2]
    # a slow worker's late request takes its place by start time in records()
    append(tmp_path / "2.jsonl", request(2, 99, 12.5))
    log.poll()
    starts = [r.start for r in log.records()]
    assert starts == sorted(starts) and 12.5 in starts


def test_one_poll_reads_a_bounded_amount(tmp_path: Path) -> None:
    line = request(5, 0, 1.0)
    append(tmp_path / "5.jsonl", "".join(request(5, n, float(n)) for n in range(2000)))
    total = (tmp_path / "5.jsonl").stat().st_size
    log = RequestLog(tmp_path, keep=5000, max_read=100 * 1024)
    first = log.poll()
    assert not log.caught_up
    assert 0 < len(first) <= 100 * 1024 // len(line) + 1
    polls = 1
    while not log.caught_up:
        log.poll()
        polls += 1
    assert polls >= total // (100 * 1024)
    assert [r.id for r in log.records()] == [f"5-{n}" for n in range(2000)]


def test_memory_is_bounded_by_keep(tmp_path: Path) -> None:
    keep = 500
    with open(tmp_path / "11.jsonl", "w", encoding="utf-8") as handle:
        handle.write(worker(11))
        for n in range(100_000):
            handle.write(request(11, n, float(n)))
    log = RequestLog(tmp_path, keep=keep)
    log.poll()  # the first chunk: the allocator's arenas for one poll exist from here
    me = psutil.Process()
    before = me.memory_info().rss
    while not log.caught_up:
        log.poll()
    grown = me.memory_info().rss - before
    records = log.records()
    assert len(records) == keep
    assert records[-1].id == "11-99999" and records[0].id == f"11-{100_000 - keep}"
    assert log.total == 100_000
    assert log.find("11-0") is None and log.find("11-99999") is not None
    # 100k records kept would be hundreds of MB; one poll's chunk and `keep` records are not
    assert grown < 48 * 1024 * 1024, grown


def test_an_overlong_line_is_skipped_without_growing(tmp_path: Path, monkeypatch: Any) -> None:
    from asgideck.runtime.recording import _store

    monkeypatch.setattr(_store, "MAX_LINE", 1000)
    file = tmp_path / "4.jsonl"
    append(file, worker(4) + '{"type": "request", "path": "' + "x" * 5000)
    log = RequestLog(tmp_path, max_read=2000)
    while not log.caught_up:
        log.poll()
    append(file, '"}\n' + request(4, 1, 1.0))
    assert [r.id for r in log.poll()] == ["4-1"]
    assert log.malformed == 1


def test_polls_and_reads_from_two_threads(tmp_path: Path) -> None:
    file = tmp_path / "8.jsonl"
    append(file, worker(8))
    log = RequestLog(tmp_path, keep=100)
    done = threading.Event()
    seen: list[int] = []

    def reader() -> None:
        while not done.is_set():
            seen.append(len(log.records()))
            log.find("8-1")

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for n in range(300):
            append(file, request(8, n, float(n)))
            log.poll()
    finally:
        done.set()
        thread.join()
    assert len(log.records()) == 100 and max(seen) <= 100


def test_a_missing_folder_is_empty(tmp_path: Path) -> None:
    log = RequestLog(tmp_path / "not-yet")
    assert not log.caught_up  # nothing read yet
    assert log.poll() == [] and log.records() == [] and log.caught_up
    assert requests_in(tmp_path / "not-yet") == []


def test_records_dir_is_private_and_per_server(tmp_path: Path) -> None:
    home = Path(os.environ["ASGIDECK_HOME"])
    a = records_dir(tmp_path, "dev")
    assert a == records_dir(tmp_path / "sub" / "..", "dev")
    assert a != records_dir(tmp_path, "prod") and home in a.parents
    assert not a.exists()
    folder = begin_records(tmp_path, "dev")
    assert folder == a and folder.is_dir() and (folder.stat().st_mode & 0o077) == 0
    append(folder / "1.jsonl", request(1, 1, 1.0))
    assert begin_records(tmp_path, "dev") == a and record_files(a) == []  # a start empties it
    begin_records(tmp_path, "proj:dev")  # a server no launch config names (`run`)
    found = recorded_servers(tmp_path, ["dev", "prod"])
    assert [(s.name, s.directory) for s in found] == [
        ("dev", a),
        ("proj:dev", records_dir(tmp_path, "proj:dev")),
    ]
    assert recorded_servers(tmp_path / "elsewhere") == []


def test_record_to_json_round_trips_through_the_parser(tmp_path: Path) -> None:
    append(tmp_path / "1.jsonl", request(1, 1, 1.0, request_headers=[["accept", "*/*"]]))
    (record,) = requests_in(tmp_path)
    again = json.loads(json.dumps(record_to_json(record)))
    assert again["kind"] == "http" and again["route"] == "/items/{item_id}"
    append(tmp_path / "2.jsonl", json.dumps(again) + "\n")
    assert requests_in(tmp_path)[-1] == record or record in requests_in(tmp_path)


@pytest.mark.parametrize("keep", [0, -1])
def test_keep_must_be_positive(tmp_path: Path, keep: int) -> None:
    with pytest.raises(ValueError):
        RequestLog(tmp_path, keep=keep)


def test_a_new_start_is_a_new_run(tmp_path: Path) -> None:
    folder = begin_records(tmp_path, "dev")
    append(folder / "1.jsonl", worker(1) + request(1, 1, 1.0))
    log = RequestLog(folder)
    assert len(log.poll()) == 1 and log.run == 0
    assert log.poll() == [] and log.run == 0  # the same run: nothing changes
    begin_records(tmp_path, "dev")  # the server starts again: its folder is emptied
    append(folder / "2.jsonl", worker(2) + request(2, 1, 2.0))
    assert [r.id for r in log.poll()] == ["2-1"]
    assert log.run == 1
    assert [r.id for r in log.records()] == ["2-1"] and [w.pid for w in log.workers()] == [2]
    assert log.find("1-1") is None
