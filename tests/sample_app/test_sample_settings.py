"""The sample app's settings and committed configuration files."""

from __future__ import annotations

import runpy
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_settings import SettingsError

from sample_app_harness import profile_environment, sample_module, use_environment
from support import SAMPLE_APP

ENV_FILES = (".env", ".env.development", ".env.production", ".env.staging", ".env.example")


def load_settings(monkeypatch: pytest.MonkeyPatch, profile: str) -> Any:
    """The sample's Settings for `profile`, read the way the app reads them."""
    use_environment(monkeypatch, profile_environment(profile))
    return sample_module("app.core.config").get_settings()


def test_development_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, "development")

    assert settings.environment == "development"
    assert settings.debug is True
    assert settings.cors_origins == ["http://localhost:3000", "http://localhost:5173"]
    assert len(settings.secret_key.get_secret_value()) >= 32
    assert settings.database_url == "sqlite:///./data/development.db"


def test_production_profile_overrides_the_base_and_keeps_its_weak_spots(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = load_settings(monkeypatch, "production")

    assert settings.environment == "production"
    assert settings.debug is False
    assert settings.cors_origins == ["https://app.example.com"]
    assert settings.cors_allow_credentials is True  # overrides false in .env
    assert settings.access_token_expire_minutes == 15  # overrides 30 in .env
    # What the readiness checklist should find: a placeholder key, SQLite, docs on.
    assert settings.secret_key.get_secret_value() == "change-me"
    assert settings.database_url.startswith("sqlite:///")
    assert settings.docs_enabled is True


def test_staging_profile_names_its_services_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, "staging")

    assert settings.environment == "staging"
    assert settings.debug is False
    assert settings.database_url.startswith("postgresql+psycopg://sample:")
    assert settings.database_url.endswith("@127.0.0.1:55432/sample")
    assert str(settings.redis_url) == "redis://127.0.0.1:56379/0"
    assert (settings.smtp_host, settings.smtp_port) == ("127.0.0.1", 51025)
    assert settings.mail_from.endswith("<no-reply@staging.example.com>")
    assert len(settings.secret_key.get_secret_value()) >= 32


def test_development_and_production_use_no_services(monkeypatch: pytest.MonkeyPatch) -> None:
    for profile in ("development", "production"):
        settings = load_settings(monkeypatch, profile)
        assert (settings.redis_url, settings.smtp_host) == (None, None), profile


def test_empty_service_variables_mean_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    empty = {"REDIS_URL": "", "SMTP_HOST": "", "SMTP_USER": "", "SMTP_PASSWORD": ""}
    use_environment(monkeypatch, profile_environment("staging") | empty)

    settings = sample_module("app.core.config").get_settings()

    assert (settings.redis_url, settings.smtp_host) == (None, None)
    assert (settings.smtp_user, settings.smtp_password) == (None, None)


def test_a_redis_url_of_another_scheme_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {"REDIS_URL": "http://127.0.0.1:6379"}
    use_environment(monkeypatch, profile_environment("staging") | bad)

    with pytest.raises(ValidationError) as raised:
        sample_module("app.core.config").get_settings()

    assert [e["loc"] for e in raised.value.errors()] == [("redis_url",)]


def test_base_env_file_values_and_interpolation(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = load_settings(monkeypatch, "development")

    assert settings.app_name == "Sample Items API"
    assert settings.app_description.startswith("Sample Items API: ")
    assert settings.jwt_algorithm == "HS256"


def test_missing_secret_key_is_a_validation_error_naming_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = profile_environment("production")
    del env["SECRET_KEY"]
    use_environment(monkeypatch, env)
    config = sample_module("app.core.config")

    with pytest.raises(ValidationError) as raised:
        config.get_settings()

    assert [(e["loc"], e["type"]) for e in raised.value.errors()] == [(("secret_key",), "missing")]
    with pytest.raises(ValidationError, match="secret_key"):
        sample_module("app.main").create_app()


def test_bad_values_are_reported_per_field(monkeypatch: pytest.MonkeyPatch) -> None:
    bad = {"DEBUG": "maybe", "ACCESS_TOKEN_EXPIRE_MINUTES": "0", "ENVIRONMENT": "prod"}
    use_environment(monkeypatch, profile_environment("development") | bad)

    with pytest.raises(ValidationError) as raised:
        sample_module("app.core.config").get_settings()

    assert {e["loc"][0] for e in raised.value.errors()} == {
        "debug",
        "access_token_expire_minutes",
        "environment",
    }


def test_a_list_that_is_not_json_fails_before_validation(monkeypatch: pytest.MonkeyPatch) -> None:
    # pydantic-settings decodes complex values itself and raises SettingsError, not
    # ValidationError; only the message names the field.
    use_environment(
        monkeypatch, profile_environment("development") | {"CORS_ORIGINS": "http://a.example"}
    )

    with pytest.raises(SettingsError, match='field "cors_origins"'):
        sample_module("app.core.config").get_settings()


def test_relative_sqlite_paths_resolve_against_the_project_not_the_cwd(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = sample_module("app.core.database")
    monkeypatch.chdir(tmp_path)

    assert database.sqlite_path("sqlite:///./data/x.db") == SAMPLE_APP / "data" / "x.db"
    assert database.sqlite_path(f"sqlite:///{tmp_path}/y.db") == tmp_path / "y.db"
    with pytest.raises(ValueError, match="DATABASE_URL must start with 'sqlite:///'"):
        database.sqlite_path("postgresql://db.example/app")
    # the engine's URL takes the same path
    assert database.engine_url("sqlite:///./data/x.db").database == str(SAMPLE_APP / "data/x.db")


def test_example_file_lists_every_setting() -> None:
    fields = sample_module("app.core.config").Settings.model_fields

    assert set(profile_environment("example")) == {name.upper() for name in fields}


@pytest.mark.parametrize("name", ENV_FILES)
def test_committed_env_files_say_they_hold_demo_values(name: str) -> None:
    header = (SAMPLE_APP / name).read_text(encoding="utf-8").split("\n\n")[0]

    assert "DEMO VALUES ONLY" in header


@pytest.mark.parametrize(("concurrency", "workers"), [(None, 2), ("5", 5)])
def test_gunicorn_config(
    monkeypatch: pytest.MonkeyPatch, concurrency: str | None, workers: int
) -> None:
    if concurrency is None:
        monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    else:
        monkeypatch.setenv("WEB_CONCURRENCY", concurrency)

    conf = runpy.run_path(str(SAMPLE_APP / "gunicorn.conf.py"))

    assert conf["workers"] == workers
    assert conf["worker_class"] == "uvicorn_worker.UvicornWorker"
    assert conf["wsgi_app"] == "app.main:app"
    assert conf["bind"] == "127.0.0.1:8000"
    assert conf["accesslog"] == "-"
    assert conf["graceful_timeout"] < conf["timeout"]


def test_databases_are_ignored_by_git() -> None:
    ignored = (SAMPLE_APP / ".gitignore").read_text(encoding="utf-8").splitlines()

    assert "data/*.db" in ignored
