"""App discovery by AST: fastapi-cli's places, its preferences, factories and clear failures."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.project import AppNotFound, ProjectError, find_app, module_for, open_project
from support.files import write_files


def test_main_py_with_fastapi_instance(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": "from fastapi import FastAPI\n\napp = FastAPI(title='x')\n"})
    target = find_app(tmp_path)
    assert (target.import_string, target.factory, target.line) == ("main:app", False, 3)
    assert target.file == tmp_path / "main.py"
    assert target.reason == "found `app = FastAPI(...)` in main.py:3"


def test_candidate_order_follows_fastapi_cli(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "api.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "app.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        },
    )
    assert find_app(tmp_path).import_string == "app:app"


def test_a_candidate_without_an_app_is_skipped(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": "print('a cli script')\n",
            "app/__init__.py": "",
            "app/main.py": "import fastapi\n\napplication = fastapi.FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert target.import_string == "app.main:application"
    assert target.reason == "found `application = fastapi.FastAPI()` in app/main.py:3"


def test_prefers_app_then_api_over_other_names(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": """\
                from fastapi import FastAPI as F
                admin = F()
                api = F()
            """
        },
    )
    assert find_app(tmp_path).attr == "api"
    write_files(
        tmp_path,
        {"main.py": "from fastapi import FastAPI as F\nadmin = F()\napi = F()\napp = F()\n"},
    )
    assert find_app(tmp_path).attr == "app"


def test_starlette_app_and_annotated_assignment(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app.py": """\
                from starlette.applications import Starlette
                app: Starlette = Starlette(routes=[])
            """
        },
    )
    assert find_app(tmp_path).import_string == "app:app"


def test_instance_built_by_a_local_factory(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/main.py": """\
                from fastapi import FastAPI

                def create_app() -> FastAPI:
                    return FastAPI()

                app = create_app()
            """,
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.factory, target.line) == ("app.main:app", False, 6)
    assert target.reason == "found `app = create_app()` in app/main.py:6"


def test_instance_built_by_an_imported_factory(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/factory.py": """\
                import fastapi

                def build():
                    application = fastapi.FastAPI()
                    return application
            """,
            "app/main.py": "from .factory import build\n\nserver = build()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.factory) == ("app.main:server", False)


def test_factory_without_instance(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": """\
                from fastapi import FastAPI

                def helper(x):
                    return FastAPI()

                def create_app() -> "FastAPI":
                    return FastAPI()
            """
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.factory, target.line) == ("main:create_app", True, 6)
    assert target.reason == "found factory `def create_app()` in main.py:6"


def test_factory_returning_a_starlette_subclass(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": """\
                from starlette.applications import Starlette

                class MyApp(Starlette):
                    pass

                def make():
                    return MyApp()
            """
        },
    )
    target = find_app(tmp_path)
    assert (target.attr, target.factory) == ("make", True)


def test_unverified_app_is_a_last_resort_and_says_so(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"main.py": "from somewhere import get_application\napp = get_application()\n"}
    )
    target = find_app(tmp_path)
    assert target.import_string == "main:app"
    assert "not verified" in target.reason


def test_app_inside_if_block_is_module_level(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"main.py": "import fastapi\nif True:\n    app = fastapi.applications.FastAPI()\n"},
    )
    assert find_app(tmp_path).line == 3


def test_pyproject_entrypoint_wins(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.fastapi]\nentrypoint = "backend.server:make_app"\n',
            "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "backend/__init__.py": "",
            "backend/server.py": "from fastapi import FastAPI\n\n\ndef make_app():\n    return 1\n",
        },
    )
    target = find_app(tmp_path)
    assert target.import_string == "backend.server:make_app"
    assert target.factory is True  # a function named as the entrypoint is called
    assert (target.file, target.line) == (tmp_path / "backend/server.py", 4)
    assert target.reason == "[tool.fastapi] entrypoint in pyproject.toml"


def test_pyproject_entrypoint_in_src_layout(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": '[tool.fastapi]\nentrypoint = "shop.main:app"\n',
            "src/shop/__init__.py": "",
            "src/shop/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.app_dir, target.factory) == ("shop.main:app", "src", False)


def test_bad_entrypoint_is_a_clear_error(tmp_path: Path) -> None:
    write_files(tmp_path, {"pyproject.toml": '[tool.fastapi]\nentrypoint = "main.app"\n'})
    with pytest.raises(ProjectError, match=r"expected MODULE:ATTR .*'main\.app'"):
        find_app(tmp_path)


def test_src_layout_package_discovery(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "src/inventory/__init__.py": "",
            "src/inventory/api.py": "from fastapi import FastAPI\napi = FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.app_dir) == ("inventory.api:api", "src")


def test_folder_without_init_importing_siblings_uses_app_dir(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/routers.py": "x = 1\n",
            "app/main.py": "from fastapi import FastAPI\nimport routers\napp = FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.app_dir) == ("main:app", "app")


def test_folder_without_init_importing_itself_as_package(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/routers.py": "x = 1\n",
            "app/main.py": "import fastapi\nfrom app import routers\napp = fastapi.FastAPI()\n",
        },
    )
    target = find_app(tmp_path)
    assert (target.import_string, target.app_dir) == ("app.main:app", "")


def test_module_names(tmp_path: Path) -> None:
    write_files(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/mod.py": ""})
    assert module_for(tmp_path, tmp_path / "pkg/sub/mod.py") == ("pkg.sub.mod", "")
    assert module_for(tmp_path, tmp_path / "pkg/sub/__init__.py") == ("pkg.sub", "")
    write_files(tmp_path, {"my-scripts/run.py": "from fastapi import FastAPI\n"})
    assert module_for(tmp_path, tmp_path / "my-scripts/run.py") is None


def test_nothing_found_lists_every_place_looked_at(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "pyproject.toml": "[project]\nname = 'x'\n",
            "main.py": "print('hello')\n",
            "app.py": "def broken(:\n",
        },
    )
    with pytest.raises(AppNotFound) as caught:
        find_app(tmp_path)
    message = str(caught.value)
    assert str(tmp_path) in message
    assert "pyproject.toml: no [tool.fastapi] entrypoint" in message
    assert "main.py: no module-level FastAPI/Starlette app or app factory" in message
    assert "app.py:1: syntax error" in message
    for rel in ("api.py", "app/main.py", "app/app.py", "app/api.py", "src/main.py"):
        assert f"{rel}: not present" in message
    assert "--app" in message


def test_discovery_never_imports_the_code(tmp_path: Path) -> None:
    marker = tmp_path / "imported"
    write_files(
        tmp_path,
        {
            "main.py": f"""\
                import pathlib
                pathlib.Path({str(marker)!r}).write_text("yes")
                from fastapi import FastAPI
                app = FastAPI()
            """
        },
    )
    assert find_app(tmp_path).attr == "app"
    assert not marker.exists()


def test_open_project_reports_missing_app_without_raising(tmp_path: Path) -> None:
    project = open_project(tmp_path)
    assert project.app is None
    assert project.app_error is not None and "main.py: not present" in project.app_error


def test_explicit_app_overrides_discovery(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
            "other.py": "from fastapi import FastAPI\n\ndef factory():\n    return FastAPI()\n",
        },
    )
    project = open_project(tmp_path, app="other:factory")
    assert project.app is not None
    assert (project.app.import_string, project.app.factory, project.app.line) == (
        "other:factory",
        True,
        3,
    )
    assert project.app.reason == "--app given"
    forced = open_project(tmp_path, factory=True)
    assert forced.app is not None and forced.app.factory is True
    with pytest.raises(ProjectError, match="MODULE:ATTR"):
        open_project(tmp_path, app="other")


def test_open_project_on_sample_app(sample_app: Path) -> None:
    project = open_project(sample_app)
    assert project.app is not None
    assert project.app.import_string == "app.main:app"
    # gunicorn.conf.py's wsgi_app says how sample_app is launched: that is the reason.
    assert project.app.reason == "sample_app/gunicorn.conf.py:5: wsgi_app = 'app.main:app'"
    assert (project.app.workdir, project.root, project.app.app_dir) == (sample_app, sample_app, "")
    assert project.app_error is None
    assert set(project.profiles) >= {"development", "production"}
    names = [p.name for p in project.env_files]
    assert names[0] == ".env" and ".env.example" in names and ".env.production" in names
