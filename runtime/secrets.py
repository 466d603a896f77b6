"""The one secret rule of the product: which values are hidden, wherever they are shown or kept.

Only values are masked, never names: a user must always see *which* setting is
secret. A value is secret for two reasons:

* its **name**: one of its name parts (split on ``_``, ``-``, ``.``, whitespace and
  camelCase humps) is one of :data:`SECRET_WORDS` (a trailing plural ``S``
  allowed), so ``API_KEY``, ``SMTP_PASS``, ``SENTRY_DSN``, ``GITHUB_PAT``,
  ``STRIPE_SK``, ``DB_PW``, ``PEPPER`` and ``dbPassword`` are secret while ``MONKEY``,
  ``PASSENGER``, ``BYPASS``, ``PWM`` and ``SKU`` are not. The long, unambiguous
  words also count inside a part (``DBPASSWORD``, ``GITHUBTOKEN``). A last part
  that *describes* the secret (``SESSION_COOKIE_NAME``,
  ``ACCESS_TOKEN_EXPIRE_MINUTES``) or a switch word (``CORS_ALLOW_CREDENTIALS``)
  makes the value visible again.
* its **shape**, whatever the name: provider keys (``sk_live_…``, ``ghp_…``,
  ``xoxb-…``, ``SG.….…``, ``npm_…``, ``AKIA…``), PEM private keys, JWTs and ``Bearer``/``Basic``
  credentials (:func:`is_secret_value`).

Whatever the key, a password inside a URL (``scheme://user:password@host``) or a
``password=...`` pair is masked.

:func:`secret_values` is the same rule turned around, for free text that may
contain a value anywhere (a server's log): every value of an environment that
must never be shown. :class:`Redactor` applies the rule to structured HTTP data
(headers, URLs, query and form pairs, JSON) and remembers what it hid, so copies
elsewhere (an echoed response) can be scrubbed too: the request history uses it.

:func:`is_placeholder` is the other half of the secret rule: a value copied from a
tutorial or template (``changeme``, ``<your-key>``) is no secret at all. The probe
gets :data:`PLACEHOLDER_PATTERNS` too, so the project's own settings are judged
by the same patterns.

The probe loads this file by path inside the project's interpreter: standard
library only, Python 3.8 syntax.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, quote, quote_plus, unquote, urlencode, urlsplit

__all__ = [
    "MASK",
    "MIN_MASKED_LENGTH",
    "PLACEHOLDER_PATTERNS",
    "SECRET_WORDS",
    "Redactor",
    "is_placeholder",
    "is_secret_key",
    "is_secret_value",
    "mask_secret_shapes",
    "mask_url_password",
    "mask_value",
    "redact_mapping",
    "redact_pairs",
    "redact_url",
    "secret_shapes",
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
    "PASS",
    "PWD",
    "PW",
    "TOKEN",
    "KEY",
    "APIKEY",
    "DSN",
    "PAT",
    "SK",
    "CREDENTIAL",
    "CREDS",
    "PRIVATE",
    "AUTH",
    "AUTHORIZATION",
    "COOKIE",
    "SESSION",
    "SALT",
    "PEPPER",
    "SIGNATURE",
)

# Words long and specific enough to count even glued to another word.
_EMBEDDED_WORDS = (
    "SECRET", "PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "CREDENTIAL", "APIKEY",
    "AUTHORIZATION", "PRIVATEKEY",
)  # fmt: skip
# Well-known environment variables (exactly so spelled) whose names contain a secret word
# but whose values are not secret: the shell's directories, the desktop login session,
# the ssh agent's socket.
_NOT_SECRET = frozenset(
    {
        "PWD", "OLDPWD", "SSH_AUTH_SOCK", "SESSION_MANAGER", "DESKTOP_SESSION",
        "DBUS_SESSION_BUS_ADDRESS", "DBUS_SESSION_BUS_PID", "XDG_SESSION_ID",
        "XDG_SESSION_CLASS", "XDG_SESSION_DESKTOP", "XDG_SESSION_TYPE", "XDG_SESSION_PATH",
        "GNOME_DESKTOP_SESSION_ID", "KDE_SESSION_VERSION", "KDE_SESSION_UID",
    }
)  # fmt: skip
# A last name part that says the value *describes* a secret (how long it lives, where it
# is, how it is sent) rather than being one: ACCESS_TOKEN_EXPIRE_MINUTES, SECRET_KEY_FILE,
# SESSION_COOKIE_NAME, SESSION_COOKIE_SECURE, AUTH_BACKEND.
_DESCRIPTIVE_LAST = frozenset(
    {
        "EXPIRE", "EXPIRES", "EXPIRY", "EXPIRATION", "TTL", "TIMEOUT", "LIFETIME", "AGE",
        "SECONDS", "MINUTES", "HOURS", "DAYS", "LENGTH", "LEN", "SIZE", "ALGORITHM",
        "ALGORITHMS", "ALG", "URL", "URI", "ENDPOINT", "FILE", "PATH", "DIR",
        "NAME", "TYPE", "ENABLED", "REQUIRED", "SCHEME", "PREFIX",
        "DOMAIN", "SECURE", "HTTPONLY", "SAMESITE", "BACKEND", "BACKENDS", "ENGINE",
        "PROVIDER", "MODE", "STRATEGY", "HOST", "PORT",
    }
)  # fmt: skip
# A part that makes the key a switch about secrets: CORS_ALLOW_CREDENTIALS=true.
_SWITCH_WORDS = frozenset({"ALLOW", "ENABLE", "REQUIRE", "USE", "DISABLE", "SKIP"})

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
# libpq keyword strings and query strings: password=..., pwd=..., pass=..., secret=...
_PASSWORD_PAIR = re.compile(
    r"(?i)(?P<name>\b(?:password|passwd|pwd|pass|secret|api_?key)\s*=\s*)(?P<value>[^\s;&]+)"
)

# Values that are keys whatever their name (each starts where a word starts: linear scans).
_KEY_SHAPES = (
    r"(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{8,}",  # Stripe secret and restricted keys
    r"whsec_[A-Za-z0-9+/=]{16,}",  # Stripe webhook signing secret
    r"gh[pousr]_[A-Za-z0-9]{20,}",  # GitHub tokens
    r"github_pat_[A-Za-z0-9_]{20,}",  # GitHub fine-grained personal access token
    r"glpat-[A-Za-z0-9_\-]{20,}",  # GitLab personal access token
    r"xox[abprs]-(?=[A-Za-z\-]*[0-9])[A-Za-z0-9\-]+",  # Slack tokens, any length (one digit)
    r"SG\.[A-Za-z0-9_\-]{22}\.[A-Za-z0-9_\-]{43}(?![A-Za-z0-9_\-])",  # SendGrid API key
    r"npm_[A-Za-z0-9]{36}(?![A-Za-z0-9])",  # npm access token
    r"(?:AKIA|ASIA)[0-9A-Z]{16}(?![0-9A-Za-z])",  # AWS access key id
    r"AIza[0-9A-Za-z_\-]{35}",  # Google API key
    r"sk-(?=[A-Za-z_\-]*[0-9])[A-Za-z0-9_\-]{32,}",  # OpenAI / Anthropic style
    # PEM private keys (the body has no "-": the scan stops at its END line)
    r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----[^-]*"
    r"(?:-----END[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----)?",
    r"eyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*",  # JWT
)
_KEY_SHAPE = re.compile("|".join(f"(?<![A-Za-z0-9_\\-])(?:{p})" for p in _KEY_SHAPES), re.ASCII)
# The fixed start of each shape above: where _shape_spans tries them.
_KEY_HINTS = (
    "sk_", "rk_", "whsec_", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-",
    "xox", "SG.", "npm_", "AKIA", "ASIA", "AIza", "sk-", "-----BEGIN", "eyJ",
)  # fmt: skip
_TOKEN68 = r"[A-Za-z0-9\-._~+/]+=*"
# A whole value that is an Authorization credential: "Bearer abc.def", "Basic Ym9iOnB3".
_AUTH_VALUE = re.compile(rf"(?i)\s*(?P<scheme>bearer|basic)\s+(?P<cred>{_TOKEN68})\s*", re.ASCII)
# The same inside free text; judged by _is_credential so prose ("Basic usage") stays.
_AUTH_IN_TEXT = re.compile(
    rf"(?i)(?<![A-Za-z0-9])(?P<scheme>bearer|basic)(?P<space>\s+)(?P<cred>{_TOKEN68})"
    r"(?![A-Za-z0-9\-._~+/=\"])",
    re.ASCII,
)


def _parts(key: str) -> list[str]:
    return [part.upper() for part in _PART_SPLIT.split(key) if part]


def is_secret_key(key: str) -> bool:
    """True when the value of ``key`` should be hidden (decided by its name only)."""
    return _is_secret_key(key)


@functools.lru_cache(maxsize=4096)  # a JSON body repeats its field names thousands of times
def _is_secret_key(key: str) -> bool:
    if key in _NOT_SECRET:  # as spelled: a JSON field "pwd" is a password, $PWD is not
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


def _basic_password(cred: str) -> str | None:
    """The ``user:password`` inside a Basic credential, or None if it is not one."""
    try:
        decoded = base64.b64decode(cred, validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    return decoded if ":" in decoded else None


def _is_credential(scheme: str, cred: str) -> bool:
    """A credential after ``Basic``/``Bearer`` in free text, not an English word after it."""
    if scheme.lower() == "basic":
        return _basic_password(cred) is not None
    return len(cred) >= 8 and not cred.isalpha()


def _is_auth_value(value: str) -> bool:
    """``value`` is a whole ``Bearer``/``Basic`` credential."""
    auth = _AUTH_VALUE.fullmatch(value)
    return auth is not None and _is_credential(auth["scheme"], auth["cred"])


def is_secret_value(value: str) -> bool:
    """True when ``value`` holds a key-shaped secret, whatever it is called.

    Provider keys (``sk_live_…``, ``ghp_…``, ``github_pat_…``, ``xoxb-…``,
    ``AKIA…``), a PEM private key, a JWT, or a whole ``Bearer``/``Basic`` credential.
    """
    if not value:
        return False
    return _is_auth_value(value) or bool(_shape_spans(value))


def _shape_spans(text: str) -> list[tuple[int, int]]:
    """Where ``text`` holds key-shaped secrets: (start, end) spans, sorted, not overlapping.

    Driven by ``str.find`` on each shape's fixed start, then one anchored match per
    candidate: a scan of a large body costs a few milliseconds, not one regex try of
    every shape at every position.
    """
    starts: set[int] = set()
    for hint in _KEY_HINTS:
        at = text.find(hint)
        while at != -1:
            starts.add(at)
            at = text.find(hint, at + 1)
    spans: list[tuple[int, int]] = []
    for start in sorted(starts):
        match = _KEY_SHAPE.match(text, start)
        if match and (not spans or start >= spans[-1][1]):
            spans.append(match.span())
    lowered = text.lower()
    if "bearer" in lowered or "basic" in lowered:
        for match in _AUTH_IN_TEXT.finditer(text):
            if _is_credential(match["scheme"], match["cred"]):
                cred = match.span("cred")
                if not any(a < cred[1] and cred[0] < b for a, b in spans):
                    spans.append(cred)
        spans.sort()
    return spans


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    pieces, last = [], 0
    for start, end in spans:
        pieces += [text[last:start], MASK]
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def mask_secret_shapes(text: str) -> str:
    """``text`` with every key-shaped secret replaced by the mask (``Bearer ****`` keeps
    its scheme)."""
    spans = _shape_spans(text) if text else []
    return _masked(text, spans) if spans else text


def secret_shapes(text: str) -> list[str]:
    """Every key-shaped secret inside ``text`` (what :func:`mask_secret_shapes` hides)."""
    return [text[start:end] for start, end in _shape_spans(text)]


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


def _userinfos(value: str) -> list[tuple[str, str]]:
    """(user, password) of every URL in ``value`` that has a password, as written."""
    if "://" not in value:
        return []
    found = []
    for match in _URL.finditer(value):
        parts = _split_netloc(match["netloc"])
        if parts is not None:
            found.append((parts[0], parts[1]))
    return found


def url_passwords(value: str) -> list[str]:
    """The password of every URL in ``value`` (as written and, if escaped, decoded)."""
    found: list[str] = []
    for _user, password in _userinfos(value):
        found.append(password)
        if "%" in password:
            found.append(unquote(password))
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
    """The text to show for ``key``'s value: all of it hidden for a secret key or a
    key-shaped value.

    An empty secret stays empty (so "not set" remains visible); ``None`` becomes "".
    """
    if value is None or value == "":
        return ""
    if is_secret_key(key) or is_secret_value(value):
        return MASK
    return _mask_password_pairs(mask_url_password(value))


def secret_values(env: Mapping[str, str], min_length: int = MIN_MASKED_LENGTH) -> list[str]:
    """Every value of ``env`` that must never appear in text, longest first.

    The values of secret keys and of key-shaped values (and each line of a
    multi-line one, as a log prints it line by line), the key-shaped parts of any
    value, URL passwords and ``password=...`` pairs: what :func:`mask_value` hides,
    for text where values are not next to their keys. Values shorter than
    ``min_length`` are left out.
    """
    found: set[str] = set()
    for key, value in env.items():
        if not value:
            continue
        if is_secret_key(key) or is_secret_value(value):
            found.add(value)
            found.update(line.strip() for line in value.splitlines())
            found.update(line.strip() for line in value.split("\\n"))  # "\n" written escaped
        found.update(secret_shapes(value))
        found.update(url_passwords(value))
        found.update(m["value"] for m in _PASSWORD_PAIR.finditer(value))
    return sorted((v for v in found if len(v) >= min_length), key=lambda v: (-len(v), v))


# ------------------------------------------------------------------ structured HTTP data

_ALWAYS_SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
# HTTP authentication schemes (IANA registry and common API ones), lower-case: in an
# Authorization-like header the scheme stays visible, the credential after it is masked.
_AUTH_SCHEMES = frozenset(
    {
        "basic", "bearer", "digest", "token", "negotiate", "ntlm", "hoba", "mutual",
        "aws4-hmac-sha256", "apikey", "api-key", "scram-sha-1", "scram-sha-256", "vapid",
        "dpop", "gnap", "oauth", "hawk", "privatetoken", "concealed", "jwt", "ssws", "sso-key",
        "key", "splunk",
    }
)  # fmt: skip
_MIN_SCRUB = 4  # shorter "secrets" would mangle ordinary text; a name-based mask still hides them
# A NAME=VALUE or NAME: VALUE pair in free text (a log line, an exception message, a
# text/plain body): its value is masked when NAME is a secret name. Names are found first
# (each where a word starts: a linear scan; quoted or not: 'password': 'x'), so a pair
# inside another pair's value (``x=password=pw``, ``https://h/?token=t``) is found too.
# A value that is a call or a subscript (``token = get_token()``, ``password:
# Optional[str]``: source lines of a traceback) is code, not a secret, and so is a value
# under 4 characters after a spaced separator (``token: str``).
_PAIR_NAME = re.compile(
    r"(?<![\w.\-])(?P<name>[A-Za-z_][\w.\-]{1,40})(?P<sep>['\"]?(?:\s*[=:]\s*)['\"]?)(?!//)"
)
_VALUE_CHARS = r"[^\s&,;'\"<>()\[\]{}]"
_PAIR_VALUE = re.compile(
    rf"(?!{_VALUE_CHARS}*[(\[])(?:(?i:bearer|basic|digest|token)\s+(?={_VALUE_CHARS}))?"
    rf"{_VALUE_CHARS}+"
)
_JSON_PAIR = re.compile(r'"(?P<key>(?:[^"\\]|\\.)*)"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)"')


def _is_authorization_name(name: str) -> bool:
    """A header (or field) that carries a credential after an auth scheme:
    ``Authorization``, ``Proxy-Authorization``, an echoed ``X-Echo-Authorization``."""
    lower = name.lower()
    return lower in ("authorization", "proxy-authorization") or lower.endswith(
        ("-authorization", "_authorization", ".authorization")
    )


def _form_encode(pairs: Iterable[Sequence[str]]) -> str:
    return urlencode([(k, v) for k, v in pairs], safe="*")


class Redactor:
    """Masks the secrets of one request/response pair and remembers the values it hid.

    It works in two passes. First by *name* and *shape*: credential headers
    (Authorization, Cookie, Set-Cookie, ``X-Api-Pass``), query and form pairs and JSON
    fields named like secrets, values shaped like keys, URL userinfo. Then by
    *value*: :meth:`scrub` replaces every secret met in the first pass wherever else
    it appears (an echoed header, an error message, a response body), also
    percent-encoded, base64'd or JSON-escaped, so a server that reflects a token or a
    Basic credential cannot sneak it in. Only an Authorization-like header keeps a real
    auth scheme visible (``Bearer ****``); any other secret value is masked whole.
    """

    def __init__(self, secret_names: Iterable[str] = ()) -> None:
        self.values: set[str] = set()
        self._order: tuple[int, list[str]] = (0, [])  # _ordered()'s last answer (values only grow)
        # Names that carry a secret here whatever they look like (an API key's parameter).
        self.names = {name.lower() for name in secret_names}

    def is_secret_name(self, name: str) -> bool:
        return name.lower() in self.names or is_secret_key(name)

    def secret(self, value: str) -> str:
        """Remember ``value`` as a secret (and the forms a server may echo it in) and
        return the mask."""
        if value and value != MASK:
            self._remember(value)
            if "%" in value or "+" in value:
                self._remember(unquote(value.replace("+", " ")))
        return MASK if value else value

    def _remember(self, value: str) -> None:
        """``value`` and, when long enough to scrub safely, its URL-encoded, base64 and
        JSON-escaped forms: an echo of ``?k=sec%20ret`` or of a base64'd password is
        the same secret."""
        self.values.add(value)
        if len(value) < MIN_MASKED_LENGTH:
            return
        raw = value.encode("utf-8", "surrogatepass")
        forms = {quote(value, safe=""), quote(value), quote_plus(value, safe=""), quote_plus(value)}
        for encoded in (base64.b64encode(raw), base64.urlsafe_b64encode(raw)):
            text = encoded.decode("ascii")
            forms.update((text, text.rstrip("=")))
        forms.update((json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]))
        self.values.update(form for form in forms if len(form) >= MIN_MASKED_LENGTH)

    def basic(self, user: str, password: str) -> None:
        """Remember basic credentials in every form a server may echo them."""
        self.secret(password)
        pair = f"{user}:{password}"
        self._remember(pair)  # and its encoded forms
        self.values.add(base64.b64encode(pair.encode("utf-8")).decode("ascii"))

    def _shaped(self, value: str) -> str:
        """``value`` with its key-shaped parts masked (and remembered)."""
        spans = _shape_spans(value) if value else []
        for start, end in spans:
            self.secret(value[start:end])
        return _masked(value, spans) if spans else value

    def header(self, name: str, value: str) -> str:
        lower = name.lower()
        if lower == "cookie":
            return "; ".join(self._cookie_pair(item) for item in value.split(";"))
        if lower == "set-cookie":
            first, sep, attributes = value.partition(";")
            return self._cookie_pair(first) + sep + attributes
        if _is_authorization_name(name):
            return self.credential(value)
        if self.is_secret_name(name) or is_secret_value(value):
            if _is_auth_value(value):  # "Bearer x" where none is expected: x may be echoed alone
                self.credential(value)
            return self.secret(value)
        return value

    def credential(self, value: str) -> str:
        """An Authorization-like header's value masked; a real auth scheme (``Bearer``,
        ``Basic``, ``Digest``, ...) stays visible (the GUI re-applies a token), anything
        else is masked whole; a Basic credential's password and ``user:password`` are
        remembered."""
        scheme, space, credential = value.strip().partition(" ")
        credential = credential.strip()
        if not (space and credential and scheme.lower() in _AUTH_SCHEMES):
            return self.secret(value)
        decoded = _basic_password(credential) if scheme.lower() == "basic" else None
        if decoded is not None:
            user, _colon, password = decoded.partition(":")
            self.basic(user, password)
        return f"{scheme} {self.secret(credential)}"

    def headers(self, headers: Iterable[Sequence[str]]) -> list[list[str]]:
        return [[k, self.header(k, v)] for k, v in headers]

    def _cookie_pair(self, item: str) -> str:
        name, eq, value = item.strip().partition("=")
        return f"{name}={self.secret(value)}" if eq else self.secret(item.strip())

    def pairs(self, pairs: Iterable[Sequence[str]]) -> list[list[str]]:
        """Query, form or multipart pairs with secret names and key-shaped values masked."""
        return [
            [k, self.secret(v) if self.is_secret_name(k) or is_secret_value(v) else v]
            for k, v in pairs
        ]

    def url(self, url: str) -> str:
        """``url`` with its userinfo password, secret query parameters and keys masked."""
        for user, password in _userinfos(url):  # the rule the UI and the server log mask by
            self.basic(user, password)
            if "%" in user or "%" in password:
                self.basic(unquote(user), unquote(password))
        try:
            parts = urlsplit(url)
        except ValueError:  # a URL that could not be sent ("Invalid IPv6 URL"): kept masked
            return self._shaped(mask_url_password(url))
        if parts.query:
            pairs = self.pairs(parse_qsl(parts.query, keep_blank_values=True))
            url = url.replace(parts.query, _form_encode(pairs), 1)
        return self._shaped(mask_url_password(url))

    def json_value(self, value: Any, name: str = "") -> Any:
        """JSON data with secret-named fields and key-shaped strings masked, at any depth.

        Under a secret-named field (``"credentials": {...}``) every value is masked and
        the shape is kept, so a restored request still has the same structure.
        """
        if isinstance(value, dict):
            return {
                k: self.json_value(v, name or self._secret_name(str(k))) for k, v in value.items()
            }
        if isinstance(value, list):
            return [self.json_value(item, name) for item in value]
        if name:
            return self._mask_field(name, value)
        if isinstance(value, str):
            return self._scrub_values(self.text(value))  # a JSON-escaped echo, decoded
        return value

    def _secret_name(self, name: str) -> str:
        return name if self.is_secret_name(name) else ""

    def text(self, value: str) -> str:
        """A free-text value: all of it masked if key-shaped, else its URL passwords and
        key-shaped parts (remembered, so copies elsewhere are scrubbed too)."""
        if _is_auth_value(value) or _KEY_SHAPE.fullmatch(value.strip()):
            return self.secret(value)
        if "://" in value:
            for user, password in _userinfos(value):
                self.basic(user, password)
            value = mask_url_password(value)
        return self._shaped(value)

    def _mask_field(self, name: str, value: Any) -> Any:
        if value is None or value == "":
            return value
        if isinstance(value, str):
            return self.header(name, value)  # "cookie": "sid=****", "authorization": "Bearer ****"
        return self.secret(str(value))

    def text_body(self, text: str, content_type: str) -> str:
        """A body's text with secret fields masked (JSON, form, or JSON-looking pairs)."""
        mime = content_type.split(";", 1)[0].strip().lower()
        if mime == "application/x-www-form-urlencoded":
            pairs = parse_qsl(text, keep_blank_values=True)
            kept = self.pairs(pairs)
            return text if kept == [list(pair) for pair in pairs] else _form_encode(kept)
        try:
            parsed = json.loads(text)
        except (ValueError, RecursionError):
            return self.text(self.free_pairs(self.mask_json_pairs(text)))
        masked = self.json_value(parsed)
        if masked == parsed:
            return text  # nothing secret: the body as it was sent, byte for byte
        return json.dumps(masked, ensure_ascii=False)

    def _json_pair_sub(self, match: re.Match[str]) -> str:
        if not self.is_secret_name(match["key"]):
            return match.group(0)
        return f'"{match["key"]}": "{self.secret(match["value"])}"'

    def mask_json_pairs(self, text: str) -> str:
        """Mask ``"secret_name": "value"`` pairs in text that is not (whole) JSON."""
        return _JSON_PAIR.sub(self._json_pair_sub, text)

    def _secret_pairs(self, text: str) -> list[tuple[int, int, str]]:
        """(start, end, separator-free value) of each secret-named pair's value."""
        found: list[tuple[int, int, str]] = []
        if "=" not in text and ":" not in text:
            return found
        end = 0
        for match in _PAIR_NAME.finditer(text):
            if match.start() < end or not self.is_secret_name(match["name"]):
                continue
            value = _PAIR_VALUE.match(text, match.end())
            if value is None or value.group(0) == MASK:
                continue
            spaced = any(c.isspace() for c in match["sep"])
            if spaced and len(value.group(0)) < 4:
                continue
            found.append((value.start(), value.end(), value.group(0)))
            end = value.end()
        return found

    def has_secret_pairs(self, text: str) -> bool:
        """``text`` holds a pair :meth:`free_pairs` would mask."""
        return bool(self._secret_pairs(text))

    def free_pairs(self, text: str) -> str:
        """Mask ``NAME=VALUE`` / ``NAME: VALUE`` pairs of free text whose NAME is a secret
        name (``login password=hunter2``, ``bad token=abc123``), remembering each value
        long enough to scrub, so its copies elsewhere are masked too."""
        pieces, last = [], 0
        for start, end, value in self._secret_pairs(text):
            if " " in value or "\t" in value:  # "Authorization: Bearer x": the scheme stays
                masked = self.credential(value)
            elif len(value) >= MIN_MASKED_LENGTH:
                masked = self.secret(value)
            else:  # too short to scrub elsewhere without hiding ordinary words
                masked = MASK
            pieces += [text[last:start], masked]
            last = end
        if not pieces:
            return text
        pieces.append(text[last:])
        return "".join(pieces)

    def _ordered(self) -> list[str]:
        if self._order[0] != len(self.values):
            found = sorted((v for v in self.values if len(v) >= _MIN_SCRUB), key=len, reverse=True)
            self._order = (len(self.values), found)
        return self._order[1]

    def _scrub_values(self, text: str) -> str:
        for value in self._ordered():
            if value in text:
                text = text.replace(value, MASK)
        return text

    def scrub(self, text: str) -> str:
        """Replace every remembered secret value inside ``text`` (longest first), and every
        URL password, key-shaped secret and ``password=...`` pair with a secret name."""
        return mask_secret_shapes(mask_url_password(self._scrub_values(self.free_pairs(text))))

    def scrub_bytes(self, data: bytes) -> bytes:
        """:meth:`scrub` for a body kept as bytes (any encoding: the patterns are ASCII)."""
        for value in self._ordered():
            data = data.replace(value.encode("utf-8"), MASK.encode())
        text = data.decode("latin-1")  # byte for byte, so non-UTF-8 bodies survive unchanged
        return mask_secret_shapes(mask_url_password(text)).encode("latin-1")

    def deep_scrub(self, value: Any) -> Any:
        if isinstance(value, str):
            return self.scrub(value)
        if isinstance(value, dict):
            return {self.scrub(str(k)): self.deep_scrub(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [self.deep_scrub(item) for item in value]
        return value


def redact_url(url: str) -> str:
    """``url`` safe to keep: userinfo password, secret query parameters and keys masked."""
    return Redactor().url(url)


def redact_pairs(pairs: Iterable[Sequence[str]]) -> list[list[str]]:
    """Query or form pairs safe to keep (secret names and key-shaped values masked)."""
    return Redactor().pairs(pairs)


def redact_mapping(value: Any) -> Any:
    """JSON data safe to keep: secret-named fields and key-shaped strings masked, recursively."""
    return Redactor().json_value(value)
