"""The probe (inspect, settings validation) runs where ``run`` runs: the same environment,
working directory and ``sys.path`` as a server started for the same profile."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.agent import BOOT_DIR
from asgideck.runtime.inspect import (
    PROBE_OWN,
    inspect_project,
    probe_environment,
    validate_settings,
)
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.servers import (
    LAUNCH_VARS,
    LaunchConfig,
    Supervisor,
    build_spec,
    child_env,
    free_port,
)
from support.files import write_files
from support.projects import make_venv

# An app that, like many real ones, reads HOME (and the profile) at import, and records
# what its process sees, so the probe's import and the server's import can be compared.
APP = """\
import json, os, sys

import parity_only_here  # exists in the project's venv alone
from fastapi import FastAPI

CACHE = os.path.join(os.environ["HOME"], ".cache", "parity")
dump = os.path.join(os.environ["DUMP_DIR"], f"{os.getpid()}.json")
with open(dump, "w", encoding="utf-8") as handle:
    json.dump(
        {"env": dict(os.environ), "cwd": os.getcwd(), "sys_path": sys.path[:4]}, handle
    )

app = FastAPI()


@app.get("/cache")
def cache() -> dict:
    return {"cache": CACHE}
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    root = tmp_path / "proj"
    dumps = tmp_path / "dumps"
    dumps.mkdir()
    write_files(root, {"main.py": APP, ".env": f"DUMP_DIR={dumps}\nGREETING=hello\n"})
    make_venv(root / ".venv", only_here=["parity_only_here"])
    return open_project(root)


def _dumps(project: Project) -> list[dict[str, Any]]:
    folder = Path(load_profile(project.root, "default").environ()["DUMP_DIR"])
    found = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]
    for path in folder.glob("*.json"):
        path.unlink()
    return found


def _normal(paths: list[str], cwd: str) -> list[str]:
    """sys.path entries as folders (``'.'`` and ``''`` are the working directory), without
    the launch's own stack-dump folder."""
    folders = (os.path.abspath(os.path.join(cwd, p)) for p in paths)
    return list(dict.fromkeys(p for p in folders if not _launch_own(p)))


def _launch_own(path: str) -> bool:
    """The supervisor's stack-dump ``sitecustomize`` folder (in asgideck's state dir) and
    the request-recording agent's boot folder are what the launch adds for itself, as
    PROBE_OWN is for the probe."""
    return Path(path).name == "stack-site" or Path(path) == BOOT_DIR


def _without_launch_own(env: dict[str, str]) -> dict[str, str]:
    """``env`` without what the launch adds for itself (the agent's variables too: a
    development server records its requests by default)."""
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p and not _launch_own(p)]
    clean = {
        k: v for k, v in env.items() if k != "PYTHONPATH" and not k.startswith("ASGIDECK_AGENT_")
    }
    return clean | ({"PYTHONPATH": os.pathsep.join(paths)} if paths else {})


def test_probe_environment_is_the_launch_environment(project: Project) -> None:
    profile = load_profile(project.root, "default")
    spec = build_spec(project, LaunchConfig("default", "default", port=free_port()))
    parent = {"HOME": "/home/u", "USER": "u", "TMPDIR": "/t", "TZ": "UTC", "QT_X": "no"}
    parent |= {"SSL_CERT_FILE": "/c.pem", "PATH": "/bin", "PYTHONPATH": "/leak", "LC_TIME": "C"}
    probe = probe_environment(profile.environ(), project.interpreter.path, parent)
    launch = child_env(spec, parent)
    assert spec.record is not None  # the development server records: the agent is its own
    assert {k: v for k, v in probe.items() if k not in PROBE_OWN} == _without_launch_own(launch)
    assert {k: probe[k] for k in PROBE_OWN} == PROBE_OWN
    for key in ("HOME", "USER", "TMPDIR", "TZ", "SSL_CERT_FILE", "LC_TIME", "GREETING"):
        assert key in probe, key
    assert "QT_X" not in probe and "PYTHONPATH" not in probe
    assert probe["VIRTUAL_ENV"] == str(project.root / ".venv")


def test_inspect_and_run_import_the_app_in_the_same_process_setting(project: Project) -> None:
    """An app that reads HOME at import inspects fine, and what its import sees under the
    probe equals what it sees under a server started by run (a real Supervisor)."""
    info = inspect_project(project, "default", timeout=60)
    assert not info.errors, info.errors
    assert [r.path for r in info.routes if r.path == "/cache"] == ["/cache"]
    [probed] = _dumps(project)

    spec = build_spec(project, LaunchConfig("default", "default", port=free_port()))
    supervisor = Supervisor(spec, name="parity")
    supervisor.start()
    try:
        status = supervisor.wait_for("running", "crashed", timeout=60)
        assert status.state == "running", status.error
    finally:
        assert supervisor.stop(grace=5).clean
    [served] = _dumps(project)

    assert probed["cwd"] == served["cwd"] == str(spec.root)
    own = {k: probed["env"].pop(k) for k in PROBE_OWN}
    assert own == PROBE_OWN
    markers = {k: (probed["env"].pop(k), served["env"].pop(k)) for k in LAUNCH_VARS}
    assert markers["ASGIDECK_LAUNCH"][0] != markers["ASGIDECK_LAUNCH"][1]  # one per launch
    assert probed["env"] == _without_launch_own(served["env"])
    cwd = served["cwd"]
    assert _normal(probed["sys_path"], cwd)[:2] == _normal(served["sys_path"], cwd)[:2]


def test_settings_validation_sees_the_launch_environment(project: Project) -> None:
    """A settings class reading HOME and the profile validates: nothing is missing that
    a started server would have."""
    write_files(
        project.root,
        {
            "settings.py": """\
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    home: str
                    greeting: str
                    virtual_env: str
            """
        },
    )
    report = validate_settings(project, load_profile(project.root, "default"))
    assert report.ok, report.issues
    assert report.values["settings.Settings"]["virtual_env"] == str(project.root / ".venv")
    assert report.working_dir == project.root
