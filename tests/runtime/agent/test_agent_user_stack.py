"""Free-text secrets and the user's own stack: what a log line or an exception leaves in a
record, and which frames the server logs for an exception that leaves the app."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from agent_support import all_text, drive, read_records

from asgideck.runtime.agent import BOOT_DIR, agent_environment

AGENT_DIR = str(Path(BOOT_DIR).parent)
APP = """\
import logging

from fastapi import Depends, FastAPI

log = logging.getLogger("freetext")
app = FastAPI()


def dep():
    return 1


@app.get("/login")
def login(d=Depends(dep)):
    log.warning("login password=hunter2")
    return {"ok": True}


@app.get("/bad")
def bad(d=Depends(dep)):
    raise ValueError("bad token=abcdEFGH1234")


@app.get("/bad-async")
async def bad_async(d=Depends(dep)):
    raise ValueError("bad token=abcdEFGH1234")
"""

# The exception a server gets from the recorded app, formatted as the server logs it.
SERVER = """
import asyncio, sys, traceback
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import _asgideck_agent as agent

async def main(path):
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
             "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
             "query_string": b"", "root_path": "", "headers": [],
             "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        pass
    try:
        await agent.app(scope, receive, send)
    except ValueError as exc:
        print("".join(traceback.format_exception(type(exc), exc, exc.__traceback__)))
        print("=====")

for path in ("/bad", "/bad-async"):
    asyncio.run(main(path))
"""


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "freetext.py").write_text(APP, encoding="utf-8")
    return root


def test_free_text_secrets_and_agent_frames_stay_out_of_the_records(tmp_path: Path) -> None:
    root = _project(tmp_path)
    records = tmp_path / "records"
    calls = [("GET", "/login", {}, ""), ("GET", "/bad", {}, ""), ("GET", "/bad-async", {}, "")]
    result = drive(root, "freetext:app", records, calls)
    assert [a[0] for a in result["answers"]] == [200, 500, 500]
    text = all_text(records)
    assert "hunter2" not in text and "abcdEFGH1234" not in text
    assert AGENT_DIR not in text  # no frame of the agent, in frames or in the text
    _, requests = read_records(records)
    login, bad, bad_async = requests
    assert [line.message for line in login.logs] == ["login password=****"]
    for record, function in ((bad, "bad"), (bad_async, "bad_async")):
        exception = record.exception
        assert exception is not None and exception.message == "bad token=****"
        assert exception.frames[-1].function == function and exception.frames[-1].project
        assert not any(f.file.startswith(AGENT_DIR) for f in exception.frames)
        assert ", in sync_endpoint" not in exception.text and "Timed" not in exception.text
        assert exception.text.rstrip().endswith("ValueError: bad token=****")


def test_the_server_logs_the_users_stack_with_one_agent_frame(tmp_path: Path) -> None:
    root = _project(tmp_path)
    env = {
        **os.environ,
        **agent_environment("freetext:app", factory=False, records=tmp_path / "records", root=root),
    }
    proc = subprocess.run(
        [sys.executable, "-c", SERVER, str(BOOT_DIR), str(root)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    logged = proc.stdout.split("=====")[:2]
    assert len(logged) == 2, proc.stdout
    for text, function in zip(logged, ("bad", "bad_async"), strict=True):
        agent_lines = [line for line in text.splitlines() if AGENT_DIR in line]
        assert len(agent_lines) == 1 and "in __call__" in agent_lines[0], text  # the entry
        assert f"in {function}" in text and "ValueError: bad token=abcdEFGH1234" in text
