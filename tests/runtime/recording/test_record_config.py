"""The per-server "Record requests" setting: its default by style, saving, and the spec."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from asgideck.runtime.project import open_project
from asgideck.runtime.recording import record_files, records_dir
from asgideck.runtime.servers import (
    ConfigError,
    LaunchConfig,
    begin_run,
    build_spec,
    configs_path,
    default_configs,
    load_configs,
    records_by_default,
    save_configs,
)
from support.files import copy_sample_app


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (LaunchConfig("dev", "development", reload=True), True),
        (LaunchConfig("one", "development"), True),  # one process, not production
        (LaunchConfig("hc", "staging", "hypercorn"), True),
        (LaunchConfig("rl", "production", reload=True), True),  # --reload is development
        (LaunchConfig("prod", "production"), False),  # a production profile
        (LaunchConfig("prod-eu", "prod-eu"), False),
        (LaunchConfig("w", "development", workers=2), False),  # several workers
        (LaunchConfig("g", "development", "gunicorn"), False),  # gunicorn
    ],
)
def test_records_by_default_follows_the_server_style(config: LaunchConfig, expected: bool) -> None:
    assert records_by_default(config) is expected
    assert config.record is None and config.recording is expected


def test_the_default_configs_record_the_development_servers() -> None:
    configs = default_configs(["development", "production"])
    assert [(c.name, c.recording) for c in configs] == [
        ("development", True),
        ("production", False),
    ]


def test_a_choice_overrides_the_default_and_round_trips(tmp_path: Path) -> None:
    on = LaunchConfig("prod", "production", "gunicorn", workers=2, record=True)
    off = LaunchConfig("dev", "development", reload=True, record=False)
    auto = LaunchConfig("auto", "development")
    assert (on.recording, off.recording, auto.recording) == (True, False, True)
    for config in (on, off, auto):
        assert LaunchConfig.from_json(json.loads(json.dumps(config.to_json()))) == config
    save_configs(tmp_path, [on, off, auto])
    saved = json.loads(configs_path(tmp_path).read_text())["servers"]
    assert [s["record"] for s in saved] == [True, False, None]
    assert load_configs(tmp_path, []) == [on, off, auto]


def test_an_older_file_without_the_field_means_the_default(tmp_path: Path) -> None:
    old = {"name": "dev", "profile": "development", "reload": True}
    assert LaunchConfig.from_json(old).record is None


def test_a_bad_value_names_the_field() -> None:
    with pytest.raises(ConfigError, match=r"^record:"):
        LaunchConfig.from_json({"name": "dev", "profile": "development", "record": "yes"})


def test_build_spec_names_the_records_folder_and_a_start_empties_it(tmp_path: Path) -> None:
    project = open_project(copy_sample_app(tmp_path / "proj"))
    dev = LaunchConfig("dev", "development", reload=True)
    spec = build_spec(project, dev)
    folder = records_dir(project.root, "dev")
    assert spec.record == folder
    assert not folder.exists()  # building a spec changes nothing on disk
    begin_run(project, dev, spec)
    (folder / "123.jsonl").write_text("{}\n")
    begin_run(project, dev, spec)  # the next start: the old run's records are gone
    assert folder.is_dir() and record_files(folder) == []
    off = build_spec(project, LaunchConfig("prod", "production"))
    assert off.record is None
    begin_run(project, LaunchConfig("prod", "production"), off)
    assert not records_dir(project.root, "prod").exists()
