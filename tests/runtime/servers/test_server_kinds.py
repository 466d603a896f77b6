"""Hypercorn, Granian and Daphne run through the same supervisor as uvicorn: a real
start on a free loopback port, a request served, a stop that leaves nothing behind."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from asgideck.runtime.servers import Features, Supervisor, argv, interpreter_features
from support.servers import PY, assert_tree_gone, make_spec, wait_until, write_app

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(
    ("kind", "changes", "ready_line"),
    [
        ("hypercorn", {}, "Running on http://127.0.0.1:"),
        ("hypercorn", {"workers": 2}, "Running on http://127.0.0.1:"),
        ("granian", {}, "Started worker-1"),
        ("granian", {"workers": 2}, "Started worker-2"),
        ("daphne", {}, "Listening on TCP address 127.0.0.1:"),
    ],
    ids=["hypercorn", "hypercorn-workers", "granian", "granian-workers", "daphne"],
)
def test_server_kind_starts_serves_and_stops(
    tmp_path: Path, kind: str, changes: dict[str, Any], ready_line: str
) -> None:
    spec = make_spec(write_app(tmp_path / "proj"), kind=kind, **changes)
    sup = Supervisor(spec, log_to_file=False)
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        response = httpx.get(f"http://127.0.0.1:{spec.port}/", timeout=5)
        assert response.status_code == 200 and response.text == "ok"
        # the server's own ready line (it may trail the port opening by a few ms)
        seen = lambda: any(ready_line in ln.text for ln in sup.buffer.snapshot())  # noqa: E731
        assert wait_until(seen, 10), [ln.text for ln in sup.buffer.snapshot()]
        pids = sup.pids
        if changes.get("workers", 1) > 1:
            assert len(pids) >= 3  # the main process and its two workers
    finally:
        result = sup.stop()
        sup.close(0)
    assert result.clean and not result.killed, result  # SIGTERM was enough
    assert_tree_gone(pids, spec.port)


def test_the_servers_are_found_in_the_interpreter() -> None:
    modules = interpreter_features(PY).modules
    assert modules is not None
    assert {"uvicorn", "gunicorn", "hypercorn", "granian", "daphne"} <= modules


def test_a_server_the_interpreter_lacks_names_the_install(tmp_path: Path) -> None:
    spec = make_spec(tmp_path, kind="granian")
    with pytest.raises(ValueError, match=r"granian is not installed .* -m pip install granian"):
        argv(spec, Features(modules=frozenset({"uvicorn"})))


def test_each_kind_gets_its_own_options(tmp_path: Path) -> None:
    hyper = argv(make_spec(tmp_path, kind="hypercorn", workers=3, factory=True), Features.all())
    assert hyper[3] == "tiny:app()" and hyper[hyper.index("--workers") + 1] == "3"
    granian = argv(make_spec(tmp_path, kind="granian", reload=True, root_path="/api"),
                   Features.all())  # fmt: skip
    assert granian[3:5] == ["--interface", "asgi"] and "--reload" in granian
    assert granian[granian.index("--url-path-prefix") + 1] == "/api"
    assert ".venv" in granian  # never watched
    daphne = argv(make_spec(tmp_path, kind="daphne", app_dir=Path("src")), Features.all())
    assert daphne[-1] == "tiny:app" and "--access-log" in daphne
    from asgideck.runtime.servers import child_env

    env = child_env(make_spec(tmp_path, kind="daphne", app_dir=Path("src")), {"PATH": "/bin"})
    assert env["PYTHONPATH"] == str(tmp_path / "src")
    uvicorn = argv(make_spec(tmp_path, app_dir=Path("src")), Features.all())
    assert uvicorn[uvicorn.index("--app-dir") + 1] == str(tmp_path / "src")
