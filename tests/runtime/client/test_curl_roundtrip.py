"""Done-means 2: the generated curl command (and httpx snippet), run for real, get the same
status and body as the Sender, against a real uvicorn server on loopback."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asgideck.runtime.client import (
    ApiKeyAuth,
    BasicAuth,
    BearerAuth,
    MultipartBody,
    RequestSpec,
    ResponseRecord,
    Sender,
    from_curl,
    to_curl,
    to_httpx,
)

pytestmark = pytest.mark.integration

NASTY = 'it\'s $HOME `id` "q" \\ ; & | é ✓'


@pytest.fixture(scope="module")
def upload(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("files") / "my file; v1.png"
    path.write_bytes(bytes(range(256)) * 8)
    return path


def _curl() -> str:
    curl = shutil.which("curl")
    if curl is None:
        pytest.fail("curl is not installed: `apt-get install curl` (Done-means 2 needs it)")
    return curl


def _specs(base: str, upload: Path) -> list[RequestSpec]:
    return [
        RequestSpec(
            "GET",
            "/echo/items/{item_id}",
            base_url=base,
            path_params={"item_id": "a b/é"},
            query=[("q", NASTY), ("tag", "x"), ("tag", "y")],
            headers=[("X-Note", NASTY)],
            cookies={"theme": "dark"},
            auth=BearerAuth("tok-123"),
        ),
        RequestSpec(
            "POST",
            "/echo/json",
            base_url=base,
            body_kind="json",
            body={"name": NASTY, "lines": "a\nb", "n": [1, 2.5, None]},
        ),
        RequestSpec(
            "PUT", "/echo/form", base_url=base, body_kind="form", body=[("a", NASTY), ("a", "2")]
        ),
        RequestSpec(
            "PATCH",
            "/echo/raw",
            base_url=base,
            body_kind="raw",
            body="line 1\nline 2\n" + NASTY,
            content_type="text/plain; charset=utf-8",
            auth=BasicAuth("bob", "p:a$s"),
        ),
        RequestSpec(
            "POST",
            "/echo/upload",
            base_url=base,
            body_kind="multipart",
            body=MultipartBody(fields=[("title", NASTY), ("title", "@x")], files=[("doc", upload)]),
        ),
        RequestSpec(
            "POST",
            "/echo/fields-only",
            base_url=base,
            body_kind="multipart",
            body=MultipartBody(fields=[("a", "1"), ("b", NASTY)]),
        ),
        RequestSpec("DELETE", "/echo/k", base_url=base, auth=ApiKeyAuth("api_key", "k&v", "query")),
        RequestSpec("GET", "/me", base_url=base),  # 401 from a real dependency
        RequestSpec("GET", "/redirect", base_url=base, follow_redirects=True),
    ]


def _comparable(status: int, body: bytes) -> tuple[int, object]:
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body


def _run_curl(command: str, tmp_path: Path) -> tuple[int, bytes]:
    out = tmp_path / "curl-body"
    # The generated command runs as is; only output options are appended.
    full = f"{command} -o {out} -w '%{{http_code}}'"
    done = subprocess.run(
        ["bash", "-c", full],
        capture_output=True,
        timeout=30,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr.decode()
    return int(done.stdout), out.read_bytes()


def test_curl_command_gets_what_the_sender_gets(
    echo_url: str, upload: Path, tmp_path: Path
) -> None:
    _curl()
    with Sender() as sender:
        for spec in _specs(echo_url, upload):
            record: ResponseRecord = sender.send(spec)
            command = to_curl(spec)
            assert _comparable(*_run_curl(command, tmp_path)) == _comparable(
                record.status, record.body
            ), command
            assert record.status in (200, 401)
    # A sanity check that the comparison can fail: the echo really reflects the request.
    with Sender() as sender:
        first = json.loads(sender.send(_specs(echo_url, upload)[0]).body)
    assert first["raw_path"] == "/echo/items/a%20b%2F%C3%A9"
    assert ["q", NASTY] in first["query"] and first["headers"]["cookie"] == "theme=dark"


def test_multiline_curl_runs_too(echo_url: str, upload: Path, tmp_path: Path) -> None:
    _curl()
    spec = _specs(echo_url, upload)[1]
    with Sender() as sender:
        record = sender.send(spec)
    got = _run_curl(to_curl(spec, multiline=True), tmp_path)
    assert _comparable(*got) == _comparable(record.status, record.body)


def test_httpx_snippet_gets_what_the_sender_gets(
    echo_url: str, upload: Path, tmp_path: Path
) -> None:
    with Sender() as sender:
        for spec in _specs(echo_url, upload):
            record = sender.send(spec)
            script = tmp_path / "snippet.py"
            script.write_text(to_httpx(spec), encoding="utf-8")
            done = subprocess.run(
                [sys.executable, str(script)], capture_output=True, timeout=30, check=False
            )
            assert done.returncode == 0, done.stderr.decode()
            status_line, _, text = done.stdout.decode().partition("\n")
            status = int(status_line.split()[0])
            assert _comparable(status, text.encode()) == _comparable(record.status, record.body)


def test_pasted_curl_sends_what_curl_sends(echo_url: str, upload: Path, tmp_path: Path) -> None:
    _curl()
    command = (
        f"curl -sS '{echo_url}/echo/pasted?x=1' \\\n"
        "  -H 'X-Trace: abc' \\\n"
        "  -b 'a=1; b=2' \\\n"
        "  -u 'alice:secret' \\\n"
        "  --data-raw '{\"k\": [1, 2]}' -H 'Content-Type: application/json'"
    )
    with Sender() as sender:
        record = sender.send(from_curl(command))
    assert _comparable(*_run_curl(command, tmp_path)) == _comparable(record.status, record.body)
