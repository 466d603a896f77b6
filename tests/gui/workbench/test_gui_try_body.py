"""What the response viewer shows of a body: caps, long lines, re-indented JSON, notices."""

from __future__ import annotations

import json
from pathlib import Path

from asgideck.gui.tabs.workbench.body import (
    DISPLAY_CAP,
    LONG_LINE_CAP,
    PRETTY_MAX,
    body_view,
    reindent_json,
    size_text,
)
from asgideck.runtime.client import ResponseRecord


def record(
    body: bytes, content_type: str, *, size: int | None = None, file: Path | None = None
) -> ResponseRecord:
    return ResponseRecord(
        200, "OK", "HTTP/1.1", (), body, file, len(body) if size is None else size,
        file is not None or (size is not None and size > len(body)), content_type, 0.1, 0.05,
        "http://127.0.0.1:1/x",
    )  # fmt: skip


def test_small_json_is_pretty_and_complete() -> None:
    view = body_view(record(b'{"a":[1,2],"b":{}}', "application/json"))
    assert view.pretty == '{\n  "a": [\n    1,\n    2\n  ],\n  "b": {}\n}'
    assert view.raw == '{"a":[1,2],"b":{}}'
    assert view.is_json and not view.is_binary
    assert view.raw_notice is None and view.pretty_notice is None


def test_big_text_shows_the_cap_and_says_where_the_rest_is(tmp_path: Path) -> None:
    line = b"x" * 99 + b"\n"
    body = line * (2 * DISPLAY_CAP // len(line))
    whole = tmp_path / "body.bin"
    view = body_view(record(body, "text/plain", size=100 * 2**20, file=whole))
    assert len(view.raw) == DISPLAY_CAP
    assert view.raw_notice == (
        f"Showing the first 256.0 KB of 100.0 MB. The whole body is in {whole} "
        "(Save body…, Ctrl+S)."
    )


def test_long_lines_are_cut_shorter_because_layout_costs_grow_with_them() -> None:
    body = b'{"k":"' + b"v" * (2 * DISPLAY_CAP) + b'"}'
    view = body_view(record(body, "application/json", size=len(body)))
    assert len(view.raw) == LONG_LINE_CAP
    assert view.raw_notice is not None and view.raw_notice.startswith("Showing the first 64.0 KB")


def test_large_or_truncated_json_is_reindented_token_by_token() -> None:
    item = b'{"id":1,"tags":["a","b"]},'
    body = b"[" + item * (PRETTY_MAX // len(item) + 10)
    view = body_view(record(body, "application/json", size=len(body)))
    assert view.pretty.startswith('[\n  {\n    "id": 1,\n    "tags": [\n      "a",\n')
    assert len(view.pretty) == DISPLAY_CAP
    assert view.pretty_notice is not None and ", re-indented." in view.pretty_notice


def test_reindent_matches_json_dumps_on_valid_json_and_reports_coverage() -> None:
    value = {"a": [1, {"b": None, "c": "x,y:{z}"}], "d": [], "e": {}, "f": 'q\\"uote'}
    text = json.dumps(value, separators=(",", ":"))
    indented, covered = reindent_json(text)
    assert indented == json.dumps(value, indent=2)
    assert covered == len(text)
    _short, partial = reindent_json(text, limit=10)
    assert 0 < partial < len(text)


def test_binary_bodies_are_a_size_a_type_and_a_hex_head() -> None:
    body = bytes(range(256)) * 4
    view = body_view(record(body, "application/octet-stream"))
    assert view.is_binary and view.pretty == view.raw
    assert view.raw.startswith("<1.0 KB of application/octet-stream>\n00000000  00 01 02")
    assert view.raw.count("\n") == 16  # 256 bytes: 16 rows of hex
    assert view.raw_notice == (
        "Binary body (1.0 KB of application/octet-stream): showing the hex of the first 256 "
        "bytes. Save body… (Ctrl+S) writes the whole body to a file."
    )


def test_size_text() -> None:
    assert [size_text(n) for n in (0, 1023, 1024, 1536, 2**20, 5 * 2**20)] == [
        "0 B", "1023 B", "1.0 KB", "1.5 KB", "1.0 MB", "5.0 MB",
    ]  # fmt: skip
