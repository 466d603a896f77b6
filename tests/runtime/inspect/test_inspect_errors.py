"""A broken app comes back as structured errors, never as a crashed probe or a raise."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

from asgideck.runtime.inspect import app_info_json, inspect_project
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Interpreter, open_project
from support.files import write_files
from support.inspecting import APPS, inspect


def test_missing_setting_is_an_import_error_with_its_field(tmp_path: Path) -> None:
    (tmp_path / ".env.dev").write_text("API_TOKEN=s3cret-token-value\n", encoding="utf-8")
    # the profile lives elsewhere: its file must not sit in the repo's app folder
    profile = load_profile(tmp_path, "dev")
    info = inspect_project(open_project(APPS / "missing_setting"), profile)
    [error] = info.errors
    assert (error.type, error.stage) == ("ValidationError", "import")
    assert "database_url" in error.message and "missing" in error.message
    assert error.where.endswith("missing_setting/main.py:12")
    assert "Traceback (most recent call last)" in error.traceback
    assert info.middleware == () and info.routes == () and info.openapi is None
    text = json.dumps(app_info_json(info))
    assert "s3cret-token-value" not in text


def test_syntax_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI(\n"})
    info = inspect(tmp_path, app="main:app")
    [error] = info.errors
    assert (error.type, error.stage) == ("SyntaxError", "import")
    assert error.where == f"{tmp_path / 'main.py'}:2"


def test_missing_attribute(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    [error] = inspect(tmp_path, app="main:application").errors
    assert (error.type, error.stage) == ("AttributeError", "lookup")
    assert "'application'" in error.message


def test_not_an_app_names_the_type_and_hints_at_factory(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": """\
                from fastapi import FastAPI
                def build():
                    return FastAPI()
                thing = 42
            """
        },
    )
    [error] = inspect(tmp_path, app="main:thing").errors
    assert error.stage == "lookup"
    assert "main:thing is builtins.int, not a Starlette or FastAPI app" in error.message
    [error] = inspect(tmp_path, app="main:build", factory=False).errors
    assert "--factory" in error.message
    info = inspect(tmp_path, app="main:build", factory=True)
    assert info.errors == () and info.middleware[-1].is_router


def test_a_failing_factory(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": """\
                import os
                from fastapi import FastAPI
                def create_app():
                    return FastAPI(title=os.environ["APP_TITLE"])
            """
        },
    )
    [error] = inspect(tmp_path, app="main:create_app", factory=True).errors
    assert (error.type, error.stage) == ("KeyError", "factory")
    assert "main:create_app()" in error.message and error.where.endswith("main.py:4")


def test_exit_and_output_at_import_do_not_break_the_probe(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "import sys\nprint('hello from the app')\nsys.exit(3)\n"})
    info = inspect(tmp_path, app="main:app")
    [error] = info.errors
    assert error.type == "SystemExit" and error.stage == "import"
    assert "hello from the app" in info.output


def test_no_app_found(tmp_path: Path) -> None:
    info = inspect_project(open_project(tmp_path))
    [error] = info.errors
    assert error.stage == "discovery" and "main.py" in error.message


def test_probe_failure_becomes_an_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "import time\ntime.sleep(60)\n"})
    project = open_project(tmp_path, app="main:app")
    info = inspect_project(project, timeout=1)
    [error] = info.errors
    assert error.type == "ProbeError" and error.stage == "timeout"


def test_an_interpreter_that_cannot_run(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "from fastapi import FastAPI\napp = FastAPI()\n"})
    project = open_project(tmp_path, app="main:app")
    broken = replace(project, interpreter=Interpreter(tmp_path / "no-python", "test"))
    [error] = inspect_project(broken).errors
    assert (error.type, error.stage) == ("ProbeError", "interpreter")
    assert "no-python" in error.message
