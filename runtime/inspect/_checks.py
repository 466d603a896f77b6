"""Production-readiness checks of a profile, as a table of rules.

Each :class:`Rule` picks the settings it looks at (``select``), says when one is a
problem (``test``), and carries its severity in production and elsewhere, its
message and its fix. Rules of the same ``group`` are exclusive per key: the first
one that fires wins (a missing secret is not also reported as too short).

Values come from the project's own settings classes when they could be
instantiated (so class defaults count), else from the profile's raw variables.
Secrets are never read back from the settings report: it only carries their
length and whether they look like a placeholder, and no message quotes a value.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from asgideck.runtime.secrets import MASK, is_placeholder, mask_url_password

if TYPE_CHECKING:
    from asgideck.runtime.inspect._settings import SettingsReport
    from asgideck.runtime.profiles import Profile
    from asgideck.runtime.servers import ServerFacts

__all__ = [
    "RULES",
    "Facts",
    "Finding",
    "Rule",
    "readiness_findings",
]

Severity = Literal["error", "warning", "info"]
MIN_SECRET_LENGTH = 32

_TRUE = frozenset({"1", "true", "yes", "on", "y", "t"})
_PRODUCTION_VALUES = frozenset({"prod", "production"})
ENVIRONMENT_KEYS = ("ENVIRONMENT", "APP_ENV", "APP_ENVIRONMENT", "ENV", "FASTAPI_ENV")
DOCS_FLAG_KEYS = ("DOCS_ENABLED", "ENABLE_DOCS", "SHOW_DOCS", "EXPOSE_DOCS")
DOCS_URL_KEYS = ("DOCS_URL", "OPENAPI_URL")
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0"})


@dataclass(frozen=True)
class Finding:
    severity: Severity
    key: str
    message: str
    fix: str


@dataclass(frozen=True)
class Secret:
    """What the rules may know of a secret: never its value."""

    length: int
    placeholder: bool


@dataclass(frozen=True)
class Facts:
    """Everything a rule may read, keyed by upper-case env var name."""

    profile: str
    production: bool
    values: dict[str, Any]
    secrets: dict[str, Secret | None]
    settings_known: bool
    server: ServerFacts | None = None


@dataclass(frozen=True)
class Subject:
    """One setting a rule looks at; ``value`` None means it is not set at all."""

    key: str
    value: Any
    detail: str = ""


@dataclass(frozen=True)
class Rule:
    id: str
    group: str
    select: Callable[[Facts], Iterable[Subject]]
    test: Callable[[Subject, Facts], bool]
    severity: tuple[Severity | None, Severity | None]  # (in production, elsewhere)
    message: str  # formatted with key= and detail=
    fix: str
    tags: tuple[str, ...] = field(default=())


# ------------------------------------------------------------------------ value helpers


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    return isinstance(value, str) and value.strip().lower() in _TRUE


def _items(value: Any) -> list[str]:
    """A list setting as its items: JSON list, or comma-separated text."""
    if isinstance(value, list):
        return [str(item).strip() for item in value]
    if not isinstance(value, str):
        return []
    text = value.strip()
    if text.startswith("["):
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        if isinstance(loaded, list):
            return [str(item).strip() for item in loaded]
    return [part.strip().strip("\"'") for part in text.strip("[]").split(",") if part.strip()]


def _matching(facts: Facts, predicate: Callable[[str], bool]) -> Iterator[Subject]:
    for key in facts.values:
        if predicate(key):
            yield Subject(key, facts.values[key])


# ------------------------------------------------------------------------------ selects


def _debug_keys(facts: Facts) -> Iterator[Subject]:
    return _matching(facts, lambda k: k == "DEBUG" or k.endswith("_DEBUG"))


def _is_signing_secret(key: str) -> bool:
    return "SECRET" in key or ("JWT" in key and "KEY" in key)


def _secret_keys(facts: Facts) -> Iterator[Subject]:
    for key in facts.values:
        if _is_signing_secret(key) and key in facts.secrets:
            yield Subject(key, facts.secrets[key])


def _absent_secret_key(facts: Facts) -> Iterator[Subject]:
    if not facts.settings_known and "SECRET_KEY" not in facts.values:
        yield Subject("SECRET_KEY", None)


def _cors_origins(facts: Facts) -> Iterator[Subject]:
    credentials = [k for k in facts.values if "CORS" in k and "CREDENTIAL" in k]
    on = next((k for k in credentials if _truthy(facts.values[k])), "")
    for subject in _matching(facts, lambda k: "CORS" in k and "ORIGIN" in k):
        yield Subject(subject.key, subject.value, detail=on)


def _database_urls(facts: Facts) -> Iterator[Subject]:
    def is_db(key: str) -> bool:
        return key.endswith(("DATABASE_URL", "DATABASE_URI", "DB_URL", "DB_URI", "DSN"))

    for subject in _matching(facts, is_db):
        if isinstance(subject.value, str) and subject.value:
            yield Subject(subject.key, subject.value, detail=mask_url_password(subject.value))


def _docs(facts: Facts) -> Iterator[Subject]:
    for key in DOCS_FLAG_KEYS:
        if key in facts.values:
            on = _truthy(facts.values[key])
            yield Subject(key, on, detail=f"{key} is {'on' if on else 'off'}")
            return
    for key in DOCS_URL_KEYS:
        if key in facts.values:
            value = facts.values[key]
            off = value is None or str(value).strip().lower() in ("", "none", "null")
            yield Subject(key, not off, detail=f"{key} is {value!r}")
            return
    yield Subject("DOCS_URL", True, detail="nothing in this profile turns them off")


def _server(attribute: str) -> Callable[[Facts], Iterator[Subject]]:
    def select(facts: Facts) -> Iterator[Subject]:
        if facts.server is not None:
            yield Subject(attribute, getattr(facts.server, attribute))

    return select


# -------------------------------------------------------------------------------- tests


def _secret_missing(subject: Subject, _: Facts) -> bool:
    return subject.value is None or (isinstance(subject.value, Secret) and not subject.value.length)


def _secret_placeholder(subject: Subject, _: Facts) -> bool:
    return isinstance(subject.value, Secret) and subject.value.placeholder


def _secret_short(subject: Subject, _: Facts) -> bool:
    return isinstance(subject.value, Secret) and subject.value.length < MIN_SECRET_LENGTH


def _wildcard(subject: Subject, _: Facts) -> bool:
    return "*" in _items(subject.value)


def _sqlite(subject: Subject, _: Facts) -> bool:
    return str(subject.value).lower().startswith("sqlite")


def _local_host(subject: Subject, _: Facts) -> bool:
    try:
        host = urlsplit(str(subject.value)).hostname
    except ValueError:
        return False
    return host in _LOCAL_HOSTS


_FIX_SECRET = (
    "Generate one (python -c 'import secrets; print(secrets.token_urlsafe(48))') and set "
    "{key} from your deployment's secret store, not a committed file."
)

RULES: tuple[Rule, ...] = (
    Rule(
        "debug-on",
        "debug",
        _debug_keys,
        lambda s, _: _truthy(s.value),
        ("error", "info"),
        "{key} is on: error responses can show tracebacks, settings and code.",
        "Set {key}=false in this profile.",
    ),
    Rule(
        "secret-absent",
        "secret",
        _absent_secret_key,
        lambda s, _: True,
        ("warning", None),
        "{key} is not set in this profile (and no settings class could say it is unused).",
        _FIX_SECRET,
    ),
    Rule(
        "secret-missing",
        "secret",
        _secret_keys,
        _secret_missing,
        ("error", None),
        "{key} is empty or not set: tokens and sessions cannot be signed safely.",
        _FIX_SECRET,
    ),
    Rule(
        "secret-placeholder",
        "secret",
        _secret_keys,
        _secret_placeholder,
        ("error", None),
        "{key} is a well-known placeholder: anyone can forge tokens signed with it.",
        _FIX_SECRET,
    ),
    Rule(
        "secret-short",
        "secret",
        _secret_keys,
        _secret_short,
        ("error", None),
        f"{{key}} is shorter than {MIN_SECRET_LENGTH} characters: too weak to sign tokens.",
        _FIX_SECRET,
    ),
    Rule(
        "cors-wildcard-credentials",
        "cors",
        _cors_origins,
        lambda s, f: bool(s.detail) and _wildcard(s, f),
        ("error", "error"),
        "{key} allows any origin ('*') while {detail} is true: any website can send "
        "requests with your users' cookies.",
        'List the exact origins in {key} (e.g. ["https://app.example.com"]).',
    ),
    Rule(
        "cors-wildcard",
        "cors",
        _cors_origins,
        _wildcard,
        ("warning", "info"),
        "{key} allows any origin ('*').",
        "List the exact origins that may call the API in {key}.",
    ),
    Rule(
        "database-sqlite",
        "database",
        _database_urls,
        _sqlite,
        ("warning", None),
        "{key} uses SQLite ({detail}): one file on one machine, one writer at a time.",
        "Point {key} at a database server (e.g. postgresql://user:pass@db-host/app).",
    ),
    Rule(
        "database-localhost",
        "database",
        _database_urls,
        _local_host,
        ("warning", None),
        "{key} points at this machine ({detail}): in a container or on another host "
        "that is not your database.",
        "Use the database server's real host name in {key}.",
    ),
    Rule(
        "docs-exposed",
        "docs",
        _docs,
        lambda s, _: bool(s.value),
        ("warning", None),
        "The interactive docs (/docs, /redoc) are served ({detail}).",
        "Set DOCS_ENABLED=false (or DOCS_URL to empty) in production, "
        "or protect the docs behind authentication.",
    ),
    Rule(
        "reload-on",
        "reload",
        _server("reload"),
        lambda s, _: bool(s.value),
        ("error", None),
        "The server runs with --reload: it watches files and restarts on changes.",
        "Start production servers without --reload.",
    ),
    Rule(
        "single-worker",
        "workers",
        _server("workers"),
        lambda s, _: int(s.value) <= 1,
        ("warning", None),
        "The server runs a single worker: one crash or slow request stalls every client.",
        "Run several workers (e.g. gunicorn -w 4 -k uvicorn_worker.UvicornWorker).",
    ),
)


# ------------------------------------------------------------------------------- facts


def build_facts(
    profile: Profile, settings: SettingsReport | None = None, server: ServerFacts | None = None
) -> Facts:
    """Effective values: settings classes first (defaults included), then the raw profile."""
    raw = {key.upper(): value for key, value in profile.environ().items()}
    values: dict[str, Any] = {}
    secrets: dict[str, Secret | None] = {}
    known = settings is not None and bool(settings.env_vars)
    if settings is not None:
        for label in _preferred_classes(settings, profile.name):
            env_vars = settings.env_vars.get(label, {})
            facts = settings.secret_facts.get(label, {})
            for name, value in (settings.values.get(label) or {}).items():
                key = env_vars.get(name, name).upper()
                if key in values:
                    continue
                if name in facts:
                    fact = facts[name]
                    secrets[key] = Secret(fact.length, fact.placeholder)
                elif value == MASK:
                    continue  # a masked value the rules cannot judge: use the raw one
                values[key] = value
    for key, value in raw.items():
        if key not in values:
            values[key] = value
        if key not in secrets and _is_signing_secret(key):
            secrets[key] = Secret(len(value), is_placeholder(value)) if value else None
    for key in values:
        if _is_signing_secret(key) and key not in secrets and values[key] in (None, ""):
            secrets[key] = None
    return Facts(profile.name, _is_production(profile.name, values), values, secrets, known, server)


def _preferred_classes(settings: SettingsReport, profile: str) -> list[str]:
    """Classes named like the profile (``ProductionSettings`` for ``production``) first."""
    stem = profile.lower()[:4]
    labels = list(settings.values)
    return sorted(labels, key=lambda label: stem not in label.rsplit(".", 1)[-1].lower())


def _is_production(profile: str, values: dict[str, Any]) -> bool:
    if "prod" in profile.lower():
        return True
    declared = (str(values.get(key, "")).strip().lower() for key in ENVIRONMENT_KEYS)
    return any(value in _PRODUCTION_VALUES for value in declared)


# ------------------------------------------------------------------------------ findings

_ORDER = {"error": 0, "warning": 1, "info": 2}


def evaluate(facts: Facts, rules: Iterable[Rule] = RULES) -> list[Finding]:
    """Run ``rules`` over ``facts``: errors first, then warnings, then notes."""
    findings: list[Finding] = []
    claimed: set[tuple[str, str]] = set()
    for rule in rules:
        severity = rule.severity[0] if facts.production else rule.severity[1]
        if severity is None:
            continue
        for subject in rule.select(facts):
            if (rule.group, subject.key) in claimed or not rule.test(subject, facts):
                continue
            claimed.add((rule.group, subject.key))
            text = {"key": subject.key, "detail": subject.detail}
            findings.append(
                Finding(severity, subject.key, rule.message.format(**text), rule.fix.format(**text))
            )
    return sorted(findings, key=lambda f: _ORDER[f.severity])


def readiness_findings(
    profile: Profile,
    settings: SettingsReport | None = None,
    server: ServerFacts | None = None,
) -> list[Finding]:
    """The checklist for ``profile``, plus the launch rules when ``server`` is given."""
    return evaluate(build_facts(profile, settings, server))
