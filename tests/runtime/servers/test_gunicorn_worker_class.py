"""gunicorn's worker class comes from the project: its gunicorn.conf.py, else what its
interpreter has installed (uvicorn-worker, else uvicorn.workers), else an install offer."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from asgideck.runtime.servers import (
    ConfigError,
    Features,
    ServerSpec,
    Supervisor,
    argv,
    free_port,
    interpreter_features,
)
from asgideck.runtime.servers._argv import config_worker_class, resolve_worker_class
from support.projects import copy_project, make_venv
from support.servers import assert_tree_gone


def venv_without_uvicorn_worker(tmp_path: Path) -> Path:
    """A project venv that really lacks the ``uvicorn-worker`` package (the suite has it)."""
    return make_venv(
        tmp_path / "venv", only_here=["fixture_only_gunicorn"], without=["uvicorn_worker"]
    )


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path]:
    return copy_project("gunicorn_uvicorn_workers", tmp_path), venv_without_uvicorn_worker(tmp_path)


def spec(root: Path, python: Path, **changes: object) -> ServerSpec:
    values: dict[str, object] = {"kind": "gunicorn", "app": "app.main:app", "root": root,
                                 "python": python, "port": free_port(), "workers": 2,
                                 "graceful_timeout": 3}  # fmt: skip
    values.update(changes)
    return ServerSpec(**values)  # type: ignore[arg-type]


def test_the_fixture_venv_lacks_uvicorn_worker_but_has_uvicorn_workers(
    project: tuple[Path, Path],
) -> None:
    _root, python = project
    features = interpreter_features(python)
    assert features.lacks("uvicorn_worker")
    assert not features.lacks("uvicorn.workers") and not features.lacks("gunicorn")


def test_the_config_files_worker_class_is_read_without_running_it(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, python = project
    assert config_worker_class(root / "gunicorn.conf.py") == "uvicorn.workers.UvicornWorker"
    worker, why = resolve_worker_class(spec(root, python), interpreter_features(python))
    assert worker is None  # the file supplies it: no --worker-class that could disagree
    assert "worker_class = 'uvicorn.workers.UvicornWorker'" in why
    assert "--worker-class" not in argv(spec(root, python), interpreter_features(python))
    booby = tmp_path / "boom.conf.py"
    booby.write_text("raise SystemExit('executed')\nworker_class = 'asgi'\n")
    assert config_worker_class(booby) == "asgi"


def test_without_a_config_the_installed_worker_is_used(
    project: tuple[Path, Path], tmp_path: Path
) -> None:
    root, python = project
    (root / "gunicorn.conf.py").unlink()
    worker, why = resolve_worker_class(spec(root, python), interpreter_features(python))
    assert worker == "uvicorn.workers.UvicornWorker"
    assert "uvicorn-worker is not installed" in why
    suite = resolve_worker_class(spec(root, python), Features.all())
    assert suite[0] == "uvicorn_worker.UvicornWorker"  # preferred where it is installed


def test_neither_worker_offers_the_install(tmp_path: Path) -> None:
    s = spec(tmp_path, tmp_path / "venv" / "bin" / "python")
    with pytest.raises(ConfigError, match=r"-m pip install uvicorn-worker"):
        argv(s, Features(modules=frozenset({"gunicorn", "uvicorn"})))


@pytest.mark.integration
def test_gunicorn_with_uvicorn_workers_starts_serves_and_stops(project: tuple[Path, Path]) -> None:
    root, python = project
    sup = Supervisor(spec(root, python), log_to_file=False)
    sup.start()
    try:
        status = sup.wait_for("running", "crashed", timeout=40)
        assert status.state == "running", status.error
        assert httpx.get(f"{status.url}/health", timeout=5).json() == {"status": "ok"}
        texts = "\n".join(ln.text for ln in sup.buffer.snapshot())
        assert "Using worker: uvicorn.workers.UvicornWorker" in texts  # gunicorn's own line
        pids = sup.pids
    finally:
        result = sup.stop()
        sup.close(0)
    assert result.clean
    assert_tree_gone(pids, sup.spec.port)
