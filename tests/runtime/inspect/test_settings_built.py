"""``check`` judges the settings classes the app really builds when it starts.

A project that picks its class at import (``get_settings()`` choosing ``DevSettings``
or ``ProdSettings`` from ``APP_ENV``) must not be told what the class it never builds
would reject; a project that builds its settings lazily (in a dependency) has every
class checked, as before. The reference verdict is the project's own: importing the
app in a subprocess where a server for that profile would run.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

from asgideck.runtime.cli import EXIT_ERRORS
from asgideck.runtime.cli import main as cli_main
from asgideck.runtime.inspect import SettingsReport, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from support.files import write_files
from support.parity import own_verdict

CONFIG = """\
import os
{cache_import}
from pydantic_settings import BaseSettings


class CommonSettings(BaseSettings):
    app_name: str = "shop"
    debug: bool = False


class DevSettings(CommonSettings):
    debug: bool = True


class ProdSettings(CommonSettings):
    SECRET_KEY: str

{decorator}
def get_settings() -> CommonSettings:
    if os.environ.get("APP_ENV", "dev") == "prod":
        return ProdSettings()
    return DevSettings()
"""

EAGER_MAIN = """\
from fastapi import FastAPI

from app.config import get_settings

settings = get_settings()
app = FastAPI(title=settings.app_name)
"""

LAZY_MAIN = """\
from fastapi import Depends, FastAPI

from app.config import CommonSettings, get_settings

app = FastAPI()


@app.get("/name")
def name(settings: CommonSettings = Depends(get_settings)) -> str:
    return settings.app_name
"""

ENVS = {".env": "APP_ENV=dev\n", ".env.production": "APP_ENV=prod\n"}


def _eager(root: Path) -> Path:
    config = CONFIG.format(cache_import="", decorator="")
    return write_files(
        root, {"app/__init__.py": "", "app/config.py": config, "app/main.py": EAGER_MAIN, **ENVS}
    )


def _lazy(root: Path) -> Path:
    config = CONFIG.format(cache_import="from functools import lru_cache", decorator="@lru_cache")
    return write_files(
        root, {"app/__init__.py": "", "app/config.py": config, "app/main.py": LAZY_MAIN, **ENVS}
    )


def _check(root: Path, profile: str) -> SettingsReport:
    return validate_settings(open_project(root), load_profile(root, profile))


def test_the_class_the_app_does_not_build_is_no_error(tmp_path: Path) -> None:
    root = _eager(tmp_path / "eager")
    fails, output = own_verdict(open_project(root), "default", "import app.main")
    assert not fails, output
    report = _check(root, "default")
    assert report.error is None, report.error
    assert report.ok, report.issues
    assert set(report.unused) == {"app.config.CommonSettings", "app.config.ProdSettings"}
    assert report.values["app.config.DevSettings"]["debug"] is True
    assert "app.config.ProdSettings" not in report.values


def test_the_class_the_app_builds_says_what_starting_says(tmp_path: Path) -> None:
    root = _eager(tmp_path / "eager")
    fails, output = own_verdict(open_project(root), "production", "import app.main")
    assert fails, output
    assert "SECRET_KEY" in output and "Field required" in output
    report = _check(root, "production")
    assert report.error is None, report.error
    assert [(i.settings_class, i.field, i.env_var, i.kind) for i in report.issues] == [
        ("app.config.ProdSettings", "SECRET_KEY", "SECRET_KEY", "missing")
    ]
    assert set(report.unused) == {"app.config.CommonSettings", "app.config.DevSettings"}


def test_settings_built_lazily_are_all_checked(tmp_path: Path) -> None:
    root = _lazy(tmp_path / "lazy")
    fails, output = own_verdict(open_project(root), "default", "import app.main")
    assert not fails, output  # nothing is built at import: the app starts
    report = _check(root, "default")
    assert report.error is None, report.error
    assert report.unused == ()
    assert [(i.settings_class, i.env_var, i.kind) for i in report.issues] == [
        ("app.config.ProdSettings", "SECRET_KEY", "missing")
    ]
    assert {"app.config.CommonSettings", "app.config.DevSettings"} <= set(report.values)


def test_check_notes_the_classes_not_built(tmp_path: Path) -> None:
    root = _eager(tmp_path / "eager")
    buffer = io.StringIO()
    code = cli_main(["check", str(root), "--profile", "default", "--json"], buffer)
    data = json.loads(buffer.getvalue())
    assert data["settings"]["issues"] == [], data
    assert sorted(data["settings"]["not_built_at_start"]) == [
        "app.config.CommonSettings",
        "app.config.ProdSettings",
    ]
    assert code != EXIT_ERRORS, data  # readiness warnings may still apply
