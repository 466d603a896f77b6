"""ServerSpec validation, the child's environment and the URL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.servers import child_env, connect_host, url
from support.servers import PY, bare_spec


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"kind": "waitress"}, "kind"),
        ({"kind": "daphne", "workers": 2}, "workers"),
        ({"kind": "daphne", "factory": True}, "factory"),
        ({"app": "app.main"}, "app"),
        ({"app": ":app"}, "app"),
        ({"port": 0}, "port"),
        ({"port": 70000}, "port"),
        ({"workers": 0}, "workers"),
        ({"reload": True, "workers": 2}, "workers"),
        ({"log_level": "verbose"}, "log_level"),
        ({"worker_class": "sync"}, "worker_class"),
        ({"ssl_keyfile": Path("k.pem")}, "ssl_certfile"),
        ({"max_requests_jitter": 5}, "max_requests_jitter"),
        ({"timeout": -1}, "timeout"),
        ({"limit_max_requests": 0}, "limit_max_requests"),
        ({"env": {"A": 1}}, "env"),
    ],
)
def test_invalid_specs_name_the_field(tmp_path: Path, changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=rf"^{field}: "):
        bare_spec(tmp_path, **changes)


def test_spec_normalises_paths_and_freezes_env(tmp_path: Path) -> None:
    env = {"A": "1"}
    s = bare_spec(
        tmp_path, root=str(tmp_path), python=str(PY), reload_dirs=[str(tmp_path)], env=env
    )
    assert isinstance(s.root, Path) and isinstance(s.python, Path)
    assert s.reload_dirs == (tmp_path,)
    env["A"] = "changed"
    assert s.env["A"] == "1"
    with pytest.raises(TypeError):
        s.env["B"] = "2"  # type: ignore[index]
    assert hash(s) == hash(bare_spec(tmp_path))


def test_child_env_is_parent_minimum_plus_profile(tmp_path: Path) -> None:
    parent = {
        "PATH": "/usr/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "PYTHONPATH": "/somewhere/else",
        "VIRTUAL_ENV": "/other/venv",
        "QT_QPA_PLATFORM": "offscreen",
        "WEB_CONCURRENCY": "8",
    }
    s = bare_spec(tmp_path, python=tmp_path / "python", env={"SECRET_KEY": "s3", "HOME": "/app"})
    env = child_env(s, parent)
    assert env == {
        "PATH": "/usr/bin",
        "HOME": "/app",  # the profile wins
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "SECRET_KEY": "s3",
        "PYTHONUNBUFFERED": "1",
    }


def test_child_env_forces_unbuffered_output(tmp_path: Path) -> None:
    env = child_env(bare_spec(tmp_path, env={"PYTHONUNBUFFERED": "0"}), {})
    assert env["PYTHONUNBUFFERED"] == "1"


def test_child_env_activates_the_projects_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / ".venv"
    (venv / "bin").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    env = child_env(bare_spec(tmp_path, python=venv / "bin" / "python"), {"PATH": "/usr/bin"})
    assert env["VIRTUAL_ENV"] == str(venv)
    assert env["PATH"].split(":")[0] == str(venv / "bin")


@pytest.mark.parametrize(
    ("host", "ssl", "expected_url", "expected_connect"),
    [
        ("127.0.0.1", False, "http://127.0.0.1:8000", "127.0.0.1"),
        ("0.0.0.0", False, "http://127.0.0.1:8000", "127.0.0.1"),
        ("::", False, "http://[::1]:8000", "::1"),
        ("::1", True, "https://[::1]:8000", "::1"),
        ("localhost", False, "http://localhost:8000", "localhost"),
    ],
)
def test_url_and_connect_host(
    tmp_path: Path, host: str, ssl: bool, expected_url: str, expected_connect: str
) -> None:
    extra: dict[str, Any] = {"ssl_keyfile": tmp_path / "k", "ssl_certfile": tmp_path / "c"}
    s = bare_spec(tmp_path, host=host, **(extra if ssl else {}))
    assert url(s) == expected_url
    assert connect_host(s) == expected_connect
