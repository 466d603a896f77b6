"""Issue 10, defect 2: reading an OpenAPI document had no size, time or depth limit.

Before: ``inspect --openapi URL`` on an endless stream took 3 GB in 10 s and died
with a MemoryError traceback, ``inspect --openapi /dev/zero`` the same, a 3,000-level
document a RecursionError traceback; ``call --auth`` fetched /openapi.json the same
way; the window fetches it after every (re)start. Now each is one ``asgideck:`` line
naming the URL or file and the limit hit. Real ``python -m asgideck`` processes and
loopback servers written for the test.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_USAGE
from asgideck.runtime.cli._call import token_url
from asgideck.runtime.inspect import fetch_openapi
from asgideck.runtime.openapi import OpenAPILimitError
from support import REPO
from support.cli import run_cli
from support.raw_http import deep_json, drip_headers, endless_body, fixed_body, serve_raw


def asgideck(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "asgideck", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single ``asgideck:`` line on stderr (and no traceback, nothing on stdout)."""
    assert done.returncode == EXIT_USAGE, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("asgideck: "), done.stderr
    return lines[0]


def test_inspect_openapi_on_an_endless_url() -> None:
    with serve_raw(endless_body()) as url:  # 512 MiB: only the 64 MiB cap ends it in time
        done = asgideck("inspect", "--openapi", f"{url}/openapi.json")
    line = one_line(done)
    assert line == f"asgideck: {url}/openapi.json: larger than 64 MiB (the limit); not read"


def test_inspect_openapi_on_dev_zero() -> None:
    line = one_line(asgideck("inspect", "--openapi", "/dev/zero"))
    assert line == "asgideck: /dev/zero: larger than 64 MiB (the limit); not read"


def test_inspect_openapi_on_a_3000_level_document(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_bytes(deep_json(3000))
    line = one_line(asgideck("inspect", "--openapi", str(deep)))
    assert line == f"asgideck: {deep}: nested deeper than 200 levels (the limit); not read"


def test_inspect_openapi_on_headers_sent_a_byte_at_a_time() -> None:
    with serve_raw(drip_headers(every=0.1)) as url:  # drips forever: only the deadline ends it
        done = asgideck("inspect", "--openapi", url, "--deadline", "1")
    assert one_line(done) == f"asgideck: {url}: not complete within 1 s (the limit); gave up"


def test_call_auth_on_an_endless_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "main.py").write_text("from fastapi import FastAPI\napp = FastAPI()\n")
    answers = {"/openapi.json": endless_body(), "/me": fixed_body(b'{"me": "bob"}')}
    with serve_raw(answers) as url:
        code, out = run_cli(
            "call", str(tmp_path), "GET", "/me", "--url", url, "--auth", "bob:pw", "--no-history"
        )
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert f"{url}/openapi.json: larger than 64 MiB (the limit); not read" in err
    assert code == 0 and '"bob"' in out  # said why, sent basic auth, printed the answer


def test_call_auth_skips_an_endless_docs_page() -> None:
    flow = {"password": {"tokenUrl": "/login", "scopes": {}}}
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {},
        "components": {"securitySchemes": {"o": {"type": "oauth2", "flows": flow}}},
    }
    sent = [0]  # bytes of the endless page the server got out

    def endless_page(conn: socket.socket, stop: threading.Event) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n")
        chunk = b"a" * 65536
        while sent[0] < 512 * 2**20 and not stop.is_set():
            conn.sendall(chunk)
            sent[0] += len(chunk)

    answers = {"/docs": endless_page, "/openapi.json": fixed_body(json.dumps(doc).encode())}
    with serve_raw(answers) as url:
        assert token_url(url, 5) == ("/login", "/openapi.json")
        # the page read stopped at 1 MiB (MAX_PAGE_BYTES) and hung up: what the server got
        # out is that plus the socket buffers, far short of the 512 MiB on offer
        assert sent[0] < 32 * 2**20, sent


def test_call_auth_search_ends_within_its_deadline() -> None:
    with serve_raw(drip_headers(every=0.1)) as url:  # drips forever: only the deadline ends it
        found, where = token_url(url, 5, deadline=1)
    assert found is None and "within 1 s" in where


def test_the_windows_fetch_after_a_start_on_an_endless_document() -> None:
    with serve_raw(endless_body()) as url, pytest.raises(OpenAPILimitError, match="64 MiB"):
        fetch_openapi(url)


def test_the_limits_are_options_of_inspect(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nested = tmp_path / "nested.json"
    nested.write_bytes(deep_json(8))
    assert run_cli("inspect", "--openapi", str(nested), "--max-depth", "9")[0] == 0
    code, _ = run_cli("inspect", "--openapi", str(nested), "--max-depth", "8")
    assert code == EXIT_USAGE
    assert "nested deeper than 8 levels" in capsys.readouterr().err
    with serve_raw(endless_body()) as url:
        code, _ = run_cli("inspect", "--openapi", url, "--max-size", "0.5")
    assert code == EXIT_USAGE
    assert (
        capsys.readouterr().err == f"asgideck: {url}: larger than 512 KiB (the limit); not read\n"
    )
    for bad in ("0", "-1", "inf", "nan", "x"):
        with pytest.raises(SystemExit) as exited:
            run_cli("inspect", "--openapi", str(nested), "--deadline", bad)
        assert exited.value.code == EXIT_USAGE  # a usage line naming --deadline
        assert "argument --deadline" in capsys.readouterr().err


def test_inspect_openapi_on_a_yaml_alias_bomb(tmp_path: Path) -> None:
    """Review of #10, F4: 700 bytes of nested YAML aliases held the CPU for minutes
    (``--deadline`` covers only URLs and FIFOs)."""
    pytest.importorskip("yaml")
    lines = ["openapi: 3.0.0", "info: {title: t, version: '1'}", "paths: {}", "x-a0: &a0 [lol]"]
    for i in range(1, 10):  # 9 levels of 9 aliases: 9**9 nodes when expanded
        lines.append(f"x-a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]")
    bomb = tmp_path / "bomb.yaml"
    bomb.write_text("\n".join(lines) + "\n")
    done = asgideck("inspect", "--openapi", str(bomb), timeout=20)  # bounds a hang only
    assert one_line(done) == (
        f"asgideck: {bomb}: YAML aliases expand it by more than 1,000,000 nodes "
        "(the limit); not read"
    )
