"""The one secret rule, as a table: which (name, value) pairs are hidden wherever shown.

Every row is checked against the runtime (``mask_value``, ``secret_values``), against
the same file loaded by path the way the probe loads it (also under Python 3.8 when
one is installed), and against the probe's fallback word list, which must over-mask.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from asgideck.runtime import secrets
from asgideck.runtime.probe._main import Context, _fallback_is_secret
from asgideck.runtime.secrets import (
    MASK,
    MIN_MASKED_LENGTH,
    is_secret_key,
    is_secret_value,
    mask_value,
    secret_values,
)

SECRETS_FILE = Path(secrets.__file__).resolve()
PLAIN = "plain-value-42"  # a value with no secret shape: only the name decides
GHP = "ghp_" + "a1B2c3D4e5" * 4
JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
    "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
)
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA0Z3VS5JJcds3xfn\n"
    "-----END RSA PRIVATE KEY-----"
)

# (name, value, masked?)
TABLE: list[tuple[str, str, bool]] = [
    # --- secret by name (the names first)
    ("SMTP_PASS", PLAIN, True),
    ("DB_PASS", PLAIN, True),
    ("SENTRY_DSN", "https://abc123@o1.ingest.sentry.io/42", True),
    ("GITHUB_PAT", PLAIN, True),
    ("STRIPE_SK", PLAIN, True),
    ("MAIL_PASSWORD", PLAIN, True),
    ("SECRET_KEY", PLAIN, True),
    ("API_KEY", PLAIN, True),
    ("APIKEY", PLAIN, True),
    ("JWT_SECRET", PLAIN, True),
    ("DB_PASSWORD", PLAIN, True),
    ("POSTGRES_PASSWD", PLAIN, True),
    ("SSH_PASSPHRASE", PLAIN, True),
    ("MYSQL_PWD", PLAIN, True),
    ("GITHUB_TOKEN", PLAIN, True),
    ("ACCESS_TOKENS", PLAIN, True),
    ("AWS_SECRET_ACCESS_KEY", PLAIN, True),
    ("GOOGLE_APPLICATION_CREDENTIALS", PLAIN, True),
    ("AWS_CREDS", PLAIN, True),
    ("PRIVATE_KEY_PEM", PLAIN, True),
    ("AUTH_HEADER", PLAIN, True),
    ("AUTHORIZATION", PLAIN, True),
    ("SESSION_SECRET", PLAIN, True),
    ("SESSION_ID", PLAIN, True),
    ("COOKIE_SECRET", PLAIN, True),
    ("PASSWORD_SALT", PLAIN, True),
    ("WEBHOOK_SIGNATURE", PLAIN, True),
    ("stripeSk", PLAIN, True),
    ("githubPat", PLAIN, True),
    ("smtpPass", PLAIN, True),
    ("dbPassword", PLAIN, True),
    ("DBPASSWORD", PLAIN, True),
    ("GITHUBTOKEN", PLAIN, True),
    ("X-Api-Pass", PLAIN, True),
    ("X-Api-Key", PLAIN, True),
    ("Cookie", PLAIN, True),
    ("Set-Cookie", PLAIN, True),
    ("session", PLAIN, True),
    ("app.secret", PLAIN, True),
    ("pwd", PLAIN, True),  # a form or JSON field; only the shell's $PWD is exempt
    ("DB_PW", PLAIN, True),  # review M1: PW and PEPPER as name words
    ("ADMIN_PW", PLAIN, True),
    ("adminPw", PLAIN, True),
    ("pw", PLAIN, True),
    ("PEPPER", PLAIN, True),
    ("PASSWORD_PEPPER", PLAIN, True),
    # --- not secret by name: look-alikes, descriptions of a secret, switches, shell vars
    ("PASSENGER", PLAIN, False),
    ("BYPASS", PLAIN, False),
    ("COMPASS", PLAIN, False),
    ("SKU", PLAIN, False),
    ("PATH", "/usr/local/bin:/usr/bin", False),
    ("PATCH", PLAIN, False),
    ("MONKEY", PLAIN, False),
    ("PWM_CHANNEL", PLAIN, False),  # PW only as a whole name part
    ("LED_PWM", PLAIN, False),
    ("PEPPERONI_COUNT", "3", False),
    ("KEYBOARD_LAYOUT", PLAIN, False),
    ("AUTHOR", PLAIN, False),
    ("PWD", "/home/me/project", False),
    ("OLDPWD", "/home/me", False),
    ("SESSION_COOKIE_NAME", "sessionid", False),
    ("SESSION_TIMEOUT", "3600", False),
    ("SESSION_COOKIE_SECURE", "true", False),
    ("ACCESS_TOKEN_EXPIRE_MINUTES", "30", False),
    ("CORS_ALLOW_CREDENTIALS", "true", False),
    ("SECRET_KEY_FILE", "/run/secrets/key", False),
    ("TOKEN_URL", "/auth/token", False),
    ("JWT_ALGORITHM", "HS256", False),
    ("PASSWORD_MIN_LENGTH", "12", False),
    ("AUTH_BACKEND", "ldap", False),
    ("SKIP_AUTH", "false", False),
    ("GIT_ASKPASS", "/usr/lib/git-core/git-gui--askpass", False),
    ("SSH_AUTH_SOCK", "/tmp/ssh-agent.sock", False),
    ("DESKTOP_SESSION", "ubuntu", False),
    ("XDG_SESSION_DESKTOP", "ubuntu", False),
    ("DEBUG", "true", False),
    ("APP_NAME", PLAIN, False),
    ("DATABASE_URL", "sqlite:///./app.db", False),
    # --- secret by the value's shape, whatever the name
    ("STRIPE_LIVE", "sk_live_4eC39HqLyjWDarjtT1zdp7dc", True),
    ("STRIPE_TEST", "sk_test_4eC39HqLyjWDarjtT1zdp7dc", True),
    ("STRIPE_RESTRICTED", "rk_live_4eC39HqLyjWDarjtT1zdp7dc", True),
    ("GH", GHP, True),
    ("GH_OAUTH", "gho_" + "Z9y8X7w6V5" * 4, True),
    ("GH_USER", "ghu_" + "Z9y8X7w6V5" * 4, True),
    ("GH_SERVER", "ghs_" + "Z9y8X7w6V5" * 4, True),
    ("GH_REFRESH", "ghr_" + "Z9y8X7w6V5" * 4, True),
    ("GH_FINE", "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuv", True),
    ("SLACK_BOT", "xoxb-123456789012-1234567890123-AbCdEfGhIjKl", True),
    ("SLACK_USER", "xoxp-123456789012-abcdefghij", True),
    ("SLACK_A", "xoxa-2-abcdefghij1234", True),
    ("SLACK_R", "xoxr-abcdefghij1234", True),
    ("SLACK_S", "xoxs-abcdefghij1234", True),
    ("SLACK_SHORT", "xoxp-1-2-3", True),  # review M1: Slack tokens of any length
    ("SLACK_B_SHORT", "xoxb-12-ab", True),
    (
        "SENDGRID",
        "SG." + "aB3dE5gH7jK9mN1pQ3sT5v" + "." + "x" * 20 + "Y9z8W7v6U5t4S3r2Q1p0o9n",
        True,
    ),
    ("NPM", "npm_" + "a1B2c3D4e5" * 3 + "F6g7H8", True),
    ("NOTE_NPM", "token npm_" + "Z9y8X7w6V5" * 3 + "u4T3s2 in .npmrc", True),
    ("SIGNING", PEM, True),
    ("SIGNING_ESCAPED", PEM.replace("\n", "\\n"), True),
    ("SSH_IDENTITY", "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n", True),
    ("ID_TOKEN_VALUE", JWT, True),
    ("UPSTREAM_HEADER", "Bearer abc.def-123", True),
    ("PROXY_HEADER", "Basic Ym9iOnB3", True),
    ("NOTE", f"use {GHP} for the API", True),
    # --- ordinary values under ordinary names: shapes that are not keys
    ("STRIPE_PUBLISHABLE", "pk_live_4eC39HqLyjWDarjtT1zdp7dc", False),
    ("GREETING", "Basic usage", False),
    ("GREETING2", "Bearer authentication", False),
    ("SHORT", "ghp_short", False),
    ("AWS_REGION", "AKIA123", False),
    ("TAGLINE", "skills_tracker", False),
    ("SLACK_DOCS", "xoxb-style tokens", False),  # no digit: prose, not a token
    ("NPM_SCRIPT", "npm_install", False),
    ("SG_NOTE", "SG.short.value", False),
    ("HEADER", "eyJhbGciOiJIUzI1NiJ9", False),
    ("CERT_PEM", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", False),
    ("HOMEPAGE", "https://example.com/path?x=1", False),
]

IDS = [f"{name}={value[:12]}" for name, value, _ in TABLE]


@pytest.mark.parametrize(("name", "value", "masked"), TABLE, ids=IDS)
def test_the_rule(name: str, value: str, masked: bool) -> None:
    shown = mask_value(name, value)
    assert (shown == MASK) is masked, f"{name}={value!r} is shown as {shown!r}"
    assert (value in secret_values({name: value})) is masked


@pytest.mark.parametrize(("name", "value", "masked"), TABLE, ids=IDS)
def test_free_text_loses_the_masked_values(name: str, value: str, masked: bool) -> None:
    """A server printing the value (a log line) gets every masked value scrubbed."""
    line = f"starting with {name}={value} now"
    scrubbed = line
    for secret in secret_values({name: value}):
        scrubbed = scrubbed.replace(secret, MASK)
    assert (value not in scrubbed) is masked


def test_every_row_is_decided_by_name_or_shape() -> None:
    """The table exercises both halves: rows masked by name alone and by shape alone."""
    by_name = {name for name, value, masked in TABLE if masked and not is_secret_value(value)}
    by_shape = {name for name, value, masked in TABLE if masked and not is_secret_key(name)}
    assert "SMTP_PASS" in by_name and "STRIPE_LIVE" in by_shape


def test_the_probe_loads_the_same_rule_by_path(tmp_path: Path) -> None:
    ctx = Context(str(tmp_path), {"secrets_module": str(SECRETS_FILE)})
    assert ctx.masking == "asgideck"
    for name, _value, _masked in TABLE:
        assert ctx.is_secret_key(name) == is_secret_key(name), name


def test_the_fallback_word_list_over_masks_every_secret_name() -> None:
    missed = [
        name for name, _v, _m in TABLE if is_secret_key(name) and not _fallback_is_secret(name)
    ]
    assert missed == []


_CHECK_SCRIPT = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("_asgideck_probe_secrets", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
rows = json.load(sys.stdin)
print(json.dumps([[module.mask_value(n, v), module.is_secret_key(n)] for n, v in rows]))
"""


