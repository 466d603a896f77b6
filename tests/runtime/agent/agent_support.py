"""The recording agent's tests: a purpose-built app, an in-process driver, record readers.

The driver runs in a child interpreter (the agent hooks logging, SQLAlchemy and httpx
process-wide): it imports ``_asgideck_agent`` the way a server would, sends requests
through ``httpx.ASGITransport`` and prints what the app answered; the records are
read back from the folder once the child has exited (its exit flush wrote them).
"""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from asgideck.runtime.agent import BOOT_DIR, agent_environment
from asgideck.runtime.recording import RequestRecord, WorkerInfo, parse_line

#: A value the app's environment holds as a secret: it must never reach a record.
SECRET = "sk_live_AgentTestSecret0123456789"
#: A secret by its name only (no key shape): the environment's secret values are scrubbed.
TOKEN_ENV = {"MY_API_TOKEN": "plain-token-value-42"}
BEARER = "agent-bearer-token-7f3a9c1e"

AGENT_APP = '''\
"""An app for the recording agent's tests: layers, dependencies, SQL, logs, errors."""

import logging
import os

import httpx
from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.responses import StreamingResponse
from fastapi.security import HTTPBearer
from sqlalchemy import create_engine, text
from sqlalchemy.pool import StaticPool

log = logging.getLogger("agentapp")
engine = create_engine("sqlite://", poolclass=StaticPool)
app = FastAPI(title="agentapp")


class Outer:
    """Pure ASGI middleware."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        await self.app(scope, receive, send)


@app.middleware("http")
async def stamp(request, call_next):
    return await call_next(request)


app.add_middleware(Outer)


def get_db():
    with engine.connect() as conn:
        yield conn


async def get_settings():
    return {"n": 3}


class Paging:
    def __init__(self, limit: int = 10):
        self.limit = limit


bearer = HTTPBearer(auto_error=False)


def real_user():
    return "real"


def fake_user():
    return "fake"


app.dependency_overrides[real_user] = fake_user


@app.get("/items/{item_id}")
def read_item(
    item_id: int,
    db=Depends(get_db),
    settings=Depends(get_settings),
    paging: Paging = Depends(),
    again=Depends(get_settings),
    credentials=Depends(bearer),
):
    log.warning(
        "reading item %s with %s and %s",
        item_id,
        os.environ["AGENT_TEST_SECRET"],
        os.environ.get("MY_API_TOKEN", ""),
    )
    for number in range(6):
        db.execute(text("SELECT :x"), {"x": number})
    return {"id": item_id, "n": settings["n"], "limit": paging.limit}


@app.get("/boom")
async def boom():
    raise ValueError("kaboom " + os.environ["AGENT_TEST_SECRET"])


@app.post("/echo")
async def echo(request: Request):
    return {"got": await request.json()}


@app.get("/who")
def who(user: str = Depends(real_user)):
    return {"user": user}


@app.get("/stream")
def stream():
    return StreamingResponse((b"x" * 1000 for _ in range(10)), media_type="text/plain")


@app.get("/upstream")
def upstream():
    def answer(request):
        return httpx.Response(201, json={"ok": True})

    with httpx.Client(transport=httpx.MockTransport(answer)) as client:
        status = client.get("http://upstream.test/v1/things?token=" + os.environ["MY_API_TOKEN"])
    return {"status": status.status_code}


@app.websocket("/ws")
async def ws(websocket: WebSocket):
    await websocket.accept()
    await websocket.send_text(await websocket.receive_text())
    await websocket.close()


@app.get("/bad-sql")
def bad_sql(db=Depends(get_db)):
    db.execute(text("SELECT * FROM no_such_table"))
'''

DRIVER = """
import asyncio, json, sys
sys.path[:0] = [sys.argv[1], sys.argv[2]]
import httpx
calls = json.loads(sys.argv[3])
import _asgideck_agent as agent
real = agent._real
out = {}
try:
    out["openapi_before"] = json.dumps(real.openapi(), sort_keys=True)
except Exception:
    out["openapi_before"] = None

async def main():
    transport = httpx.ASGITransport(app=agent.app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://agent.test") as client:
        answers = []
        for method, path, headers, body in calls:
            response = await client.request(method, path, headers=headers, content=body)
            answers.append([response.status_code, response.text])
        return answers

out["answers"] = asyncio.run(main())
if out["openapi_before"] is not None:
    real.openapi_schema = None
    out["openapi_after"] = json.dumps(real.openapi(), sort_keys=True)
print(json.dumps(out))
"""


def write_agent_app(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "agentapp.py").write_text(AGENT_APP, encoding="utf-8")
    return root


def drive(
    app_dir: Path,
    target: str,
    records: Path,
    calls: list[tuple[str, str, dict[str, str], str]],
    *,
    body_limit: int = 65536,
    env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Run ``calls`` (method, path, headers, body) against ``target`` wrapped by the agent."""
    environment = {
        **os.environ,
        **agent_environment(
            target, factory=False, records=records, root=app_dir, body_limit=body_limit
        ),
        "AGENT_TEST_SECRET": SECRET,
        **TOKEN_ENV,
        **(env or {}),
    }
    proc = subprocess.run(
        [sys.executable, "-c", DRIVER, str(BOOT_DIR), str(app_dir), json.dumps(calls)],
        cwd=app_dir,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    result: dict[str, Any] = json.loads(proc.stdout.strip().splitlines()[-1])
    result["stderr"] = proc.stderr
    return result


def read_records(folder: Path) -> tuple[list[WorkerInfo], list[RequestRecord]]:
    """Every worker header and request in ``folder``'s files (oldest first per file)."""
    workers: list[WorkerInfo] = []
    requests: list[RequestRecord] = []
    for path in sorted(folder.glob("*.jsonl")):
        stack: tuple[str, ...] = ()  # the file's header names the layers of its requests
        for line in path.read_text(encoding="utf-8").splitlines():
            item = parse_line(line, stack)
            if isinstance(item, WorkerInfo):
                workers.append(item)
                stack = item.layers
            elif isinstance(item, RequestRecord):
                requests.append(item)
    return workers, requests


def all_text(folder: Path) -> str:
    return "".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.jsonl")))


def assert_nested(record: RequestRecord) -> None:
    """Each layer inside the one around it; the whole request encloses everything."""
    spans = list(record.layers)
    for outer, inner in itertools.pairwise(spans):
        assert outer.start_ms <= inner.start_ms, (outer, inner)
        assert inner.end_ms <= outer.end_ms, (outer, inner)
    for span in spans:
        assert span.duration_ms <= record.duration_ms
    if spans and record.endpoint is not None:
        assert spans[-1].start_ms <= record.endpoint.start_ms
        assert record.endpoint.end_ms <= spans[-1].end_ms
