"""Secret values are masked by key name and by URL password; names never are."""

from __future__ import annotations

import pytest

from asgideck.runtime.secrets import (
    MASK,
    SECRET_WORDS,
    Redactor,
    is_secret_key,
    mask_url_password,
    mask_value,
)


@pytest.mark.parametrize(
    "key",
    [
        "SECRET_KEY",
        "API_KEY",
        "JWT_SECRET",
        "DB_PASSWORD",
        "POSTGRES_PASSWD",
        "MYSQL_PWD",
        "GITHUB_TOKEN",
        "ACCESS_TOKENS",
        "AWS_SECRET_ACCESS_KEY",
        "GOOGLE_APPLICATION_CREDENTIALS",
        "PRIVATE_KEY_PEM",
        "AUTH_HEADER",
        "PASSWORD_SALT",
        "secret_key",
        "stripe-api-key",
        "app.secret",
        "dbPassword",
        "apiKey",
        "APIKEY",
        "DBPASSWORD",
        "GITHUBTOKEN",
        "SSH_PASSPHRASE",
    ],
)
def test_secret_looking_keys_are_secret(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    "key",
    [
        "MONKEY",
        "KEYBOARD_LAYOUT",
        "DEBUG",
        "DATABASE_URL",
        "APP_NAME",
        "AUTHOR",
        "JWT_ALGORITHM",
        "EXPIRE_MINUTES",
        "PWD",
        "OLDPWD",
        "",
    ],
)
def test_ordinary_keys_are_not_secret(key: str) -> None:
    assert not is_secret_key(key)


def test_every_listed_word_is_secret_on_its_own() -> None:
    assert all(is_secret_key(f"MY_{word}") for word in SECRET_WORDS)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("postgresql://user:pw@host/db", "postgresql://user:****@host/db"),
        (
            "postgresql+asyncpg://app:s3cr3t@db:5432/app",
            "postgresql+asyncpg://app:****@db:5432/app",
        ),
        ("redis://:hunter2@localhost:6379/0", "redis://:****@localhost:6379/0"),
        ("mysql://u:p@ss:w@rd@host/db", "mysql://u:****@host/db"),
        ("amqp://guest@rabbit//", "amqp://guest@rabbit//"),
        ("https://example.com/path?x=1", "https://example.com/path?x=1"),
        ("https://example.com/@user", "https://example.com/@user"),
        ("sqlite:///./app.db", "sqlite:///./app.db"),
        ("a://u:1@h,b://v:2@k", "a://u:****@h,b://v:****@k"),
        ("not a url: user:pw@host", "not a url: user:pw@host"),
        ("", ""),
    ],
)
def test_url_passwords_are_masked(value: str, expected: str) -> None:
    assert mask_url_password(value) == expected


def test_a_masked_url_keeps_nothing_of_the_password() -> None:
    masked = mask_url_password("postgresql://admin:Tr0ub4dor&3@db.internal:5432/prod")
    assert "Tr0ub4dor" not in masked
    assert masked.startswith("postgresql://admin:****@db.internal")


def test_secret_keys_hide_the_whole_value_and_not_its_length() -> None:
    assert mask_value("SECRET_KEY", "x" * 64) == MASK
    assert mask_value("SECRET_KEY", "x") == MASK


def test_empty_and_missing_values_stay_visibly_empty() -> None:
    assert mask_value("SECRET_KEY", "") == ""
    assert mask_value("SECRET_KEY", None) == ""
    assert mask_value("APP_NAME", None) == ""


def test_ordinary_values_are_shown_but_their_url_passwords_are_not() -> None:
    assert mask_value("APP_NAME", "demo") == "demo"
    assert mask_value("DATABASE_URL", "postgresql://u:pw@h/db") == "postgresql://u:****@h/db"


def test_password_pairs_inside_a_value_are_masked() -> None:
    dsn = "host=db user=app password=hunter2 dbname=prod"
    assert mask_value("PG_CONNINFO", dsn) == "host=db user=app password=**** dbname=prod"
    assert mask_value("BROKER", "https://h/x?user=a&password=b&y=1") == (
        "https://h/x?user=a&password=****&y=1"
    )


def test_long_values_are_scanned_once() -> None:
    # A backtracking scan per character would take minutes here; one pass takes milliseconds.
    long_word = "b" * 200_000
    value = f"password={long_word} {long_word}://u:pw@host"
    assert mask_value("K", value) == f"password=**** {long_word}://u:****@host"


@pytest.mark.parametrize(
    "key",
    [
        "ACCESS_TOKEN_EXPIRE_MINUTES",
        "CORS_ALLOW_CREDENTIALS",
        "SECRET_KEY_FILE",
        "TOKEN_URL",
        "JWT_ALGORITHM",
        "PASSWORD_MIN_LENGTH",
    ],
)
def test_keys_that_describe_a_secret_are_not_masked(key: str) -> None:
    assert not is_secret_key(key)


@pytest.mark.parametrize(
    "key", ["ACCESS_TOKEN", "JWT_SECRET_KEY", "REFRESH_TOKEN_SECRET", "API_KEYS"]
)
def test_the_secrets_themselves_still_are(key: str) -> None:
    assert is_secret_key(key)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("login password=hunter2", "login password=****"),
        ("user token=abcdEFGH1234 ok", "user token=**** ok"),
        ("bad token: abcdEFGH1234", "bad token: ****"),
        ("{'password': 'hunter22'}", "{'password': '****'}"),
        ("x=password=hunter3&y=1", "x=password=****&y=1"),
        ("see https://h/x?api_key=zzzzzz", "see https://h/x?api_key=****"),
        ("Authorization: Bearer abcdefgh123", "Authorization: Bearer ****"),
        ("dbPassword=pw!", "dbPassword=****"),
    ],
)
def test_secret_named_pairs_in_free_text_are_masked(text: str, expected: str) -> None:
    assert Redactor().scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "token = get_token()",  # source lines of a traceback: code, not secrets
        "def login(token: str = Depends(scheme)):",
        "password: Optional[str] = None",
        "token_type: bearer",  # a name that describes a secret
        "status: ok path=/items/7 monkey=banana",
        "password=****",
        "12:30:45 session expired",
    ],
)
def test_ordinary_pairs_and_code_stay_as_written(text: str) -> None:
    assert Redactor().scrub(text) == text


def test_a_pairs_value_is_remembered_so_its_copies_are_scrubbed() -> None:
    redactor = Redactor()
    assert redactor.scrub("session: abcdefgh1 then abcdefgh1") == "session: **** then ****"
    assert redactor.scrub("echo abcdefgh1") == "echo ****"
    assert redactor.text_body("password=PW2&x=1", "text/plain") == "password=****&x=1"
    assert redactor.has_secret_pairs("a token=xyz1") and not redactor.has_secret_pairs("a b=c")


def test_a_body_with_nothing_secret_is_kept_byte_for_byte() -> None:
    """Copy as curl and Open in Try send a recorded body as it was: no re-serialising."""
    from asgideck.runtime.secrets import Redactor

    redactor = Redactor()
    compact = '{"name":"walk item","price":3.5}'
    assert redactor.text_body(compact, "application/json") == compact
    form = "name=walk+item&price=3.5"
    assert redactor.text_body(form, "application/x-www-form-urlencoded") == form
    masked = redactor.text_body('{"name":"x","password":"hunter22"}', "application/json")
    assert "hunter22" not in masked and "****" in masked
    masked_form = redactor.text_body(
        "user=a&password=hunter22", "application/x-www-form-urlencoded"
    )
    assert "hunter22" not in masked_form
