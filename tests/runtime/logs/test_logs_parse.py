"""Levels, access lines, ANSI spans, and splitting pipe bytes into lines."""

from __future__ import annotations

import pytest

from asgideck.runtime.logs import (
    PLAIN,
    AccessFields,
    LineSplitter,
    LogLine,
    Span,
    Style,
    count_status_classes,
    decode_spans,
    parse_access,
    parse_level,
    strip_ansi,
)


@pytest.mark.parametrize(
    ("text", "stream", "level"),
    [
        ("INFO:     Started server process [5579]", "stderr", "INFO"),
        ('ERROR:    Error loading ASGI app. Could not import module "nope".', "stderr", "ERROR"),
        (
            "WARNING:  StatReload detected changes in 'app/main.py'. Reloading...",
            "stderr",
            "WARNING",
        ),
        ("CRITICAL: app.api - exiting", "stderr", "CRITICAL"),
        ("DEBUG:    app.db - query", "stderr", "DEBUG"),
        ("TRACE:    ASGI [1] Started scope", "stderr", "TRACE"),
        ("ERROR:root:something broke", "stderr", "ERROR"),
        ("[2026-11-25 00:10:08 +0000] [5619] [INFO] Starting gunicorn 27.0.1", "stderr", "INFO"),
        ("[2026-11-25 00:10:28 +0000] [5722] [ERROR] Worker failed", "stderr", "ERROR"),
        (
            "[2026-11-25 00:10:28 +0000] [5722] [WARNING] Worker graceful timeout",
            "stderr",
            "WARNING",
        ),
        ("Traceback (most recent call last):", "stderr", "ERROR"),
        ('  File "/tmp/app.py", line 1, in <module>', "stderr", "ERROR"),
        ("ModuleNotFoundError: No module named 'x'", "stderr", "ERROR"),
        ("pydantic_core._pydantic_core.ValidationError: 1 validation error", "stderr", "ERROR"),
        ("hello from print()", "stdout", None),
        ("Traceback (most recent call last):", "stdout", None),
        ("INFORMATION: not a level", "stderr", None),
    ],
)
def test_parse_level(text: str, stream: str, level: str | None) -> None:
    assert parse_level(text, stream) == level  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "fields"),
    [
        (
            'INFO:     127.0.0.1:43466 - "GET /x HTTP/1.1" 200 OK',
            AccessFields("127.0.0.1:43466", "GET", "/x", 200),
        ),
        (
            'INFO:     10.0.0.5:1234 - "POST /api/v1/items?limit=5 HTTP/1.1" 422 Unprocessable',
            AccessFields("10.0.0.5:1234", "POST", "/api/v1/items?limit=5", 422),
        ),
        (  # uvicorn-worker under gunicorn
            '127.0.0.1:43486 - "DELETE /items/3 HTTP/1.1" 204',
            AccessFields("127.0.0.1:43486", "DELETE", "/items/3", 204),
        ),
        (  # gunicorn's common log format
            '127.0.0.1 - - [25/Nov/2026:00:10:16 +0000] "GET /y?a=1 HTTP/1.1" 500 2 "-" "curl/7"',
            AccessFields("127.0.0.1", "GET", "/y?a=1", 500),
        ),
        (
            '::1 - alice [25/Nov/2026:00:10:16 +0000] "PUT /z HTTP/2" 301 0 "-" "x"',
            AccessFields("::1", "PUT", "/z", 301),
        ),
        ("INFO:     Application startup complete.", None),
        ('WARNING:  app - got "GET /x HTTP/1.1" in a message', None),
    ],
)
def test_parse_access(text: str, fields: AccessFields | None) -> None:
    assert parse_access(text) == fields


def test_access_status_class() -> None:
    assert AccessFields("c", "GET", "/", 404).status_class == "4xx"


def test_count_status_classes_over_a_chunk() -> None:
    chunk = "\n".join(
        [
            'INFO:     127.0.0.1:1 - "GET / HTTP/1.1" 200 OK',
            'INFO:     127.0.0.1:1 - "GET /a HTTP/1.1" 201 Created',
            "INFO:     unrelated",
            '127.0.0.1 - - [25/Nov/2026:00:10:16 +0000] "GET / HTTP/1.1" 404 2 "-" "x"',
            '127.0.0.1:5 - "GET /b HTTP/1.1" 503',
            'INFO:     127.0.0.1:1 - "GET /r HTTP/1.1" 307 Temporary Redirect',
        ]
    )
    counts: dict[str, int] = {"2xx": 1}
    assert count_status_classes(chunk, counts) == 5
    assert counts == {"2xx": 3, "3xx": 1, "4xx": 1, "5xx": 1}
    assert count_status_classes("no requests here", counts) == 0


