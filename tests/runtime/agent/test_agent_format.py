"""The agent's cheaper line format (2) says what the first one said.

A request's raw facts (``State``, clock readings in nanoseconds) are encoded by the agent
and read back; the same request as the first format wrote it (named spans, millisecond
floats) must decode to the same ``RequestRecord``. Old files still read, a newer
format is rejected, and the cheaper pieces (the C JSON encoder, whole-buffer writes,
the request path's shims) give the same bytes and the same spans.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime import secrets
from asgideck.runtime.agent._app import Timed
from asgideck.runtime.agent._config import Config
from asgideck.runtime.agent._context import CURRENT, State
from asgideck.runtime.agent._encode import FORMAT as AGENT_FORMAT
from asgideck.runtime.agent._encode import Encoder
from asgideck.runtime.agent._files import _chunks
from asgideck.runtime.recording import (
    FORMAT,
    RequestLog,
    RequestRecord,
    WorkerInfo,
    parse_line,
)

NAMES = ["ServerErrorMiddleware", "Outer", "stamp (http middleware)", "Skipped", "APIRouter"]
SECRET_ENV = "sk_live_FormatTestSecret0123456789"
US = 1000  # nanoseconds


def encoder(tmp_path: Path, env_secret: str = "") -> Encoder:
    old = os.environ.get("FORMAT_TEST_API_KEY")
    if env_secret:
        os.environ["FORMAT_TEST_API_KEY"] = env_secret
    try:
        made = Encoder(Config("app:app", str(tmp_path), str(tmp_path)), secrets)
    finally:
        if old is None:
            os.environ.pop("FORMAT_TEST_API_KEY", None)
        else:
            os.environ["FORMAT_TEST_API_KEY"] = old
    made.set_layers(NAMES)
    return made


def sample_state(tmp_path: Path) -> State:
    """A request that did a bit of everything; every reading a whole microsecond."""
    t0 = 5_000_000_000
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/items/7",
        "query_string": b"limit=5&api_key=" + SECRET_ENV.encode(),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
        "client": ("127.0.0.1", 5000),
        "scheme": "http",
        "root_path": "",
    }
    state = State(scope, len(NAMES), 1_700_000_000.25, t0)
    state.t1 = t0 + 2_500 * US
    at = [(10, 2_400), (20, 2_390), (30, 2_380), None, (3_000, 100)]  # the last leaves early
    for index, span in enumerate(at):
        if span is not None:
            state.times[2 * index] = t0 + span[0] * US
            state.times[2 * index + 1] = t0 + span[1] * US
    state.selected = "/items/{item_id}"
    state.status = 201
    state.response_headers = [(b"content-type", b"application/json"), (b"x-id", b"abc")]
    state.request_body = [b'{"x": 1, "password": "hunter2-long"}']
    state.request_size = len(state.request_body[0])
    state.response_body = [b'{"ok":true}']
    state.response_size = 11
    state.dependencies = [("get_db", "app.py:3", t0 + 40 * US, t0 + 55 * US)]
    state.endpoint = ("read_item", "app.py:10", t0 + 60 * US, t0 + 2_000 * US)
    state.sql = [("SELECT ?", 1, t0 + 70 * US, t0 + 95 * US, None)]
    state.http_calls = [
        ("GET", "http://up.test/x?token=abc", t0 + 100 * US, t0 + 300 * US, 200, None)
    ]
    state.logs = [(t0 + 120 * US, "WARNING", "app", "user password=hunter2-long in")]
    state.dropped = {"sql": 2}
    return state


def first_format(pid: int, sequence: int) -> dict[str, Any]:
    """The same request as the agent's first format wrote it (named spans, ms floats,
    layers clamped by the writer)."""
    return {
        "type": "request",
        "kind": "http",
        "id": f"{pid}-{sequence}",
        "pid": pid,
        "start": 1_700_000_000.25,
        "duration_ms": 2.5,
        "method": "POST",
        "path": "/items/7",
        "route": "/items/{item_id}",
        "status": 201,
        "client": "127.0.0.1:5000",
        "scheme": "http",
        "request_size": 36,
        "response_size": 11,
        "request_headers": [["host", "testserver"], ["content-type", "application/json"]],
        "response_headers": [["content-type", "application/json"], ["x-id", "abc"]],
        "query": "limit=5&api_key=****",
        "request_body": '{"x": 1, "password": "****"}',
        "response_body": '{"ok":true}',
        "layers": [
            {"name": "ServerErrorMiddleware", "start_ms": 0.01, "end_ms": 2.4},
            {"name": "Outer", "start_ms": 0.02, "end_ms": 2.39},
            {"name": "stamp (http middleware)", "start_ms": 0.03, "end_ms": 2.38},
            {"name": "APIRouter", "start_ms": 2.38, "end_ms": 2.38},
        ],
        "dependencies": [
            {"name": "get_db", "start_ms": 0.04, "end_ms": 0.055, "source": "app.py:3"}
        ],
        "endpoint": {"name": "read_item", "start_ms": 0.06, "end_ms": 2.0, "source": "app.py:10"},
        "sql": [
            {
                "statement": "SELECT ?",
                "start_ms": 0.07,
                "duration_ms": 0.025,
                "params": 1,
                "error": None,
            }
        ],
        "http_calls": [
            {
                "method": "GET",
                "url": "http://up.test/x?token=****",
                "start_ms": 0.1,
                "duration_ms": 0.2,
                "status": 200,
                "error": None,
            }
        ],
        "logs": [
            {
                "time_ms": 0.12,
                "level": "WARNING",
                "logger": "app",
                "message": "user password=**** in",
            }
        ],
        "dropped": {"sql": 2},
    }


def test_format_two_decodes_to_the_record_the_first_format_gave(tmp_path: Path) -> None:
    line = encoder(tmp_path, SECRET_ENV).line(42, 9, sample_state(tmp_path))
    raw = json.loads(line)
    assert raw["v"] == FORMAT == AGENT_FORMAT == 2
    assert raw["request_headers"] == ["host", "testserver", "content-type", "application/json"]
    assert raw["layers"][6:8] == [None, None]  # the layer not reached
    new = parse_line(line, NAMES)
    old = RequestRecord.from_json(first_format(42, 9))
    assert isinstance(new, RequestRecord) and old is not None
    assert new == old
    assert [s.name for s in new.layers] == [n for n in NAMES if n != "Skipped"]
    assert SECRET_ENV not in line and "hunter2-long" not in line


def test_layers_are_nested_by_the_reader_and_unnamed_ones_get_a_place(tmp_path: Path) -> None:
    raw = json.loads(encoder(tmp_path).line(1, 1, sample_state(tmp_path)))
    raw["layers"] = [5, 9_000, 1, 2_000, "x", 3, None, None, 1_500, 1_400, 1_450, 1_460]
    record = RequestRecord.from_json(raw, NAMES)
    assert record is not None
    spans = [(s.name, s.start_ms, s.end_ms) for s in record.layers]
    assert spans == [
        ("ServerErrorMiddleware", 0.005, 2.5),  # inside the request
        ("Outer", 0.005, 2.0),  # starts no earlier than the layer around it
        ("APIRouter", 1.5, 1.5),  # ends no earlier than it starts
        ("layer 5", 1.5, 1.5),  # beyond the header's names
    ]


def test_old_lines_still_read_and_a_newer_format_is_rejected(tmp_path: Path) -> None:
    old = first_format(3, 1)
    assert RequestRecord.from_json(old) is not None
    assert parse_line(json.dumps(old)) == RequestRecord.from_json(old)
    newer = {**old, "v": FORMAT + 1, "duration_us": 5}
    assert RequestRecord.from_json(newer) is None
    assert parse_line(json.dumps(newer)) is None
    header = {"type": "worker", "pid": 3, "started": 1.0, "app": "a:app", "layers": ["X"]}
    assert WorkerInfo.from_json(header) == WorkerInfo(3, 1.0, "a:app", ("X",), 0, 1)
    assert WorkerInfo.from_json({**header, "format": 2}).format == 2  # type: ignore[union-attr]

    folder = tmp_path / "records"
    folder.mkdir()
    lines = [json.dumps(header), json.dumps(old), json.dumps(newer)]
    (folder / "3.jsonl").write_text("\n".join(lines) + "\n")
    log = RequestLog(folder)
    assert [r.id for r in log.poll()] == ["3-1"]
    assert log.malformed == 1  # the newer line is counted, never half-read


def test_the_log_names_layers_from_each_workers_header_even_after_clear(tmp_path: Path) -> None:
    enc = encoder(tmp_path)
    folder = tmp_path / "records"
    folder.mkdir()
    header = {"type": "worker", "pid": 42, "started": 1.0, "app": "a:app", "format": 2}
    header["layers"] = NAMES
    file = folder / "42.jsonl"
    file.write_text(json.dumps(header) + "\n" + enc.line(42, 1, sample_state(tmp_path)) + "\n")
    log = RequestLog(folder)
    [first] = log.poll()
    assert first == RequestRecord.from_json(first_format(42, 1))
    log.clear()
    with open(file, "a", encoding="utf-8") as handle:
        handle.write(enc.line(42, 2, sample_state(tmp_path)) + "\n")
    [second] = log.poll()
    assert [s.name for s in second.layers] == [s.name for s in first.layers]


def test_the_c_encoder_writes_what_json_writes(tmp_path: Path) -> None:
    enc = encoder(tmp_path)
    value = {"a": [1, None, 2.5, 'é\n"x'], "b": {"c": Path("/x"), "d": True}, "n": float("nan")}
    plain = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=str)
    assert enc.dumps(value) == plain.encode(value)
    enc._chunks = None  # a Python without the C encoder: the same text
    assert enc.dumps(value) == plain.encode(value)


def test_a_batch_is_written_as_whole_lines_in_pieces() -> None:
    lines = [json.dumps({"n": n, "text": "é" * (n % 7)}) for n in range(500)]
    pieces = list(_chunks(lines, most=2_000))
    assert len(pieces) > 1
    assert b"".join(pieces) == "".join(line + "\n" for line in lines).encode("utf-8")
    assert all(piece.endswith(b"\n") for piece in pieces)


def test_pieces_are_sized_in_bytes_for_non_ascii_records() -> None:
    """A CJK character is 3 bytes: pieces counted in characters would be 3x too big."""
    lines = [json.dumps({"n": n, "text": "漢字" * 50}, ensure_ascii=False) for n in range(300)]
    pieces = list(_chunks(lines, most=2_000))
    assert b"".join(pieces) == "".join(line + "\n" for line in lines).encode("utf-8")
    assert all(len(piece) <= 2_000 for piece in pieces)
    assert all(len(piece) > 2_000 - 400 for piece in pieces[:-1])  # still about ``most``


def test_an_environment_secret_in_free_text_is_masked_once_found(tmp_path: Path) -> None:
    """The environment's secret values join the one search that says a text is clean:
    a log line holding one (no key shape, a secret only by its variable's name) is
    still masked, the first time and when it repeats."""
    token = "plain-format-token-77"
    enc = encoder(tmp_path, token)
    for _ in range(2):
        state = sample_state(tmp_path)
        state.logs = [(state.t0, "INFO", "app", f"calling with {token} now")]
        raw = json.loads(enc.line(1, 1, state))
        assert raw["logs"][0][3] == f"calling with {secrets.MASK} now"


def run_shim(shim: Timed, state: State | None) -> list[str]:
    seen: list[str] = []

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])

    async def main() -> None:
        token = CURRENT.set(state)
        try:
            await shim({"type": "http", "path": "/x"}, None, None)
        finally:
            CURRENT.reset(token)

    shim.app = inner
    asyncio.run(main())
    return seen


def test_a_shim_stores_enter_and_leave_and_passes_everything_through() -> None:
    state = State({"type": "http"}, 3, 0.0, 0)
    assert run_shim(Timed(None, 2), state) == ["/x"]
    assert state.times[:4] == [None] * 4
    enter, leave = state.times[4:]
    assert isinstance(enter, int) and isinstance(leave, int) and 0 < enter <= leave
    assert run_shim(Timed(None, 1), None) == ["/x"]  # outside a recorded request
    shorter = State({"type": "http"}, 1, 0.0, 0)  # another agent app's request
    assert run_shim(Timed(None, 4), shorter) == ["/x"] and shorter.times == [None, None]


def test_a_shim_raises_what_the_layer_raised_and_still_notes_the_leave() -> None:
    state = State({"type": "http"}, 1, 0.0, 0)
    shim = Timed(None, 0)

    async def inner(scope: Any, receive: Any, send: Any) -> None:
        raise KeyError("boom")

    async def main() -> None:
        token = CURRENT.set(state)
        try:
            await shim({}, None, None)
        finally:
            CURRENT.reset(token)

    shim.app = inner
    with pytest.raises(KeyError, match="boom"):
        asyncio.run(main())
    assert None not in state.times


HEADER_LISTS = [
    [(b"content-type", b"application/json"), (b"x-request-id", b"5c321743aa004c12a2ff")],
    [(b"x-process-time", b"0.000573"), (b"x-echo", b"key " + SECRET_ENV.encode())],
    [(b"set-cookie", b"session=abc123def456; Path=/"), (b"vary", b"Origin")],
    [(b"x-note", b"password=hunter2-long"), (b"x-ok", b"fine")],
    [(b"x-a", b"ends with bearer"), (b"x-b", b"token-like-value-1234")],  # joined: a false alarm
    [(b"authorization", b"Bearer abcdef0123456789"), (b"x-echo", b"abcdef0123456789")],
]


@pytest.mark.parametrize("raw", HEADER_LISTS)
def test_headers_searched_together_give_what_the_per_value_rule_gives(
    tmp_path: Path, raw: list[tuple[bytes, bytes]]
) -> None:
    enc = encoder(tmp_path, SECRET_ENV)
    per_value = enc.redactor()
    expected: list[str] = []
    for name, value in raw:
        expected += [name.decode(), enc._header(per_value, name.decode(), value.decode())]
    for _ in range(2):  # the second time from the whole-list memo, when it was clean
        assert enc._headers(enc.redactor(), raw) == expected
    assert SECRET_ENV not in json.dumps(expected)
