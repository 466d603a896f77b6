"""Each distinct settings problem is reported once, naming every class that has it."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.inspect import find_config_modules, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from support.files import write_files

# A base with two required fields and three environment subclasses: 2 problems, not 8.
FAMILY = """\
from pydantic_settings import BaseSettings, SettingsConfigDict


class Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SVC_")
    database_url: str
    port: int = 8000


class Development(Base):
    debug: bool = True


class Production(Base):
    debug: bool = False


class Testing(Base):
    pass
"""


def test_a_base_and_its_subclasses_share_one_issue_per_problem(tmp_path: Path) -> None:
    write_files(tmp_path, {"config.py": FAMILY, ".env": "SVC_PORT=http\n"})
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    assert report.error is None
    labels = ("config.Base", "config.Development", "config.Production", "config.Testing")
    assert [(i.env_var, i.kind, i.classes) for i in report.issues] == [
        ("SVC_DATABASE_URL", "missing", labels),
        ("SVC_PORT", "int_parsing", labels),
    ]
    port = report.issues[1]
    assert port.settings_class == "config.Base" and port.source == ".env:1"
    assert port.message.endswith("(SVC_PORT from .env:1)")


def test_a_subclass_that_differs_keeps_its_own_issue(tmp_path: Path) -> None:
    source = FAMILY.replace("class Testing(Base):\n    pass", "class Testing(Base):\n    port: str")
    write_files(tmp_path, {"config.py": source, ".env": "SVC_PORT=http\nSVC_DATABASE_URL=x\n"})
    report = validate_settings(open_project(tmp_path), load_profile(tmp_path, "default"))
    [issue] = report.issues  # Testing reads SVC_PORT as a string: fine there
    assert issue.classes == ("config.Base", "config.Development", "config.Production")
    assert "config.Testing" in report.values


def test_config_modules_are_found_by_loader(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "a/__init__.py": "",
            "a/config.py": "from starlette.config import Config\nconfig = Config('.env')\n",
            "b/__init__.py": "",
            "b/settings.py": "from decouple import config\nX = config('X')\n",
            "c/__init__.py": "",
            "c/settings.py": "import os\nY = os.getenv('Y')\n",
            "scripts/__init__.py": "",
            "scripts/seed.py": "import os\nY = os.environ['Y']\n",  # not a config module
            "d/__init__.py": "",
            "d/config.py": "import os\n\ndef later():\n    return os.environ['Z']\n",
        },
    )
    found = {(m.module, m.loader, m.line, m.env_files) for m in find_config_modules(tmp_path)}
    assert found == {
        ("a.config", "starlette Config", 2, (".env",)),
        ("b.settings", "python-decouple", 2, ()),
        ("c.settings", "os.getenv", 2, ()),
    }
