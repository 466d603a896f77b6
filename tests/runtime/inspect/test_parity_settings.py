"""``check``'s verdict equals constructing the settings the project's own way, both ways
round: no false error, no false ok.

Each fixture project is written to tmp; the reference verdict comes from running the
project's own construction (``Settings()`` / importing the config module) in a
subprocess with the working directory and environment a server started by ``run``
gets for that profile — not from asgideck's probe.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pytest

from asgideck.runtime.cli import main as cli_main
from asgideck.runtime.inspect import SettingsReport, validate_settings, working_dir
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from support.files import write_files
from support.parity import own_verdict

PREFIXED = """\
from pydantic import BaseModel
from pydantic_settings import BaseSettings, SettingsConfigDict


class Database(BaseModel):
    host: str
    port: int


class AppConfig(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APP_CONFIG__",
        env_nested_delimiter="__",
        env_file=(".env.template", ".env"),
        extra="ignore",
    )
    database: Database
    workers: int
    secret_key: str


settings = AppConfig()
"""

TEMPLATE = """\
APP_CONFIG__DATABASE__HOST=localhost
APP_CONFIG__DATABASE__PORT=5432
APP_CONFIG__WORKERS=2
APP_CONFIG__SECRET_KEY=
"""


def app_importing(module: str) -> str:
    """A main module like a real project's: the app imports its configuration."""
    return f"from fastapi import FastAPI\n\nimport {module}  # noqa: F401\n\napp = FastAPI()\n"


STARLETTE = """\
from starlette.config import Config

config = Config({file!r})

DEBUG = config("DEBUG", cast=bool, default=False)
REDIS_PORT = config("REDIS_PORT", cast=int)
"""


@dataclass(frozen=True)
class Case:
    files: dict[str, str]
    profile: str
    construct: str  # the project's own construction, run with python -c
    fails: bool  # what that construction is known to do (keeps the fixture honest)


CASES = {
    # the template is a base layer the class loads itself: no false "Field required"
    "prefixed-template-ok": Case(
        {"src_app/__init__.py": "", "src_app/config.py": PREFIXED, ".env.template": TEMPLATE}
        | {"main.py": app_importing("src_app.config")}
        | {".env": "APP_CONFIG__SECRET_KEY=s3cret-value-for-tests\n"},
        "default",
        "import src_app.config",
        fails=False,
    ),
    "prefixed-profile-breaks-nested": Case(
        {"src_app/__init__.py": "", "src_app/config.py": PREFIXED, ".env.template": TEMPLATE}
        | {"main.py": app_importing("src_app.config")}
        | {".env": "APP_CONFIG__SECRET_KEY=s3cret-value-for-tests\n"}
        | {".env.production": "APP_CONFIG__DATABASE__PORT=fivefour\n"},
        "production",
        "import src_app.config",
        fails=True,
    ),
    "settings-module-fails": Case(
        {
            "config.py": """\
                import os
                from pydantic_settings import BaseSettings

                class Settings(BaseSettings):
                    name: str = "x"

                if os.environ.get("MODE") != "known":
                    raise RuntimeError("MODE must be 'known'")
                settings = Settings()
            """,
            ".env": "MODE=unknown\n",
            "main.py": app_importing("config"),
        },
        "default",
        "import config",
        fails=True,
    ),
    # a value only starlette reads, from a file no profile layers: it keeps the comment
    "starlette-inline-comment": Case(
        {
            "src/shop/__init__.py": "",
            "src/shop/main.py": app_importing("shop.config"),
            "src/shop/config.py": STARLETTE.format(file="conf/app.env"),
            "conf/app.env": "REDIS_PORT=6379 # default\n",
            ".env": "DEBUG=true\n",
        },
        "default",
        "import sys; sys.path.insert(0, 'src'); import shop.config",
        fails=True,
    ),
    # the same value in the profile's .env: the profile reads it as starlette does (the
    # comment kept), and the server gets that value as an environment variable
    "starlette-profile-value": Case(
        {
            "src/shop/__init__.py": "",
            "src/shop/main.py": app_importing("shop.config"),
            "src/shop/config.py": STARLETTE.format(file=".env"),
            ".env": "REDIS_PORT=6379 # default\n",
        },
        "default",
        "import sys; sys.path.insert(0, 'src'); import shop.config",
        fails=True,
    ),
    "starlette-bad-value": Case(
        {
            "src/shop/__init__.py": "",
            "src/shop/main.py": app_importing("shop.config"),
            "src/shop/config.py": STARLETTE.format(file=".env"),
            ".env": "DEBUG=true\n",
            ".env.production": "REDIS_PORT=sixty\n",
        },
        "production",
        "import sys; sys.path.insert(0, 'src'); import shop.config",
        fails=True,
    ),
    "os-getenv-missing": Case(
        {"app/__init__.py": "", "app/settings.py": "import os\nTOKEN = os.environ['TOKEN']\n"}
        | {"app/main.py": app_importing("app.settings")}
        | {".env": "OTHER=1\n"},
        "default",
        "import app.settings",
        fails=True,
    ),
    "os-getenv-present": Case(
        {"app/__init__.py": "", "app/settings.py": "import os\nTOKEN = os.environ['TOKEN']\n"}
        | {"app/main.py": app_importing("app.settings")}
        | {".env": "TOKEN=abc\n"},
        "default",
        "import app.settings",
        fails=False,
    ),
}


