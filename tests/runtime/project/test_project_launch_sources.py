"""App candidates from what says how a project is launched; several candidates; the choice."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.project import (
    SeveralApps,
    discover,
    find_app,
    find_workspace,
    open_project,
    remember_app,
)
from support.files import write_files

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def test_dockerfile_cmd_names_the_app(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "Dockerfile": 'FROM python\nWORKDIR /code\nCMD ["uvicorn", "service.web:api", \\\n'
            '     "--host", "0.0.0.0"]\n',
            "service/__init__.py": "",
            "service/web.py": "from fastapi import FastAPI\n\napi = FastAPI()\nother = FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.line) == ("service.web:api", 3)
    assert target.reason.startswith("Dockerfile:3: CMD uvicorn service.web:api")


def test_procfile_makefile_and_gunicorn_conf_agree_into_one_candidate(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "Procfile": "web: gunicorn -k uvicorn.workers.UvicornWorker app.main:app\n",
            "Makefile": "dev:\n\t@uv run uvicorn app.main:app --reload\n",
            "gunicorn.conf.py": 'wsgi_app = "app.main:app"\n',
            "app/__init__.py": "",
            "app/main.py": APP,
        },
    )
    found = discover(tmp_path)
    assert len(found.candidates) == 1
    places = " | ".join(found.candidates[0].found)
    for where in ("Procfile:1", "Makefile:2", "gunicorn.conf.py:1"):
        assert where in places


def test_cd_and_app_dir_set_where_the_app_runs(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "run.sh": "#!/bin/sh\ncd services/api && exec uvicorn main:app --app-dir src\n",
            "services/api/src/main.py": APP,
        },
    )
    target = find_app(tmp_path)
    assert target.workdir == tmp_path / "services/api"
    assert (target.import_string, target.app_dir) == ("main:app", "src")
    assert target.import_dir == tmp_path / "services/api/src"


def test_fastapi_run_path_is_imported_by_the_init_chain(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "Makefile": "run:\n\tfastapi dev bigger_applications/app/main.py\n",
            "bigger_applications/app/__init__.py": "",
            "bigger_applications/app/main.py": "from fastapi import FastAPI\nfrom .x import y\n"
            "app = FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.app_dir) == ("app.main:app", "bigger_applications")


def test_uvicorn_run_in_source_and_python_scripts(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "pkg/__init__.py": "",
            "pkg/factory.py": "from fastapi import FastAPI\n\ndef build():\n    return FastAPI()\n",
            "pkg/cli.py": "import uvicorn\n\ndef main():\n"
            "    uvicorn.run('pkg.factory:build', factory=True)\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.factory) == ("pkg.factory:build", True)
    assert target.reason == "pkg/cli.py:4: uvicorn.run('pkg.factory:build', ...)"


def test_several_apps_are_listed_then_the_choice_is_remembered(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'two'\n",
            "admin/__init__.py": "",
            "admin/site.py": APP,
            "public/__init__.py": "",
            "public/site.py": "from fastapi import FastAPI\n\n\ndef create_app():\n"
            "    return FastAPI()\n",
        },
    )
    with pytest.raises(SeveralApps) as caught:
        find_app(tmp_path)
    message = str(caught.value)
    assert "admin.site:app" in message and "admin/site.py:3" in message
    assert "public.site:create_app" in message and "public/site.py:4" in message
    project = open_project(tmp_path / "admin")
    assert project.app is None and project.app_error is not None
    assert len(project.candidates) == 2
    picked = open_project(tmp_path, app="public.site:create_app")
    assert picked.app is not None and picked.app.factory is True
    remember_app(tmp_path / "public", "public.site:create_app")
    again = open_project(tmp_path)
    assert again.app is not None and again.app.import_string == "public.site:create_app"
    assert again.app.reason == "your choice of 2 apps found"


def test_a_sub_app_and_the_factory_main_calls_are_not_extra_candidates(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "requirements.txt": "fastapi\n",
            "svc/__init__.py": "",
            "svc/v1.py": APP,
            "svc/factory.py": "from fastapi import FastAPI\n\ndef create_app():\n"
            "    return FastAPI()\n",
            "svc/entry.py": "from svc.factory import create_app\nfrom svc.v1 import app as v1\n"
            "application = create_app()\napplication.mount('/v1', v1)\n",
        },
    )
    target = find_app(tmp_path)
    assert target.import_string == "svc.entry:application"


def test_workspace_root_members_and_focus(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[tool.uv.workspace]\n"
            'members = ["packages/*"]\nexclude = ["packages/old"]\n',
            "packages/web/pyproject.toml": "[project]\nname = 'web'\n",
            "packages/web/web/__init__.py": "",
            "packages/old/pyproject.toml": "",
            "backend/README.md": "",
        },
    )
    ws = find_workspace(tmp_path / "packages/web/web")
    assert (ws.root, ws.focus) == (tmp_path, tmp_path / "packages/web")
    assert ws.members == (tmp_path / "packages/web", tmp_path / "backend")


def test_opening_a_big_tree_parses_only_files_that_may_define_an_app(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What keeps a 2,000-module tree cheap: byte checks (``uvicorn.``, an app call) skip
    every module with nothing in it, so none of them is parsed into an AST (how fast it is
    belongs in a bench, not in a test)."""
    files = {"pyproject.toml": "[project]\nname = 'big'\n", "app/__init__.py": ""}
    for i in range(2000):
        files[f"pkg{i % 40}/mod{i}.py"] = (
            f"import os\n\nVALUE = {i}\n\n\ndef f():\n    return VALUE\n"
        )
    files["app/main.py"] = APP
    write_files(tmp_path, files)
    parsed: list[str] = []
    real_parse = ast.parse

    def counting_parse(source: Any, filename: Any = "<unknown>", *args: Any, **kw: Any) -> Any:
        parsed.append(str(filename))
        return real_parse(source, filename, *args, **kw)

    monkeypatch.setattr(ast, "parse", counting_parse)
    project = open_project(tmp_path)
    assert project.app is not None and project.app.import_string == "app.main:app"
    assert [f for f in parsed if "/pkg" in f] == []  # none of the 2,000 modules was parsed


@pytest.mark.parametrize(
    "files",
    [
        {"Dockerfile": 'FROM python\nENTRYPOINT []\nCMD ["uvicorn", "main:app"]\n'},
        {
            "gunicorn.conf.py": "wsgi_app = \"main:create_app(env='prod')\"\n",
            "Procfile": "web: gunicorn -c gunicorn.conf.py\n",
        },
        {"pyproject.toml": '[tool.uv.workspace]\nmembers = ["", "/abs/*"]\nexclude = [""]\n'},
    ],
    ids=["empty-entrypoint", "wsgi-app-call", "odd-uv-globs"],
)
def test_unusual_launch_files_never_break_opening(tmp_path: Path, files: dict[str, str]) -> None:
    """Real files asgideck cannot use (uv's Docker example, a factory call in wsgi_app,
    odd workspace globs) are passed over: the app is still found in main.py."""
    write_files(tmp_path, {**files, "main.py": APP})
    project = open_project(tmp_path)
    assert project.app is not None and project.app.import_string == "main:app"