def _old_pythons() -> list[str]:
    """Interpreters of the oldest Python the probe supports, where this machine has one."""
    found = []
    for candidate in ("python3.8", "python3.9"):
        path = shutil.which(candidate)
        if path is None:
            continue
        try:
            ok = subprocess.run([path, "-c", "pass"], capture_output=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired):
            continue
        if ok.returncode == 0:
            found.append(path)
    pyenv = sorted(Path.home().glob(".pyenv/versions/3.8*/bin/python3.8"))
    found += [str(p) for p in pyenv[:1] if str(p) not in found]
    return found or [sys.executable]


@pytest.mark.parametrize("python", _old_pythons())
def test_the_rule_loaded_by_path_in_another_interpreter(python: str) -> None:
    """What the probe does inside the project's interpreter (down to Python 3.8)."""
    rows = [[name, value] for name, value, _ in TABLE]
    result = subprocess.run(
        [python, "-c", _CHECK_SCRIPT, str(SECRETS_FILE)],
        input=json.dumps(rows),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout)
    for (name, value, masked), (shown, secret_key) in zip(TABLE, answers, strict=True):
        assert (shown == MASK) is masked, f"{python}: {name}={value!r} shown as {shown!r}"
        assert secret_key == is_secret_key(name), name


def test_short_values_are_not_scrubbed_from_free_text_but_still_masked_by_key() -> None:
    assert mask_value("DB_PASS", "pw") == MASK
    assert secret_values({"DB_PASS": "pw"}) == []
    assert len("pw") < MIN_MASKED_LENGTH
