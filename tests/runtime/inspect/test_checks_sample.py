"""The readiness checklist on the bundled sample_app says what is true of its profiles."""

from __future__ import annotations

from pathlib import Path

from asgideck.runtime.inspect import readiness_findings, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import open_project


def findings_for(root: Path, name: str) -> dict[str, tuple[str, str]]:
    profile = load_profile(root, name)
    report = validate_settings(open_project(root), profile)
    assert report.error is None
    return {f.key: (f.severity, f.message) for f in readiness_findings(profile, report)}


def test_sample_production_findings(sample_app: Path) -> None:
    found = findings_for(sample_app, "production")
    assert found["SECRET_KEY"][0] == "error" and "placeholder" in found["SECRET_KEY"][1]
    assert found["DATABASE_URL"][0] == "warning" and "SQLite" in found["DATABASE_URL"][1]
    assert found["DOCS_ENABLED"][0] == "warning"
    assert "DEBUG" not in found and "CORS_ORIGINS" not in found
    assert all("change-me" not in message for _, message in found.values())


def test_sample_development_only_notes_debug(sample_app: Path) -> None:
    assert findings_for(sample_app, "development") == {
        "DEBUG": ("info", "DEBUG is on: error responses can show tracebacks, settings and code.")
    }


def test_sample_production_from_raw_env_alone(sample_app: Path) -> None:
    """Without the settings report (probe unavailable) the raw profile gives the same verdicts."""
    findings = readiness_findings(load_profile(sample_app, "production"))
    assert {(f.key, f.severity) for f in findings} == {
        ("SECRET_KEY", "error"),
        ("DATABASE_URL", "warning"),
        ("DOCS_ENABLED", "warning"),
    }
