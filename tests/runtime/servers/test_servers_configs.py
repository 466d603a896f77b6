"""Launch configs per project: defaults, persistence, validation, specs from profiles."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgideck.runtime.project import open_project
from asgideck.runtime.servers import (
    ConfigError,
    LaunchConfig,
    ServerManager,
    build_spec,
    configs_path,
    default_configs,
    load_configs,
)
from support.files import copy_sample_app


@pytest.fixture
def project_root(tmp_path: Path) -> Path:
    return copy_sample_app(tmp_path / "proj")


def test_defaults_reload_for_development_and_workers_for_production() -> None:
    dev, prod = default_configs(["development", "production"])
    assert (dev.kind, dev.port, dev.reload, dev.workers) == ("uvicorn", 8000, True, 1)
    assert (prod.kind, prod.port, prod.reload, prod.workers) == ("gunicorn", 8001, False, 2)
    assert dev.host == prod.host == "127.0.0.1"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"port": 70000}, "port"),
        ({"workers": 0}, "workers"),
        ({"reload": True, "workers": 2}, "reload"),
        ({"kind": "gunicorn", "reload": True}, "reload"),
        ({"name": " "}, "name"),
    ],
)
def test_invalid_configs_name_the_field(changes: dict[str, object], field: str) -> None:
    values: dict[str, object] = {"name": "s", "profile": "development", **changes}
    with pytest.raises(ConfigError, match=rf"^{field}:"):
        LaunchConfig(**values)  # type: ignore[arg-type]


def test_configs_are_saved_outside_the_project_and_reloaded(project_root: Path) -> None:
    project = open_project(project_root)
    manager = ServerManager(project, ["development", "production"])
    manager.add(LaunchConfig("staging", "production", port=9100, workers=3))
    path = configs_path(project_root)
    assert project_root not in path.parents
    again = load_configs(project_root, ["development", "production"])
    assert [c.name for c in again] == ["development", "production", "staging"]
    assert again[2].workers == 3
    assert "SECRET" not in path.read_text()  # configs name profiles, never their values


def test_a_corrupt_config_file_falls_back_to_defaults(project_root: Path) -> None:
    path = configs_path(project_root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("{not json")
    assert [c.name for c in load_configs(project_root, ["development"])] == ["development"]
    path.write_text(json.dumps({"servers": [{"name": "x", "profile": "p", "port": -1}]}))
    assert [c.name for c in load_configs(project_root, ["development"])] == ["development"]


def test_spec_takes_the_profile_as_it_is_on_disk_now(project_root: Path) -> None:
    project = open_project(project_root)
    config = LaunchConfig("dev", "development", port=9200)
    assert build_spec(project, config).env["ENVIRONMENT"] == "development"
    with (project_root / ".env.development").open("a") as handle:
        handle.write("EXTRA_FLAG=on\n")
    spec = build_spec(project, config)
    assert spec.env["EXTRA_FLAG"] == "on"
    assert (spec.app, spec.port, spec.root) == ("app.main:app", 9200, project.root)


def test_readiness_facts_come_from_the_profile_s_server(project_root: Path) -> None:
    manager = ServerManager(open_project(project_root), ["development", "production"])
    facts = manager.facts_for("production")
    assert facts is not None and (facts.reload, facts.workers) == (False, 2)
    assert manager.facts_for("nope") is None


def test_names_are_unique_and_the_next_free_slot_is_offered(project_root: Path) -> None:
    manager = ServerManager(open_project(project_root), ["development", "production"])
    with pytest.raises(ConfigError, match="exists already"):
        manager.add(LaunchConfig("development", "development", port=9300))
    name, port = manager.next_free_name_and_port()
    assert name == "server-1" and port == 8002