def _check(root: Path, profile: str) -> SettingsReport:
    return validate_settings(open_project(root), load_profile(root, profile))


@pytest.mark.parametrize("name", list(CASES))
def test_check_says_what_constructing_the_settings_says(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    root = write_files(tmp_path / name, case.files)
    fails, output = own_verdict(open_project(root), case.profile, case.construct)
    assert fails == case.fails, output
    report = _check(root, case.profile)
    assert report.error is None, report.error
    assert (not report.ok) == fails, (report.issues, output)


def test_a_template_layer_is_no_false_field_required(tmp_path: Path) -> None:
    root = write_files(tmp_path, CASES["prefixed-template-ok"].files)
    report = _check(root, "default")
    assert report.ok, report.issues
    assert report.values["src_app.config.AppConfig"]["database"] == {
        "host": "localhost",
        "port": 5432,
    }
    assert report.working_dir == working_dir(open_project(root)) == root.resolve()


def test_a_nested_error_names_the_prefixed_variable_and_its_line(tmp_path: Path) -> None:
    root = write_files(tmp_path, CASES["prefixed-profile-breaks-nested"].files)
    [issue] = _check(root, "production").issues
    assert (issue.field, issue.env_var, issue.kind) == (
        "database.port",
        "APP_CONFIG__DATABASE__PORT",
        "int_parsing",
    )
    assert issue.source == ".env.production:1"
    assert issue.message.endswith("(APP_CONFIG__DATABASE__PORT from .env.production:1)")


def test_a_bad_value_in_the_template_layer_names_the_template(tmp_path: Path) -> None:
    files = dict(CASES["prefixed-template-ok"].files)
    files[".env.template"] = TEMPLATE.replace("WORKERS=2", "WORKERS=many")
    root = write_files(tmp_path, files)
    [issue] = _check(root, "default").issues
    assert (issue.env_var, issue.kind, issue.input) == (
        "APP_CONFIG__WORKERS",
        "int_parsing",
        "many",
    )
    assert issue.source == ".env.template:3"


def test_a_missing_secret_names_every_file_looked_in(tmp_path: Path) -> None:
    files = dict(CASES["prefixed-template-ok"].files)
    files[".env"] = "UNRELATED=1\n"
    files[".env.template"] = TEMPLATE.replace("APP_CONFIG__SECRET_KEY=\n", "")
    root = write_files(tmp_path, files)
    [issue] = _check(root, "default").issues
    assert (issue.env_var, issue.kind, issue.source) == ("APP_CONFIG__SECRET_KEY", "missing", "")
    head, _, looked = issue.message.partition(" is set in none of: ")
    assert head == "Field required (APP_CONFIG__SECRET_KEY"
    assert sorted(looked.rstrip(")").split(", ")) == [".env", ".env.template"]


def test_starlette_config_failure_is_the_problem_with_variable_and_line(tmp_path: Path) -> None:
    root = write_files(tmp_path, CASES["starlette-inline-comment"].files)
    report = _check(root, "default")
    assert [m.module for m in report.config_modules] == ["shop.config"]
    assert report.config_modules[0].loader == "starlette Config"
    [issue] = report.issues
    assert issue.kind == "import-error" and issue.env_var == "REDIS_PORT"
    assert "ValueError: Config 'REDIS_PORT' has value '6379 # default'. Not a valid int." in (
        issue.message
    )
    assert "src/shop/config.py:6" in issue.message
    assert issue.source == "conf/app.env:1"


def test_starlette_config_never_echoes_a_secret(tmp_path: Path) -> None:
    config = STARLETTE.format(file=".env").replace(
        'REDIS_PORT = config("REDIS_PORT", cast=int)', 'SECRET_KEY = config("SECRET_KEY", cast=int)'
    )
    root = write_files(
        tmp_path,
        {"shop/__init__.py": "", "shop/config.py": config, ".env": "SECRET_KEY=hunter2-value\n"}
        | {"main.py": app_importing("shop.config")},
    )
    [issue] = _check(root, "default").issues
    assert issue.env_var == "SECRET_KEY" and issue.source == ".env:1"
    assert "hunter2" not in issue.message and "hunter2" not in issue.detail
    assert "****" in issue.message


def test_check_command_says_so_instead_of_everything_validates(tmp_path: Path) -> None:
    root = write_files(tmp_path, CASES["starlette-inline-comment"].files)
    buffer = io.StringIO()
    code = cli_main(["check", str(root), "--profile", "default"], buffer)
    out = buffer.getvalue()
    assert code == 1, out
    assert "REDIS_PORT" in out and "Not a valid int" in out
    assert "ok: the settings construct" not in out
    assert "shop.config (starlette Config)" in out
