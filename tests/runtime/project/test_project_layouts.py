"""Real-world layouts: opening any folder finds the same app, workdir and profiles, and the
app imports under the project's own venv exactly the way asgideck will run it."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from asgideck.runtime.profiles import env_sources, list_profiles, load_profile
from asgideck.runtime.project import Project, open_project
from support.projects import copy_project, make_venv

LAYOUTS = {
    # name: (folders to open, import string, workdir, app_dir, factory, only_here module)
    "monorepo": (
        ["", "backend", "backend/app", "backend/app/core"],
        "app.main:app",
        "backend",
        "",
        False,
        "fixture_only_monorepo",
    ),
    "src_starlette": (
        ["", "src", "src/bookshelf"],
        "bookshelf.main:app",
        "",
        "src",
        False,
        "fixture_only_src_starlette",
    ),
    "prefixed_template": (
        ["", "app"],
        "app.application:get_app",
        "",
        "",
        True,
        "fixture_only_prefixed",
    ),
    "factory_server": (
        ["", "app", "app/routes"],
        "app.server:create_app",
        "",
        "",
        True,
        "fixture_only_factory",
    ),
    "relative_pkg": (
        ["", "app", "app/routers"],
        "app.main:app",
        "",
        "",
        False,
        "fixture_only_relative",
    ),
}

# Imports the app the way the server will: cwd = workdir, import_dir first on sys.path.
_IMPORT = """\
import importlib, json, sys
sys.path.insert(0, sys.argv[1])
obj = getattr(importlib.import_module(sys.argv[2]), sys.argv[3])
app = obj() if sys.argv[4] == "1" else obj
print(json.dumps(sorted(getattr(r, "path", "") for r in app.routes)))
"""


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_every_folder_opens_the_same_project(tmp_path: Path, name: str) -> None:
    folders, import_string, workdir, app_dir, factory, _ = LAYOUTS[name]
    root = copy_project(name, tmp_path)
    seen = set()
    for folder in folders:
        project = open_project(root / folder)
        assert project.app is not None, (folder, project.app_error)
        seen.add(
            (
                project.app.import_string,
                project.root,
                project.app.app_dir,
                project.app.factory,
                project.profiles,
                project.workspace,
            )
        )
    assert len(seen) == 1, seen
    (found, workdir_seen, app_dir_seen, factory_seen, _profiles, _ws) = seen.pop()
    assert (found, workdir_seen, app_dir_seen, factory_seen) == (
        import_string,
        (root / workdir).resolve(),
        app_dir,
        factory,
    )


def _import_routes(project: Project, python: Path, env: dict[str, str]) -> list[str]:
    assert project.app is not None and project.app.import_dir is not None
    target = project.app
    argv = [str(python), "-c", _IMPORT, str(target.import_dir), target.module, target.attr]
    argv.append("1" if target.factory else "0")
    done = subprocess.run(
        argv,
        cwd=project.root,
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    routes: list[str] = json.loads(done.stdout)
    return routes


def test_monorepo_from_backend_uses_the_root_env_and_imports(tmp_path: Path) -> None:
    root = copy_project("monorepo", tmp_path)
    python = make_venv(root / ".venv", only_here=["fixture_only_monorepo"])
    project = open_project(root / "backend", python=str(python))
    assert project.workspace == root.resolve()
    assert project.root == (root / "backend").resolve()
    assert project.profiles == ("production",)
    profile = load_profile(project.root, "production")
    assert [layer.path for layer in profile.layers] == [root / ".env", root / ".env.production"]
    assert profile.layers[0].reason == "Settings.model_config env_file in app/core/config.py:5"
    assert profile.environ()["SECRET_KEY"] == "prod-secret-0123456789"
    routes = _import_routes(project, python, profile.environ())
    assert "/api/v1/openapi.json" in routes  # the app imported with its settings
    # the target lists every launch that names it: the Dockerfile and the compose file
    from_root = open_project(root, python=str(python))
    assert from_root.app is not None
    assert any("Dockerfile" in f for f in from_root.app.found)
    assert any("docker-compose.yml" in f for f in from_root.app.found)


def test_src_starlette_keeps_inline_comments_like_starlette(tmp_path: Path) -> None:
    from starlette.config import Config

    root = copy_project("src_starlette", tmp_path)
    sources = env_sources(root)
    assert (sources.loader, sources.dialect) == ("starlette", "plain")
    assert sources.layers[0].reason == "Config(...) in src/bookshelf/config.py:3"
    profile = load_profile(root, "default")
    starlette_values = Config(root / ".env").file_values
    assert profile.environ() == starlette_values
    assert profile.environ()["REDIS_PORT"] == "6379 # default"
    python = make_venv(tmp_path / "venv", only_here=["fixture_only_src_starlette"])
    project = open_project(root / "src", python=str(python))
    env = {**profile.environ(), "REDIS_PORT": "6379"}  # the int cast needs a clean value
    assert "/books" in _import_routes(project, python, env)


def test_prefixed_template_layers_the_template_and_venv_one_folder_up(tmp_path: Path) -> None:
    root = copy_project("prefixed_template", tmp_path)
    python = make_venv(tmp_path / ".venv", only_here=["fixture_only_prefixed"])
    project = open_project(root / "app", python=str(python))
    assert list_profiles(project.root) == ["default"]
    profile = load_profile(project.root, "default")
    assert [p.name for p in profile.files] == [".env.template", ".env"]
    assert profile.environ()["APP_CONFIG__DB__HOST"] == "localhost"
    assert profile.environ()["APP_CONFIG__SECRET"] == "local-secret"
    settings = profile.sources.settings[0] if profile.sources else None
    assert settings is not None
    assert (settings.env_prefix, settings.env_nested_delimiter, settings.extra) == (
        "APP_CONFIG__",
        "__",
        "forbid",
    )
    assert "/health" in _import_routes(project, python, profile.environ())


@pytest.mark.parametrize("name", ["factory_server", "relative_pkg"])
def test_package_apps_import_under_their_own_venv(tmp_path: Path, name: str) -> None:
    folders, *_rest, only_here = LAYOUTS[name]
    root = copy_project(name, tmp_path)
    python = make_venv(tmp_path / "venv", only_here=[only_here])
    project = open_project(root / folders[-1], python=str(python))
    routes = _import_routes(project, python, {})
    assert routes, routes
    assert project.profiles == ()  # no env file: no profile, and that is not an error
