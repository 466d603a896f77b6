"""``locate_project`` (what ``asgideck call`` opens) finds the root and name ``open_project``
finds, from any folder of any layout, and refuses what it refuses with the same error."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from asgideck.runtime.project import ProjectError, locate_project, open_project, remember_app
from support import SAMPLE_APP
from support.files import write_files
from support.projects import copy_project

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def same_as_open(folder: Path) -> tuple[Path, str]:
    project = open_project(folder)
    located = locate_project(folder)
    assert located == (project.root, project.name), folder
    return located


def test_sample_app_from_its_root_and_a_subfolder(sample_app: Path) -> None:
    assert same_as_open(sample_app) == (sample_app, "sample_app")
    assert same_as_open(sample_app / "app") == (sample_app, "sample_app")
    assert locate_project(str(sample_app)) == locate_project(sample_app)


def test_a_workspace_member_from_every_folder(tmp_path: Path) -> None:
    root = copy_project("monorepo", tmp_path)
    seen = {same_as_open(root / folder) for folder in ("", "backend", "backend/app")}
    assert len(seen) == 1
    (located,) = seen
    assert located[0] == (root / "backend").resolve()


def test_a_uv_workspace_member_is_named_after_the_workspace(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'whole'\n\n"
            '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
            "packages/web/pyproject.toml": "[project]\nname = 'web'\n",
            "packages/web/main.py": APP,
        },
    )
    root, name = same_as_open(tmp_path / "packages/web")
    assert root == (tmp_path / "packages/web").resolve() and name == "whole"


def test_several_apps_before_and_after_a_choice(tmp_path: Path) -> None:
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
    folders = (tmp_path, tmp_path / "admin", tmp_path / "public")
    assert open_project(tmp_path).app is None  # undecided: the focus folder
    before = [same_as_open(folder) for folder in folders]
    remember_app(tmp_path / "public", "public.site:create_app")
    assert open_project(tmp_path).app is not None  # decided: where the chosen app runs
    after = [same_as_open(folder) for folder in folders]
    assert {name for _root, name in before + after} == {"two"}


def test_a_folder_without_an_app(tmp_path: Path) -> None:
    write_files(tmp_path, {"README.md": "nothing to run\n"})
    assert same_as_open(tmp_path)[0] == tmp_path.resolve()


@pytest.mark.parametrize("kind", ["missing", "file"])
def test_missing_path_or_a_file_is_the_same_error(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "nope"
    if kind == "file":
        target.write_text("x\n")
    with pytest.raises(ProjectError) as opening:
        open_project(target)
    with pytest.raises(ProjectError) as locating:
        locate_project(target)
    assert str(locating.value) == str(opening.value)


def test_locating_imports_no_profiles() -> None:
    """The point of ``locate_project``: no dotenv, no loader scan, no profiles."""
    code = (
        "import sys\n"
        "from asgideck.runtime.project import locate_project\n"
        "locate_project(sys.argv[1])\n"
        "print(sorted(m for m in sys.modules if m == 'dotenv' or m.startswith('dotenv.')"
        " or m.startswith('asgideck.runtime.profiles')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(SAMPLE_APP)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert done.stdout.strip() == "[]", done.stderr
