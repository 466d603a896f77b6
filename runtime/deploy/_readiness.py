"""The production readiness of the profile being shipped: the same checks as
``asgideck check`` (settings constructed as at start, then the readiness rules with the
launch config's facts), blocking findings first."""

from __future__ import annotations

from asgideck.runtime.inspect import Finding, readiness_findings, validate_settings
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.project import Project
from asgideck.runtime.servers import LaunchConfig

__all__ = ["blocking", "readiness"]

_ORDER = {"error": 0, "warning": 1, "info": 2}


def blocking(finding: Finding) -> bool:
    """An error: shipping the profile as it is would fail or be unsafe."""
    return finding.severity == "error"


def readiness(project: Project, profile: Profile | str, config: LaunchConfig) -> list[Finding]:
    """Settings problems and readiness findings of ``profile``, errors first (stable)."""
    if isinstance(profile, str):
        profile = load_profile(project.root, profile)
    report = validate_settings(project, profile)
    findings: list[Finding] = []
    if report.error:
        findings.append(
            Finding("error", "settings", report.error, "fix the settings so the app can start")
        )
    for issue in report.issues:
        key = issue.env_var or f"{issue.settings_class}.{issue.field}"
        findings.append(Finding("error", key, issue.message, "set a value the settings accept"))
    findings += readiness_findings(profile, report, config.facts)
    return sorted(findings, key=lambda f: _ORDER.get(f.severity, 3))
