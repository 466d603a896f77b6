"""End to end on the bundled sample_app: its real settings class in a real probe."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.inspect import find_settings_classes, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project
from support.files import copy_sample_app


def test_sample_settings_class_is_found(sample_app: Path) -> None:
    [found] = find_settings_classes(sample_app)
    assert (found.module, found.qualname) == ("app.core.config", "Settings")
    assert found.file == sample_app / "app/core/config.py"


def test_every_sample_profile_satisfies_its_settings(sample_app: Path) -> None:
    project = open_project(sample_app)
    for name in ("development", "production"):
        report = validate_settings(project, load_profile(sample_app, name))
        assert report.ok, (name, report.issues, report.error)
        values = report.values["app.core.config.Settings"]
        assert values["environment"] == name
        assert values["secret_key"] == "****"
    facts = report.secret_facts["app.core.config.Settings"]["secret_key"]
    assert facts.placeholder is True  # production's SECRET_KEY=change-me


def test_production_without_secret_key_names_the_field(tmp_path: Path) -> None:
    root = copy_sample_app(tmp_path / "sample")
    env_file = root / ".env.production"
    lines = env_file.read_text(encoding="utf-8").splitlines(keepends=True)
    env_file.write_text("".join(x for x in lines if not x.startswith("SECRET_KEY=")))
    report = validate_settings(open_project(root), load_profile(root, "production"))
    assert not report.ok and report.error is None
    [issue] = report.issues
    assert (issue.settings_class, issue.field, issue.env_var, issue.kind) == (
        "app.core.config.Settings",
        "secret_key",
        "SECRET_KEY",
        "missing",
    )
    assert issue.message == "Field required (SECRET_KEY is set in none of: .env, .env.production)"


def test_bad_values_in_a_sample_copy_are_all_reported(tmp_path: Path) -> None:
    root = copy_sample_app(tmp_path / "sample")
    with (root / ".env.production").open("a", encoding="utf-8") as handle:
        handle.write("ACCESS_TOKEN_EXPIRE_MINUTES=-5\nDEBUG=perhaps\n")
    report = validate_settings(open_project(root), load_profile(root, "production"))
    issues = {i.env_var: i for i in report.issues}
    assert set(issues) == {"ACCESS_TOKEN_EXPIRE_MINUTES", "DEBUG"}
    assert issues["DEBUG"].input == "perhaps"
    # It names a token's lifetime, not a token: the bad input is shown, not masked.
    assert issues["ACCESS_TOKEN_EXPIRE_MINUTES"].input == "-5"
