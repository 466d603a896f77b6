"""The agent's record file after a write a full disk cut short."""

from __future__ import annotations

import json
from pathlib import Path

from asgideck.runtime.agent._files import CHUNK_BYTES, ROTATE_BYTES, RecordFile
from asgideck.runtime.recording import RequestLog


def test_a_line_cut_short_is_ended_before_the_next_header(tmp_path: Path) -> None:
    """A disk full mid-line leaves half a line; the reopened file's header starts a
    new line, so the reader still sees the worker and the lines after it."""
    folder = tmp_path / "records"
    folder.mkdir()
    header = {"type": "worker", "pid": 7, "started": 1.0, "app": "a:app", "layers": ["X"]}
    (folder / "7.jsonl").write_text(json.dumps(header) + '\n{"type":"request","id":"7-1","pi')
    record = {"type": "request", "kind": "http", "id": "7-2", "pid": 7, "start": 2.0}
    record |= {"duration_ms": 1.0, "method": "GET", "path": "/x", "status": 200}
    file = RecordFile(str(folder), 7, lambda: header)
    assert file.write([json.dumps(record)])
    file.close()
    lines = (folder / "7.jsonl").read_text().splitlines()
    assert json.loads(lines[2]) == header and json.loads(lines[3]) == record
    log = RequestLog(folder)
    assert [r.id for r in log.poll()] == ["7-2"]
    assert [w.pid for w in log.workers()] == [7]


def test_a_whole_file_gets_no_blank_line(tmp_path: Path) -> None:
    header = {"type": "worker", "pid": 8, "started": 1.0, "app": "a:app", "layers": []}
    file = RecordFile(str(tmp_path), 8, lambda: header)
    assert file.write([])
    file.close()
    file = RecordFile(str(tmp_path), 8, lambda: header)
    assert file.write([])
    file.close()
    assert (tmp_path / "8.jsonl").read_text().count("\n\n") == 0


def test_a_file_of_non_ascii_records_rotates_at_the_byte_size(tmp_path: Path) -> None:
    """Pieces sized in bytes: the file is rotated within one piece of ROTATE_BYTES, not
    up to three pieces early (nor past it) when every character is 3 bytes."""
    header = {"type": "worker", "pid": 9, "started": 1.0, "app": "a:app", "layers": []}
    record = json.dumps({"type": "request", "note": "漢字" * 500}, ensure_ascii=False)
    count = ROTATE_BYTES // len(record.encode()) + 50
    file = RecordFile(str(tmp_path), 9, lambda: header)
    assert file.write([record] * count)
    file.close()
    rotated = (tmp_path / "9.1.jsonl").stat().st_size
    assert ROTATE_BYTES - CHUNK_BYTES < rotated <= ROTATE_BYTES
    lines = (tmp_path / "9.1.jsonl").read_text(encoding="utf-8").splitlines()
    lines += (tmp_path / "9.jsonl").read_text(encoding="utf-8").splitlines()
    assert lines.count(record) == count
