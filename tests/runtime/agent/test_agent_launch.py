"""A recorded ServerSpec: the agent's app target in argv, its variables in the environment."""

from __future__ import annotations

import ast
import os
from pathlib import Path

import pytest

from asgideck.runtime.agent import AGENT_APP, BOOT_DIR, agent_environment
from asgideck.runtime.servers import ConfigError, Features, argv, child_env
from support.servers import bare_spec


def test_boot_dir_holds_only_the_agent_module() -> None:
    modules = sorted(p.name for p in BOOT_DIR.iterdir() if p.suffix == ".py")
    assert modules == ["__init__.py", "_asgideck_agent.py"]
    assert AGENT_APP == "_asgideck_agent:app"


@pytest.mark.parametrize(
    ("kind", "factory", "target"),
    [
        ("uvicorn", False, AGENT_APP),
        ("uvicorn", True, AGENT_APP),
        ("gunicorn", False, AGENT_APP),
        ("gunicorn", True, AGENT_APP + "()"),
        ("hypercorn", True, AGENT_APP + "()"),
        ("granian", False, AGENT_APP),
        ("daphne", False, AGENT_APP),
    ],
)
def test_a_recorded_server_imports_the_agent(
    tmp_path: Path, kind: str, factory: bool, target: str
) -> None:
    plain = bare_spec(tmp_path, kind=kind, factory=factory, worker_class="asgi")
    recorded = bare_spec(
        tmp_path, kind=kind, factory=factory, worker_class="asgi", record=tmp_path / "rec"
    )
    before, after = argv(plain, Features.all()), argv(recorded, Features.all())
    assert target in after and AGENT_APP not in " ".join(before)
    assert [a for a in after if "_asgideck_agent" not in a] == [
        a for a in before if "app.main" not in a
    ]
    if factory and kind == "uvicorn":
        assert "--factory" in after


def test_the_environment_names_the_real_app_and_puts_boot_first(tmp_path: Path) -> None:
    spec = bare_spec(
        tmp_path,
        app="app.main:create_app",
        factory=True,
        record=tmp_path / "rec",
        env={"PYTHONPATH": "src", "API_KEY": "x"},
    )
    env = child_env(spec, parent={"PATH": "/usr/bin"})
    assert env["PYTHONPATH"] == os.pathsep.join([str(BOOT_DIR), "src"])
    expected = agent_environment(
        "app.main:create_app", factory=True, records=tmp_path / "rec", root=tmp_path
    )
    assert {k: env[k] for k in expected} == expected
    assert env["ASGIDECK_AGENT_FACTORY"] == "1"
    assert Path(env["ASGIDECK_AGENT_SECRETS"]).is_file()
    assert (Path(env["ASGIDECK_AGENT_PROBE"]) / "_middleware.py").is_file()
    assert "ASGIDECK_AGENT_APP" not in child_env(bare_spec(tmp_path), parent={})


def test_the_records_folder_must_be_absolute(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="record"):
        bare_spec(tmp_path, record=Path("relative/records"))
    spec = bare_spec(tmp_path, record=tmp_path)
    assert hash(spec) == hash(bare_spec(tmp_path))  # not part of a server's identity


def test_the_agent_parses_as_python_3_8() -> None:
    """It runs in the project's interpreter, which may be as old as Python 3.8."""
    folder = Path(BOOT_DIR).parent
    files = [*folder.glob("_*.py"), *(folder / "boot").glob("*.py")]
    files += [folder.parent / "probe" / name for name in ("_middleware.py", "_describe.py")]
    files.append(folder.parent / "secrets.py")
    for path in files:
        ast.parse(path.read_text(encoding="utf-8"), str(path), feature_version=(3, 8))
    assert len(files) >= 12
