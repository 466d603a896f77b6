"""Real uvicorn runs of a recorded ServerSpec: sample_app's requests land in the records."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import httpx
import pytest
from agent_support import SECRET, all_text, assert_nested, read_records, write_agent_app

from asgideck.runtime.servers import Features, Supervisor, argv, child_env
from support.inspecting import inspect
from support.loopback import sample_env
from support.servers import make_spec, wait_until

pytestmark = pytest.mark.integration

TOKEN = "uvicorn-test-bearer-91c2d7"


def test_sample_app_requests_are_recorded(sample_app: Path, tmp_path: Path) -> None:
    records = tmp_path / "records"
    env = sample_env(tmp_path / "sample.db")
    spec = make_spec(sample_app, "app.main:app", env=env, record=records)
    sup = Supervisor(spec, name="recorded")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{status.url}/health").status_code == 200
        assert httpx.get(f"{status.url}/api/v1/items", params={"q": "watch"}).status_code == 200
        assert httpx.get(f"{status.url}/api/v1/items/1", headers=auth).status_code == 200
        assert httpx.get(f"{status.url}/api/v1/items/999").status_code == 404
        assert wait_until(lambda: len(read_records(records)[1]) == 4, 10)
    finally:
        assert sup.stop(grace=5).clean
    expected = [layer.name for layer in inspect(sample_app, profile="development").middleware]
    [worker], requests = read_records(records)
    assert list(worker.layers) == expected and worker.app == "app.main:app"
    health, listing, item, missing = requests
    assert (health.route, health.status) == ("/health", 200)
    assert (listing.route, listing.query) == ("/api/v1/items", "q=watch")
    assert (item.route, item.status) == ("/api/v1/items/{item_id}", 200)
    assert (missing.route, missing.status) == ("/api/v1/items/{item_id}", 404)
    for record in requests:
        assert [s.name for s in record.layers] == expected
        assert_nested(record)
        assert record.pid == worker.pid and record.client.startswith("127.0.0.1:")
    assert listing.sql and "FROM items" in listing.sql[0].statement
    assert item.endpoint is not None and item.endpoint.source is not None
    assert item.endpoint.source.startswith("app/api/v1/routes/items.py:")
    assert "get_db" in [d.name for d in item.dependencies]
    text = all_text(records)
    assert TOKEN not in text and env["SECRET_KEY"] not in text


def _run(spec_argv: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(spec_argv, env=env, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_an_import_error_looks_like_the_servers_own(tmp_path: Path) -> None:
    root = write_agent_app(tmp_path / "project")
    (root / "broken.py").write_text('raise RuntimeError("broken at import")\n', encoding="utf-8")
    for target, says in (
        ("nope:app", 'Could not import module "nope"'),
        ("nope.main:app", "No module named 'nope'"),
        ("agentapp:missing", 'Attribute "missing" not found in module "agentapp"'),
        ("broken:app", "RuntimeError: broken at import"),
    ):
        plain = make_spec(root, target)
        recorded = make_spec(root, target, record=tmp_path / "records")
        without = _run(argv(plain, Features.all()), child_env(plain, os.environ), root)
        with_agent = _run(argv(recorded, Features.all()), child_env(recorded, os.environ), root)
        assert says in without.stderr and says in with_agent.stderr, with_agent.stderr
        assert with_agent.returncode == without.returncode
        # at most the one line that imports the app names the agent
        assert with_agent.stderr.count("_asgideck_agent") <= 1, with_agent.stderr
        if target == "broken:app":
            assert 'broken.py", line 1' in with_agent.stderr
            # the agent's one line, then the app's frames: no second round of the
            # server's import function and importlib between them
            frames = with_agent.stderr.count('File "')
            assert frames == without.stderr.count('File "') + 1, with_agent.stderr


def test_a_hypercorn_import_error_is_hypercorns_own(tmp_path: Path) -> None:
    """Hypercorn names a missing module or app in its own words (NoAppError), not ours."""
    root = write_agent_app(tmp_path / "project")
    for target, says in (
        ("nope:app", "Cannot load application from 'nope:app', module not found."),
        ("agentapp:missing", "Cannot load application from 'agentapp:missing', application"),
    ):
        plain = make_spec(root, target, kind="hypercorn")
        recorded = make_spec(root, target, kind="hypercorn", record=tmp_path / "records")
        without = _run(argv(plain, Features.all()), child_env(plain, os.environ), root)
        with_agent = _run(argv(recorded, Features.all()), child_env(recorded, os.environ), root)
        assert says in without.stderr and says in with_agent.stderr, with_agent.stderr
        assert with_agent.returncode == without.returncode


def test_the_env_secret_and_exception_under_uvicorn(tmp_path: Path) -> None:
    root = write_agent_app(tmp_path / "project")
    records = tmp_path / "records"
    spec = make_spec(root, "agentapp:app", env={"AGENT_TEST_SECRET": SECRET}, record=records)
    sup = Supervisor(spec, name="agentapp")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        assert httpx.get(f"{status.url}/boom").status_code == 500
        assert httpx.get(f"{status.url}/items/3").json() == {"id": 3, "n": 3, "limit": 10}
        assert wait_until(lambda: len(read_records(records)[1]) == 2, 10)
    finally:
        assert sup.stop(grace=5).clean
    _, (boom, item) = read_records(records)
    assert boom.exception is not None and boom.exception.type == "ValueError"
    frame = boom.exception.project_frame
    assert frame is not None and frame.relpath == "agentapp.py" and frame.function == "boom"
    assert len(item.sql) == 6 and item.has_n_plus_one and item.logs
    assert SECRET not in all_text(records)


def test_gunicorn_preload_workers_each_write_their_own_file(tmp_path: Path) -> None:
    """--preload: the master imports the app (and the agent), then forks the workers."""
    root = write_agent_app(tmp_path / "project")
    (root / "gunicorn.conf.py").write_text("preload_app = True\n", encoding="utf-8")
    records = tmp_path / "records"
    spec = make_spec(
        root,
        "agentapp:app",
        kind="gunicorn",
        workers=2,
        env={"AGENT_TEST_SECRET": SECRET},
        record=records,
    )
    sup = Supervisor(spec, name="preloaded")
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        with httpx.Client(base_url=status.url) as client:
            for _ in range(12):
                assert client.get("/who", headers={"Connection": "close"}).status_code == 200
        assert wait_until(lambda: len(read_records(records)[1]) == 12, 10)
        pids = set(sup.pids)
    finally:
        assert sup.stop(grace=5).clean
    workers, requests = read_records(records)
    assert len({w.pid for w in workers}) == len(workers) == 2
    assert {r.pid for r in requests} <= {w.pid for w in workers} <= pids
    assert len({r.id for r in requests}) == 12