def test_uvicorn_coloured_line_decodes_to_spans() -> None:
    raw = (
        '\x1b[32mINFO\x1b[0m:     127.0.0.1:5 - "\x1b[1mGET / HTTP/1.1\x1b[0m" '
        "\x1b[32m200 OK\x1b[0m"
    )
    assert strip_ansi(raw) == 'INFO:     127.0.0.1:5 - "GET / HTTP/1.1" 200 OK'
    spans = decode_spans(raw)
    assert "".join(s.text for s in spans) == strip_ansi(raw)
    assert spans[0] == Span("INFO", Style(fg="green"))
    assert spans[1] == Span(':     127.0.0.1:5 - "', PLAIN)
    assert spans[2] == Span("GET / HTTP/1.1", Style(bold=True))
    assert spans[-1] == Span("200 OK", Style(fg="green"))


@pytest.mark.parametrize(
    ("raw", "style"),
    [
        ("\x1b[91mx", Style(fg="bright_red")),
        ("\x1b[44mx", Style(bg="blue")),
        ("\x1b[38;5;196mx", Style(fg="#ff0000")),
        ("\x1b[38;5;9mx", Style(fg="bright_red")),
        ("\x1b[48;5;232mx", Style(bg="#080808")),
        ("\x1b[38;2;10;20;30mx", Style(fg="#0a141e")),
        ("\x1b[1;3;4;31mx", Style(fg="red", bold=True, italic=True, underline=True)),
        ("\x1b[1;31m\x1b[22;39mx", PLAIN),
        ("\x1b[2mx", Style(dim=True)),
    ],
)
def test_sgr_styles(raw: str, style: Style) -> None:
    assert decode_spans(raw) == (Span("x", style),)


def test_non_sgr_escapes_are_dropped() -> None:
    raw = "\x1b[2K\x1b]0;title\x07\x1b[31mred\x1b[0m done"
    assert strip_ansi(raw) == "red done"
    assert decode_spans(raw) == (Span("red", Style(fg="red")), Span(" done", PLAIN))


def test_plain_line_is_one_span() -> None:
    assert decode_spans("plain") == (Span("plain"),)
    assert decode_spans("") == ()


def test_logline_parses_on_demand() -> None:
    line = LogLine(1, 0.0, "stdout", 'INFO:     1.2.3.4:5 - "GET /q HTTP/1.1" 404 Not Found')
    assert line.level == "INFO"
    assert line.access == AccessFields("1.2.3.4:5", "GET", "/q", 404)
    assert line.raw == line.text
    event = LogLine(2, 0.0, "event", "asgideck: started")
    assert event.level == "INFO" and event.access is None
    assert LogLine(3, 0.0, "event", "asgideck: ERROR: crashed").level == "ERROR"


# --------------------------------------------------------------------------- splitting


def test_splitter_joins_partial_lines_across_chunks() -> None:
    sp = LineSplitter()
    assert sp.feed(b"first li") is None
    assert sp.feed(b"ne\nsecond") == "first line"
    assert sp.feed(b" line\nthird\n") == "second line\nthird"
    assert sp.feed(b"tail without newline") is None
    assert sp.flush() == "tail without newline"
    assert sp.flush() is None


def test_splitter_never_cuts_a_multibyte_character() -> None:
    data = "naïve ☃ line\n".encode()
    sp = LineSplitter()
    cut = data.index("☃".encode()) + 1  # in the middle of the snowman
    assert sp.feed(data[:cut]) is None
    assert sp.feed(data[cut:]) == "naïve ☃ line"


def test_undecodable_bytes_are_replaced() -> None:
    sp = LineSplitter()
    assert sp.feed(b"bad \xff\xfe bytes\n\xc3\n") == "bad \ufffd\ufffd bytes\n\ufffd"


def test_crlf_and_carriage_return_progress() -> None:
    sp = LineSplitter()
    assert sp.feed(b"windows\r\nline\r\n") == "windows\nline"
    assert sp.feed(b"10%\r50%\r100%\n") == "100%"


def test_overlong_line_without_newline_is_flushed() -> None:
    sp = LineSplitter(max_pending=10)
    assert sp.feed(b"0123456789ABC") == "0123456789ABC"
    assert sp.feed(b"x\n") == "x"
