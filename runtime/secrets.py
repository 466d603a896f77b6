"""Masking of secret-looking values, shared by every view of a value (UI, logs, history).

Only values are masked, never names: a user must always see *which* setting is
secret. A key is secret when one of its name parts (split on ``_``, ``-``,
``.``, whitespace and camelCase humps) is one of :data:`SECRET_WORDS` (a
trailing plural ``S`` allowed), so ``API_KEY``, ``JWT_SECRET`` and
``dbPassword`` are secret while ``MONKEY`` and ``KEYBOARD_LAYOUT`` are not. The
long, unambiguous words also count inside a part (``DBPASSWORD``,
``GITHUBTOKEN``). Whatever the key, a password inside a URL
(``scheme://user:password@host``) or a ``password=...`` pair is masked.

:func:`secret_values` is the same rule turned around, for free text that may
contain a value anywhere (a server's log): every value of an environment that
must never be shown.

:func:`is_placeholder` is the other half of the secret rule: a value copied from a
tutorial or template (``changeme``, ``<your-key>``) is no secret at all. The probe
gets :data:`PLACEHOLDER_PATTERNS` too, so the project's own settings are judged
by the same patterns.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import unquote

__all__ = [
    "MASK",
    "MIN_MASKED_LENGTH",
    "PLACEHOLDER_PATTERNS",
    "SECRET_WORDS",
    "is_placeholder",
    "is_secret_key",
    "mask_url_password",
    "mask_value",
    "secret_values",
    "url_passwords",
]

MASK = "****"

#: Shorter values are not scrubbed from free text (they would hide ordinary words);
#: a value shown next to its key is masked whatever its length (:func:`mask_value`).
MIN_MASKED_LENGTH = 6

SECRET_WORDS: tuple[str, ...] = (
    "SECRET",
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "PWD",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "PRIVATE",
    "AUTH",
    "SALT",
)

# Words long and specific enough to count even glued to another word.
_EMBEDDED_WORDS = ("SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "CREDENTIAL", "APIKEY")
# Well-known variables whose names contain a secret word but whose values are not secret.
_NOT_SECRET = frozenset({"PWD", "OLDPWD"})
# A last name part that says the value *describes* a secret (how long it lives, where it
# is, how it is sent) rather than being one: ACCESS_TOKEN_EXPIRE_MINUTES, SECRET_KEY_FILE.
_DESCRIPTIVE_LAST = frozenset(
    {
        "EXPIRE", "EXPIRES", "EXPIRY", "EXPIRATION", "TTL", "TIMEOUT", "LIFETIME", "AGE",
        "SECONDS", "MINUTES", "HOURS", "DAYS", "LENGTH", "LEN", "SIZE", "ALGORITHM",
        "ALGORITHMS", "ALG", "URL", "URI", "ENDPOINT", "FILE", "PATH", "DIR",
        "NAME", "TYPE", "ENABLED", "REQUIRED", "SCHEME", "PREFIX",
    }
)  # fmt: skip
# A first part that makes the key a switch about secrets: CORS_ALLOW_CREDENTIALS=true.
_SWITCH_WORDS = frozenset({"ALLOW", "ENABLE", "REQUIRE", "USE", "DISABLE"})

# Whole-value patterns (case-insensitive) of secrets copied from tutorials and templates.
# Also sent to the probe, so they must stay plain `re` syntax.
PLACEHOLDER_PATTERNS: tuple[str, ...] = (
    r"change[-_ .]?(me|this|it)",
    r"replace[-_ .]?(me|this)",
    r"your[-_ .]?(own[-_ .]?)?(jwt[-_ .]?|app[-_ .]?)?(secret|key)",
    r"^(super|my|dev|test|example|sample|default|dummy|fake|jwt|app|very)?[-_ .]?"
    r"(secret|secrets|key)([-_ .]?key)?$",
    r"insecure|placeholder|not[-_ .]?a[-_ .]?secret|^todo$|^fixme$",
    r"^(x+|\*+|\.+|password|passw0rd|admin|test|none|null|abc123|123456)$",
    r"^<.*>$",
    r"^\$\{.*\}$",
)
_PLACEHOLDER = re.compile("|".join(f"(?:{p})" for p in PLACEHOLDER_PATTERNS), re.IGNORECASE)

_PART_SPLIT = re.compile(r"[_\-.\s]+|(?<=[a-z0-9])(?=[A-Z])")
# scheme://netloc — netloc ends at the first "/", "?", "#" or whitespace (RFC 3986), or
# at a "," or ";" that starts the next URL of a list ("a://u:p@h,b://v:q@k").
# (The lookbehind starts a scheme only where a word starts: linear even on long values.)
_SCHEME = r"(?<![A-Za-z0-9+.\-])[A-Za-z][A-Za-z0-9+.\-]*://"
_URL = re.compile(rf"(?P<scheme>{_SCHEME})(?P<netloc>(?:[^/?#\s,;]|[,;](?!{_SCHEME}))*)")
# libpq keyword strings and query strings: password=..., pwd=..., passwd=...
_PASSWORD_PAIR = re.compile(r"(?i)(?P<name>\b(?:password|passwd|pwd)\s*=\s*)(?P<value>[^\s;&]+)")


def _parts(key: str) -> list[str]:
    return [part.upper() for part in _PART_SPLIT.split(key) if part]


def is_secret_key(key: str) -> bool:
    """True when the value of ``key`` should be hidden (decided by its name only)."""
    if key.upper() in _NOT_SECRET:
        return False
    parts = _parts(key)
    if not parts or parts[-1] in _DESCRIPTIVE_LAST or _SWITCH_WORDS.intersection(parts):
        return False
    for part in parts:
        singular = part[:-1] if part.endswith("S") and len(part) > 1 else part
        if part in SECRET_WORDS or singular in SECRET_WORDS:
            return True
        if any(word in part for word in _EMBEDDED_WORDS):
            return True
    return False


def is_placeholder(value: str) -> bool:
    """True for a known template secret such as ``change-me`` or ``your-secret-key-here``."""
    return bool(_PLACEHOLDER.search(value.strip()))


def _split_netloc(netloc: str) -> tuple[str, str, str] | None:
    """(user, password, host) of a netloc with a non-empty password, else None."""
    userinfo, at, host = netloc.rpartition("@")
    if not at:
        return None
    user, colon, password = userinfo.partition(":")
    if not colon or not password:
        return None
    return user, password, host


def _mask_netloc(match: re.Match[str]) -> str:
    parts = _split_netloc(match["netloc"])
    if parts is None:
        return match.group(0)
    user, _password, host = parts
    return f"{match['scheme']}{user}:{MASK}@{host}"


def url_passwords(value: str) -> list[str]:
    """The password of every URL in ``value`` (as written and, if escaped, decoded)."""
    if "://" not in value:
        return []
    found: list[str] = []
    for match in _URL.finditer(value):
        parts = _split_netloc(match["netloc"])
        if parts is not None:
            found.append(parts[1])
            if "%" in parts[1]:
                found.append(unquote(parts[1]))
    return found


def mask_url_password(value: str) -> str:
    """Hide the password of every URL in ``value``; anything else is returned unchanged.

    ``postgresql://user:pw@host/db`` -> ``postgresql://user:****@host/db``.
    """
    if "://" not in value:
        return value
    return _URL.sub(_mask_netloc, value)


def _mask_password_pairs(value: str) -> str:
    return _PASSWORD_PAIR.sub(lambda m: f"{m['name']}{MASK}", value)


def mask_value(key: str, value: str | None) -> str:
    """The text to show for ``key``'s value: all of it hidden for a secret key.

    An empty secret stays empty (so "not set" remains visible); ``None`` becomes "".
    """
    if value is None or value == "":
        return ""
    if is_secret_key(key):
        return MASK
    return _mask_password_pairs(mask_url_password(value))


def secret_values(env: Mapping[str, str], min_length: int = MIN_MASKED_LENGTH) -> list[str]:
    """Every value of ``env`` that must never appear in text, longest first.

    The values of secret keys, URL passwords and ``password=...`` pairs of any
    value: what :func:`mask_value` hides, for text where values are not next to
    their keys. Values shorter than ``min_length`` are left out.
    """
    found: set[str] = set()
    for key, value in env.items():
        if not value:
            continue
        if is_secret_key(key):
            found.add(value)
        found.update(url_passwords(value))
        found.update(m["value"] for m in _PASSWORD_PAIR.finditer(value))
    return sorted((v for v in found if len(v) >= min_length), key=lambda v: (-len(v), v))
