"""Env files where the project reads them: its loader, its files, its value rules."""

from __future__ import annotations

from pathlib import Path

from dotenv import dotenv_values
from starlette.config import Config

from asgideck.runtime.profiles import (
    env_sources,
    example_file,
    list_profiles,
    load_profile,
    profile_layers,
    read_plain_env_file,
)
from support.files import write_files

TRICKY = "\n".join(
    [
        "PLAIN=value",
        "COMMENTED=6379 # default",
        'QUOTED="a b"  ',
        "SINGLE='x # y'",
        "  SPACED  =  padded  ",
        "EMPTY=",
        "# a comment",
        "EQUALS=a=b=c",
        'MISMATCH="left',
        "export EXPORTED=1",
        "NOEQUALS",
        "",
    ]
)


def test_plain_reader_gives_exactly_what_starlette_gives(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(TRICKY, encoding="utf-8")
    ours = {e.key: e.value for e in read_plain_env_file(path).entries}
    assert ours == Config(path).file_values
    assert ours["COMMENTED"] == "6379 # default"
    assert dotenv_values(path)["COMMENTED"] == "6379"  # the loaders really differ
    problems = read_plain_env_file(path).problems
    assert [(p.line, p.text) for p in problems] == [(11, "NOEQUALS")]


def test_settings_env_file_tuple_with_template_and_parent_folder(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".env": "SHARED=root\n",
            "svc/.env.template": "APP_X=template\nAPP_Y=template\n",
            "svc/.env": "APP_Y=local\n",
            "svc/.env.example": "APP_X=\n",
            "svc/conf.py": """\
                from pydantic_settings import BaseSettings, SettingsConfigDict

                class Base(BaseSettings):
                    model_config = SettingsConfigDict(
                        env_file=["../.env", ".env.template", ".env"], env_prefix="APP_"
                    )

                class Settings(Base):
                    x: str
            """,
        },
    )
    root = tmp_path / "svc"
    sources = env_sources(root)
    assert sources.loader == "pydantic-settings"
    assert [layer.path for layer in sources.layers] == [
        tmp_path / ".env",
        root / ".env.template",
        root / ".env",
    ]
    assert sources.layers[1].reason == "Base.model_config env_file[1] in conf.py:4"
    assert {s.name: s.env_prefix for s in sources.settings} == {"Base": "APP_", "Settings": "APP_"}
    profile = load_profile(root, "default")
    assert profile.environ() == {"SHARED": "root", "APP_X": "template", "APP_Y": "local"}
    assert example_file(root) == root / ".env.example"  # a template that is not loaded


def test_path_expressions_and_pydantic_v1_config(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "config/.env.prod": "A=1\n",
            "app/__init__.py": "",
            "app/settings.py": """\
                import os
                from pathlib import Path
                from pydantic import BaseSettings

                BASE_DIR = Path(__file__).resolve().parents[1]

                class Settings(BaseSettings):
                    class Config:
                        env_file = os.path.join(BASE_DIR, "config", ".env.prod")
                        case_sensitive = True
            """,
        },
    )
    sources = env_sources(tmp_path)
    assert [layer.path for layer in sources.layers] == [tmp_path / "config/.env.prod"]
    assert sources.layers[0].reason == "Settings.Config env_file in app/settings.py:9"
    assert sources.settings[0].case_sensitive is True
    assert list_profiles(tmp_path) == ["default"]


def test_name_dot_env_files_are_profiles(tmp_path: Path) -> None:
    write_files(tmp_path, {".env": "A=base\n", "prod.env": "A=prod\n", ".env.dev": "A=dev\n"})
    assert list_profiles(tmp_path) == ["dev", "prod"]
    assert load_profile(tmp_path, "prod").environ() == {"A": "prod"}
    assert [layer.reason for layer in profile_layers(tmp_path, "prod")][1] == (
        "profile 'prod': layered over .env"
    )


def test_load_dotenv_first_call_wins_unless_override(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".env": "A=env\nB=env\n",
            ".env.local": "A=local\n",
            "main.py": """\
                from dotenv import load_dotenv

                load_dotenv(".env.local")
                load_dotenv(".env")
            """,
        },
    )
    sources = env_sources(tmp_path)
    assert sources.loader == "python-dotenv"
    assert [layer.path.name for layer in sources.layers] == [".env", ".env.local"]
    assert load_profile(tmp_path, "default").environ() == {"A": "local", "B": "env"}


def test_decouple_config_reads_the_nearest_env_as_plain_text(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            ".env": "PORT=80 # web\n",
            "proj/__init__.py": "",
            "proj/settings.py": "from decouple import config\n\nPORT = config('PORT')\n",
        },
    )
    sources = env_sources(tmp_path)
    assert (sources.loader, sources.dialect) == ("python-decouple", "plain")
    assert load_profile(tmp_path, "default").environ() == {"PORT": "80 # web"}


def test_os_getenv_only_keeps_the_default_rule(tmp_path: Path) -> None:
    write_files(tmp_path, {".env": "A=1\n", "main.py": "import os\n\nA = os.getenv('A')\n"})
    sources = env_sources(tmp_path)
    assert sources.loader == "os.environ"
    assert sources.layers[0].reason.startswith("asgideck's default: .env")
    assert list_profiles(tmp_path) == ["default"]


def test_cli_profiles_names_the_loader_and_why_each_file_is_layered(tmp_path: Path) -> None:
    from support.cli import run_cli
    from support.projects import copy_project

    root = copy_project("monorepo", tmp_path)
    code, out = run_cli("profiles", str(root / "backend" / "app"))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].endswith(
        "backend: env files read by pydantic-settings (Settings in app/core/config.py:5); "
        "values as python-dotenv reads them"
    )
    assert lines[1] == "production: ../.env + ../.env.production"
    assert "Settings.model_config env_file in app/core/config.py:5" in lines[2]
    assert "profile 'production': layered over ../.env" in lines[3]
