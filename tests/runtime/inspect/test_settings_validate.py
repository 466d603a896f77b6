"""Finding a project's settings classes by AST and validating a profile against them."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

from asgideck.runtime.inspect import SettingsClass, find_settings_classes, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Interpreter, open_project
from support.files import write_files

BASE = "from pydantic_settings import BaseSettings\n"


def labels(classes: list[SettingsClass]) -> list[str]:
    return [c.label for c in classes]


def test_finds_direct_aliased_and_module_qualified_subclasses(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/a.py": BASE + "class A(BaseSettings):\n  x: int\n",
            "app/b.py": "from pydantic_settings import BaseSettings as BS\n\n\nclass B(BS): pass\n",
            "app/c.py": "import pydantic_settings\nclass C(pydantic_settings.BaseSettings): pass\n",
            "app/d.py": "from pydantic import BaseModel\nclass NotSettings(BaseModel): pass\n",
        },
    )
    found = find_settings_classes(tmp_path)
    assert labels(found) == ["app.a.A", "app.b.B", "app.c.C"]
    assert (found[1].file, found[1].line) == (tmp_path / "app/b.py", 4)


def test_finds_subclasses_across_modules_and_reexports(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "core/__init__.py": "from .config import Base\n",
            "core/config.py": BASE + "class Base(BaseSettings): pass\n",
            "core/prod.py": "from core import Base\nclass Production(Base): pass\n",
            "core/dev.py": "from . import config\nclass Development(config.Base): pass\n",
            "core/local.py": "from .dev import Development\nclass Local(Development): pass\n",
        },
    )
    assert labels(find_settings_classes(tmp_path)) == [
        "core.config.Base",
        "core.dev.Development",
        "core.local.Local",
        "core.prod.Production",
    ]


def test_pydantic_v1_settings_are_found(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "old.py": "from pydantic import BaseSettings\nclass Old(BaseSettings): pass\n",
            "compat.py": "from pydantic.v1 import BaseSettings\nclass Compat(BaseSettings): pass\n",
        },
    )
    assert labels(find_settings_classes(tmp_path)) == ["compat.Compat", "old.Old"]


def test_skips_venvs_tests_hidden_and_broken_files(tmp_path: Path) -> None:
    settings = BASE + "class S(BaseSettings): pass\n"
    write_files(
        tmp_path,
        {
            ".venv/lib/site.py": settings,
            "myenv/pyvenv.cfg": "home = /usr\n",
            "myenv/lib/x.py": settings,
            "node_modules/y.py": settings,
            "tests/test_config.py": settings,
            "test_here.py": settings,
            ".hidden/z.py": settings,
            "broken.py": "class (:\n",
            "good.py": settings,
        },
    )
    assert labels(find_settings_classes(tmp_path)) == ["good.S"]


def test_src_layout_module_names(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "src/shop/__init__.py": "",
            "src/shop/config.py": BASE + "class S(BaseSettings): pass\n",
        },
    )
    [found] = find_settings_classes(tmp_path)
    assert (found.module, found.app_dir) == ("shop.config", "src")


CONFIG = textwrap.dedent(
    """\
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_file=".env")
        secret_key: str
        port: int = 8000
        debug: bool = False
    """
)


def test_validate_reports_fields_and_env_vars(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "app/__init__.py": "",
            "app/config.py": CONFIG,
            ".env": "DEBUG=true\n",
            ".env.production": "PORT=eighty\n",
        },
    )
    project = open_project(tmp_path)
    report = validate_settings(project, load_profile(tmp_path, "production"))
    assert report.profile == "production"
    assert report.error is None and not report.ok
    assert report.python == ".".join(map(str, sys.version_info[:3]))
    issues = {(i.field, i.env_var, i.kind) for i in report.issues}
    assert issues == {("secret_key", "SECRET_KEY", "missing"), ("port", "PORT", "int_parsing")}
    assert all(i.settings_class == "app.config.Settings" for i in report.issues)
    port = next(i for i in report.issues if i.field == "port")
    assert port.input == "eighty" and "integer" in port.message
    assert report.values == {}
    assert report.env_vars == {
        "app.config.Settings": {"secret_key": "SECRET_KEY", "port": "PORT", "debug": "DEBUG"}
    }


def test_validate_ok_gives_masked_values_and_secret_facts(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config.py": CONFIG,
            ".env": "DEBUG=true\nSECRET_KEY=change-me\n",
        },
    )
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    assert report.ok
    assert report.values == {"config.Settings": {"secret_key": "****", "port": 8000, "debug": True}}
    fact = report.secret_facts["config.Settings"]["secret_key"]
    assert (fact.length, fact.placeholder) == (9, True)


def test_no_settings_classes_is_ok(tmp_path: Path) -> None:
    write_files(tmp_path, {".env": "A=1\n", "main.py": "print(1)\n"})
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    assert report.ok and report.classes == () and report.values == {}


def test_import_failure_becomes_an_issue_with_traceback(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".env": "SECRET_KEY=x\n",
            "config.py": CONFIG + "import not_installed_anywhere\n",
        },
    )
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    [issue] = report.issues  # the class itself accepts the profile: only the import failed
    assert issue.kind == "import-error"
    assert "ModuleNotFoundError" in issue.message and "not_installed_anywhere" in issue.message
    assert "Traceback" in issue.detail


def test_an_unrunnable_interpreter_is_a_report_error(tmp_path: Path) -> None:
    write_files(tmp_path, {".env": "A=1\n", "config.py": CONFIG})
    project = open_project(tmp_path)
    broken = tmp_path / "python"
    project = type(project)(**{**project.__dict__, "interpreter": Interpreter(broken, "test")})
    report = validate_settings(project, load_profile(tmp_path, "default"))
    assert not report.ok
    assert report.error is not None and str(broken) in report.error


def test_pydantic_v1_class_is_validated(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".env": "PORT=x\n",
            "old.py": """\
                import warnings
                warnings.simplefilter("ignore")
                from pydantic.v1 import BaseSettings

                class Old(BaseSettings):
                    token: str
                    port: int = 1

                    class Config:
                        env_prefix = "APP_"
            """,
        },
    )
    (tmp_path / ".env").write_text("APP_PORT=x\n")
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    assert {(i.field, i.env_var) for i in report.issues} == {
        ("token", "APP_TOKEN"),
        ("port", "APP_PORT"),
    }


def test_an_unparsable_settings_module_is_reported_not_ignored(tmp_path: Path) -> None:
    write_files(tmp_path, {".env": "A=1\n", "app/config.py": CONFIG + "    oops = (\n"})
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    [issue] = report.issues
    assert issue.kind == "syntax-error"
    assert issue.message.startswith("app/config.py:8: cannot parse this file")


def test_an_import_failure_never_echoes_a_secret_or_url_password(tmp_path: Path) -> None:
    """A settings module that dies before its class exists, quoting the environment."""
    write_files(
        tmp_path,
        {
            ".env": "DATABASE_URL=postgresql://app:hunter2-db@db.local/app\n"
            "API_TOKEN=tok-123456789\n",
            "config.py": "import os\n"
            "raise RuntimeError('cannot reach ' + os.environ['DATABASE_URL']"
            " + ' with ' + os.environ['API_TOKEN'])\n" + CONFIG,
        },
    )
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    assert not report.ok
    shown = " ".join(f"{issue.message} {issue.detail}" for issue in report.issues)
    assert "cannot reach postgresql://app:****@db.local/app" in shown
    assert "hunter2-db" not in shown and "tok-123456789" not in shown
