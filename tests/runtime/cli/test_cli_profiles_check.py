"""The headless CLI: `asgideck profiles` and `asgideck check`, on real project folders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from asgideck.runtime.cli import EXIT_ERRORS, EXIT_OK, EXIT_WARNINGS
from support import REPO, SAMPLE_APP
from support.cli import run_cli


def test_profiles_lists_names_and_layers() -> None:
    code, text = run_cli("profiles", str(SAMPLE_APP), "--json")
    assert code == EXIT_OK
    listing = {p["name"]: p["files"] for p in json.loads(text)["profiles"]}
    assert listing["production"] == [".env", ".env.production"]
    assert "example" not in listing


def test_show_masks_secrets_unless_revealed() -> None:
    secret = "change-me"
    code, text = run_cli("profiles", str(SAMPLE_APP), "--show", "production")
    assert code == EXIT_OK
    assert "SECRET_KEY=****" in text
    assert secret not in text
    assert ".env.production:" in text
    _code, revealed = run_cli("profiles", str(SAMPLE_APP), "--show", "production", "--reveal")
    assert f"SECRET_KEY={secret}" in revealed


def test_show_names_what_a_value_overrides() -> None:
    _code, text = run_cli("profiles", str(SAMPLE_APP), "--show", "production", "--json")
    rows = {r["key"]: r for r in json.loads(text)["variables"]}
    assert rows["ACCESS_TOKEN_EXPIRE_MINUTES"]["source"].startswith(".env.production:")
    assert rows["ACCESS_TOKEN_EXPIRE_MINUTES"]["overrides"][0].startswith(".env:")


def test_diff_reports_each_kind_of_difference(project: Path) -> None:
    (project / ".env.staging").write_text("ENVIRONMENT=staging\nONLY_STAGING=1\n")
    code, text = run_cli("profiles", str(project), "--diff", "production", "staging", "--json")
    assert code == EXIT_OK
    diff = json.loads(text)
    assert "ONLY_STAGING" in diff["only_b"]
    assert "SECRET_KEY" in diff["only_a"]
    assert {"key": "ENVIRONMENT", "a": "production", "b": "staging"} in diff["different"]


def test_unknown_profile_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    code, _ = run_cli("profiles", str(SAMPLE_APP), "--show", "nope")
    assert code not in (EXIT_OK, EXIT_ERRORS, EXIT_WARNINGS)
    err = capsys.readouterr().err
    assert "nope" in err and "production" in err


def test_check_production_reports_the_weak_secret_and_other_findings() -> None:
    code, text = run_cli("check", str(SAMPLE_APP), "--profile", "production", "--json")
    assert code == EXIT_ERRORS
    report = json.loads(text)
    by_key = {f["key"]: f for f in report["findings"]}
    assert by_key["SECRET_KEY"]["severity"] == "error"
    assert by_key["DATABASE_URL"]["severity"] == "warning"
    assert "change-me" not in text  # never print the secret itself
    assert report["status"] == "errors"


def test_check_names_a_missing_required_field(project: Path) -> None:
    prod = project / ".env.production"
    prod.write_text(
        "".join(line for line in prod.read_text().splitlines(True) if "SECRET_KEY" not in line)
    )
    code, text = run_cli("check", str(project), "--profile", "production", "--json")
    assert code == EXIT_ERRORS
    issues = json.loads(text)["settings"]["issues"]
    assert [(i["field"], i["env_var"]) for i in issues] == [("secret_key", "SECRET_KEY")]


def test_check_exit_codes_clean_and_warnings_only(project: Path) -> None:
    assert run_cli("check", str(project), "--profile", "development")[0] == EXIT_OK
    prod = project / ".env.production"
    text = prod.read_text().replace("SECRET_KEY=change-me", "SECRET_KEY=" + "k9" * 32)
    prod.write_text(text + "DOCS_ENABLED=false\n")
    code, out = run_cli("check", str(project), "--profile", "production")
    assert code == EXIT_WARNINGS, out
    assert "WARNING DATABASE_URL" in out


def test_console_script_runs_headless_commands_without_qt() -> None:
    code = (
        "import sys; from asgideck.gui.entry import main; "
        f"rc = main(['profiles', {str(SAMPLE_APP)!r}]);"
        "print(sorted(m for m in sys.modules if m.startswith('PySide6'))); sys.exit(rc)"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("[]")
    assert "production" in out.stdout
