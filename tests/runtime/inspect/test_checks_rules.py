"""Each readiness rule fires when it should and stays quiet when it should not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from asgideck.runtime.inspect import (
    RULES,
    Finding,
    SecretFact,
    SettingsReport,
    readiness_findings,
)
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.secrets import is_placeholder
from asgideck.runtime.servers import ServerFacts

STRONG = "Vq3xY8pL2mN7rT4wZ9aB6cD1eF5gH0jK-s_Q"  # 36 characters, random-looking


def profile(root: Path, name: str, **env: str) -> Profile:
    lines = [f"{key}='{value}'" for key, value in env.items()]
    (root / f".env.{name}").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_profile(root, name)


def prod(root: Path, **env: str) -> Profile:
    base = {"SECRET_KEY": STRONG, "DOCS_ENABLED": "false"}
    return profile(root, "production", **{**base, **env})


def by_key(findings: list[Finding]) -> dict[str, tuple[str, str]]:
    return {f.key: (f.severity, f.message) for f in findings}


def report(values: dict[str, Any], facts: dict[str, SecretFact] | None = None) -> SettingsReport:
    label = "app.config.Settings"
    return SettingsReport(
        "production",
        (),
        (),
        {label: values},
        None,
        env_vars={label: {name: name.upper() for name in values}},
        secret_facts={label: facts or {}},
    )


def test_a_clean_production_profile_has_no_findings(tmp_path: Path) -> None:
    assert readiness_findings(prod(tmp_path, DEBUG="false")) == []


@pytest.mark.parametrize(
    ("name", "env", "expected"),
    [
        ("production", {"DEBUG": "true"}, "error"),
        ("production", {"APP_DEBUG": "1"}, "error"),
        ("development", {"DEBUG": "True"}, "info"),
        ("staging", {"DEBUG": "yes", "ENVIRONMENT": "production"}, "error"),
        ("staging", {"DEBUG": "on", "APP_ENV": "prod"}, "error"),
        ("staging", {"DEBUG": "on"}, "info"),
        ("production", {"DEBUG": "false"}, None),
        ("development", {"DEBUG": "0"}, None),
    ],
)
def test_debug(tmp_path: Path, name: str, env: dict[str, str], expected: str | None) -> None:
    findings = readiness_findings(
        profile(tmp_path, name, SECRET_KEY=STRONG, DOCS_ENABLED="false", **env)
    )
    debug = [f for f in findings if f.key.endswith("DEBUG")]
    assert [f.severity for f in debug] == ([expected] if expected else [])
    if expected:
        assert "Set " in debug[0].fix and "=false" in debug[0].fix


@pytest.mark.parametrize(
    ("key", "value", "words"),
    [
        ("SECRET_KEY", "", "empty or not set"),
        ("SECRET_KEY", "change-me", "placeholder"),
        ("SECRET_KEY", "your-secret-key-here", "placeholder"),
        ("SECRET_KEY", "CHANGEME", "placeholder"),
        ("SECRET_KEY", "secret", "placeholder"),
        ("JWT_SECRET_KEY", "jwt-secret-key", "placeholder"),
        ("SECRET_KEY", "k3Jd9sLq0Zx", "shorter than 32"),
        ("APP_SECRET", "k3Jd9sLq0Zx", "shorter than 32"),
    ],
)
def test_weak_secrets_in_production(tmp_path: Path, key: str, value: str, words: str) -> None:
    findings = readiness_findings(prod(tmp_path, **{key: value}))
    [finding] = [f for f in findings if f.key == key]  # one finding per key, the most specific
    assert finding.severity == "error" and words in finding.message
    assert "secrets.token_urlsafe" in finding.fix
    if value not in ("", "secret"):  # ("secret" is also a word of the fix text)
        assert all(value not in f.message + f.fix for f in findings)


def test_weak_secrets_are_fine_outside_production(tmp_path: Path) -> None:
    dev = profile(tmp_path, "development", SECRET_KEY="change-me", JWT_SECRET_KEY="x")
    assert readiness_findings(dev) == []


def test_strong_secret_passes(tmp_path: Path) -> None:
    assert readiness_findings(prod(tmp_path, JWT_SECRET_KEY=STRONG[::-1])) == []


def test_absent_secret_key_without_settings_knowledge(tmp_path: Path) -> None:
    bare = profile(tmp_path, "production", DOCS_ENABLED="false")
    [finding] = readiness_findings(bare)
    assert (finding.key, finding.severity) == ("SECRET_KEY", "warning")
    # a settings class that has no secret key field says the project does not need one
    assert readiness_findings(bare, report({"docs_enabled": False})) == []


@pytest.mark.parametrize(
    ("origins", "credentials", "name", "expected"),
    [
        ('["*"]', "false", "production", "warning"),
        ("*", None, "production", "warning"),
        ("https://a.example.com, *", None, "production", "warning"),
        ('["*"]', None, "development", "info"),
        ('["*"]', "true", "production", "error"),
        ('["*"]', "true", "development", "error"),
        ('["https://a.example.com"]', "true", "production", None),
        ("https://a.example.com", None, "development", None),
    ],
)
def test_cors(
    tmp_path: Path, origins: str, credentials: str | None, name: str, expected: str | None
) -> None:
    env = {"SECRET_KEY": STRONG, "DOCS_ENABLED": "false", "BACKEND_CORS_ORIGINS": origins}
    if credentials is not None:
        env["CORS_ALLOW_CREDENTIALS"] = credentials
    findings = readiness_findings(profile(tmp_path, name, **env))
    cors = [f for f in findings if f.key == "BACKEND_CORS_ORIGINS"]
    assert [f.severity for f in cors] == ([expected] if expected else [])
    if expected == "error":
        assert "CORS_ALLOW_CREDENTIALS" in cors[0].message


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("sqlite:///./data/production.db", "SQLite"),
        ("sqlite+aiosqlite:///app.db", "SQLite"),
        ("postgresql://app:hunter2@localhost:5432/app", "this machine"),
        ("mysql://root:pw@127.0.0.1/app", "this machine"),
        ("postgresql://app:hunter2@db.internal:5432/app", None),
    ],
)
def test_database_in_production(tmp_path: Path, url: str, expected: str | None) -> None:
    findings = readiness_findings(prod(tmp_path, DATABASE_URL=url))
    db = [f for f in findings if f.key == "DATABASE_URL"]
    assert [expected in f.message for f in db] == ([True] if expected else [])
    assert all(f.severity == "warning" for f in db)
    assert all("hunter2" not in f.message for f in findings)
    if expected == "this machine":
        assert ":****@" in db[0].message


def test_database_outside_production_is_fine(tmp_path: Path) -> None:
    dev = profile(tmp_path, "development", DATABASE_URL="sqlite:///dev.db")
    assert readiness_findings(dev) == []


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "nothing in this profile turns them off"),
        ({"DOCS_ENABLED": "true"}, "DOCS_ENABLED is on"),
        ({"DOCS_URL": "/docs"}, "DOCS_URL is '/docs'"),
        ({"DOCS_ENABLED": "false"}, None),
        ({"DOCS_URL": ""}, None),
        ({"OPENAPI_URL": "null"}, None),
    ],
)
def test_docs_in_production(tmp_path: Path, env: dict[str, str], expected: str | None) -> None:
    findings = readiness_findings(profile(tmp_path, "production", SECRET_KEY=STRONG, **env))
    assert [f.message for f in findings if "docs" in f.message] == (
        [f"The interactive docs (/docs, /redoc) are served ({expected})."] if expected else []
    )


def test_docs_are_fine_outside_production(tmp_path: Path) -> None:
    assert readiness_findings(profile(tmp_path, "development", SECRET_KEY=STRONG)) == []


def test_server_hook_reload_and_single_worker(tmp_path: Path) -> None:
    production = prod(tmp_path)
    findings = readiness_findings(production, server=ServerFacts(reload=True, workers=1))
    assert by_key(findings) == {
        "reload": (
            "error",
            "The server runs with --reload: it watches files and restarts on changes.",
        ),
        "workers": (
            "warning",
            "The server runs a single worker: one crash or slow request stalls every client.",
        ),
    }
    assert readiness_findings(production, server=ServerFacts(reload=False, workers=4)) == []
    dev = profile(tmp_path, "development", SECRET_KEY=STRONG)
    assert readiness_findings(dev, server=ServerFacts(reload=True, workers=1)) == []


def test_effective_settings_values_win_over_raw_env(tmp_path: Path) -> None:
    # The profile says nothing about DEBUG or docs; the class defaults do.
    production = profile(tmp_path, "production", SECRET_KEY=STRONG)
    values = {"debug": True, "docs_enabled": False, "secret_key": "****"}
    facts = {"secret_key": SecretFact(length=len(STRONG), placeholder=False)}
    assert by_key(readiness_findings(production, report(values, facts))) == {
        "DEBUG": ("error", "DEBUG is on: error responses can show tracebacks, settings and code.")
    }


def test_secret_default_of_a_class_is_judged_by_its_facts(tmp_path: Path) -> None:
    production = profile(tmp_path, "production", DOCS_ENABLED="false")
    values = {"secret_key": "****"}
    facts = {"secret_key": SecretFact(length=9, placeholder=True)}
    [finding] = readiness_findings(production, report(values, facts))
    assert (finding.key, finding.severity) == ("SECRET_KEY", "error")
    assert "placeholder" in finding.message


def test_masked_settings_value_falls_back_to_the_profile(tmp_path: Path) -> None:
    production = prod(tmp_path, CORS_ORIGINS='["*"]')
    findings = readiness_findings(production, report({"cors_origins": "****"}))
    assert [f.key for f in findings] == ["CORS_ORIGINS"]


def test_errors_come_first(tmp_path: Path) -> None:
    findings = readiness_findings(
        profile(tmp_path, "production", DATABASE_URL="sqlite:///x.db", DEBUG="1", SECRET_KEY=STRONG)
    )
    assert [f.severity for f in findings] == ["error", "warning", "warning"]


def test_rule_table_is_well_formed() -> None:
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.message.format(key="K", detail="D") and rule.fix.format(key="K", detail="D")
        assert any(rule.severity), rule.id


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("change-me", True),
        ("change_me_in_production", True),
        ("please-change-this", True),
        ("your-secret-key-here", True),
        ("supersecret", True),
        ("dev-secret-key", True),
        ("<your key>", True),
        ("${PROD_SECRET_KEY}", True),
        ("xxxxxxxx", True),
        (STRONG, False),
        ("secretariat-of-the-board-2024-rotating", False),
    ],
)
def test_placeholders(value: str, expected: bool) -> None:
    assert is_placeholder(value) is expected
