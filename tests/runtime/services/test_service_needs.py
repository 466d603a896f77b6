"""Which services a profile needs (issue 12), read from real project layouts: the
profile's URLs and host/port groups first, the compose file for the kinds it lacks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from asgideck.runtime.profiles import EnvFileError, load_profile
from asgideck.runtime.services import ServiceNeed, service_needs, service_problems
from support.projects import PROJECTS, copy_project


@dataclass(frozen=True)
class Want:
    """The fields of a need a case pins (the password is checked separately)."""

    name: str
    kind: str
    host: str
    port: int
    user: str
    database: str
    variables: tuple[str, ...]
    port_variable: str
    local: bool
    source: str = "profile"
    why: str = ""


def _seen(need: ServiceNeed) -> Want:
    return Want(
        need.name,
        need.kind,
        need.host,
        need.port,
        need.user,
        need.database,
        need.variables,
        need.port_variable,
        need.local,
        need.source,
        need.why_not_local,
    )


COMPOSE_NAME_WHY = (
    "host db is a compose service name, not this machine — point DATABASE_URL at "
    "127.0.0.1 to run it here"
)
MYSQL_WHY = "asgideck runs PostgreSQL, Redis and a mail catcher; MySQL is only listed"

# (fixture project, folder the app runs in, profile) -> the needs, in order
LAYOUTS: dict[str, tuple[str, str, str, list[Want]]] = {
    # full-stack-fastapi-template: app in backend/, .env and compose files one level up;
    # SMTP_HOST= (empty) means no mail in the profile, so compose's mailcatcher is it
    "fullstack": (
        "services_fullstack_template",
        "backend",
        "default",
        [
            Want(
                "postgres",
                "postgres",
                "localhost",
                5432,
                "postgres",
                "app",
                ("POSTGRES_SERVER", "POSTGRES_PORT"),
                "POSTGRES_PORT",
                True,
            ),
            Want(
                "mail",
                "mail",
                "127.0.0.1",
                1025,
                "",
                "",
                (),
                "",
                True,
                "../compose.override.yml: service mailcatcher",
            ),
        ],
    ),
    # the course: DATABASE_URL points at the compose service `db`; compose's postgres is
    # not added (the profile wins), its redis is (the profile names none)
    "course": (
        "services_course",
        ".",
        "default",
        [
            Want(
                "postgres",
                "postgres",
                "db",
                5432,
                "user",
                "app",
                ("DATABASE_URL",),
                "DATABASE_URL",
                False,
                why=COMPOSE_NAME_WHY,
            ),
            Want(
                "redis",
                "redis",
                "127.0.0.1",
                6379,
                "",
                "",
                (),
                "",
                True,
                "docker-compose.yml: service redis",
            ),
        ],
    ),
    # Celery: broker, result backend and the app's cache are one Redis
    "celery": (
        "services_celery",
        ".",
        "default",
        [
            Want(
                "redis",
                "redis",
                "localhost",
                6379,
                "",
                "0",
                ("CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "REDIS_URL"),
                "CELERY_BROKER_URL",
                True,
            ),
            Want(
                "postgres",
                "postgres",
                "localhost",
                5432,
                "celery",
                "tasks",
                ("DATABASE_URL",),
                "DATABASE_URL",
                True,
            ),
        ],
    ),
    # postgresql+asyncpg:// built from POSTGRES_* with ${VAR}: one server, both named
    "asyncpg": (
        "services_asyncpg",
        ".",
        "default",
        [
            Want(
                "postgres",
                "postgres",
                "127.0.0.1",
                5433,
                "app",
                "appdb",
                ("DATABASE_URL", "POSTGRES_HOST", "POSTGRES_PORT"),
                "DATABASE_URL",
                True,
            )
        ],
    ),
    # .env.test moves DATABASE_URL to another port: two postgres servers
    "asyncpg-test": (
        "services_asyncpg",
        ".",
        "test",
        [
            Want(
                "postgres",
                "postgres",
                "localhost",
                5434,
                "app",
                "app_test",
                ("DATABASE_URL",),
                "DATABASE_URL",
                True,
            ),
            Want(
                "postgres-2",
                "postgres",
                "127.0.0.1",
                5433,
                "app",
                "appdb",
                ("POSTGRES_HOST", "POSTGRES_PORT"),
                "POSTGRES_PORT",
                True,
            ),
        ],
    ),
    "mysql": (
        "services_mysql",
        ".",
        "default",
        [
            Want(
                "mysql",
                "mysql",
                "localhost",
                3306,
                "shop",
                "shop",
                ("DATABASE_URL",),
                "DATABASE_URL",
                False,
                why=MYSQL_WHY,
            )
        ],
    ),
    # no .env at all: the compose file's redis, on its published host port
    "compose-only": (
        "services_compose_only",
        ".",
        "default",
        [
            Want(
                "redis",
                "redis",
                "127.0.0.1",
                6380,
                "",
                "",
                (),
                "",
                True,
                "compose.yaml: service cache",
            )
        ],
    ),
}


@pytest.mark.parametrize("case", list(LAYOUTS))
def test_real_layouts(case: str) -> None:
    project, folder, profile, want = LAYOUTS[case]
    root = PROJECTS / project / folder
    needs = service_needs(root, profile)
    assert [_seen(n) for n in needs] == want
    assert service_problems(root, profile) == []


def test_passwords_are_read_but_never_shown() -> None:
    fullstack = service_needs(PROJECTS / "services_fullstack_template" / "backend", "default")
    assert fullstack[0].password == "changethis"
    asyncpg_test = service_needs(PROJECTS / "services_asyncpg", "test")
    assert asyncpg_test[0].password == "test@pw"  # percent-decoded, as the driver reads it
    course = service_needs(PROJECTS / "services_course", "default")
    for need in [*fullstack, *asyncpg_test, *course]:
        shown = f"{need!r} {need.describe()} {need.label} {need.why_not_local}"
        assert not need.password or need.password not in shown


def test_env_given_by_the_caller_is_read_instead_of_the_files() -> None:
    root = PROJECTS / "services_fullstack_template" / "backend"
    env = load_profile(root, "default").environ()
    # run the backend outside docker against compose's mailcatcher
    env |= {"SMTP_HOST": "localhost", "SMTP_PORT": "1025", "SMTP_USER": "u", "SMTP_PASSWORD": "p"}
    needs = service_needs(root, "default", env)
    mail = next(n for n in needs if n.kind == "mail")
    assert (mail.host, mail.port, mail.user, mail.source) == ("localhost", 1025, "u", "profile")
    assert mail.variables == ("SMTP_HOST", "SMTP_PORT")
    assert mail.port_variable == "SMTP_PORT"
    assert [n.kind for n in needs] == ["postgres", "mail"]  # compose's mailcatcher not added


def _project(tmp_path: Path, env: str, compose: str | None = None) -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".env").write_text(env, encoding="utf-8")
    if compose is not None:
        (root / "compose.yaml").write_text(compose, encoding="utf-8")
    return root


def _brief(needs: list[ServiceNeed]) -> list[tuple[str, str, int, tuple[str, ...], bool]]:
    return [(n.name, n.host, n.port, n.variables, n.local) for n in needs]


# .env text -> (name, host, port, variables, local) of each need
ENV_CASES: dict[str, tuple[str, list[tuple[str, str, int, tuple[str, ...], bool]]]] = {
    "default ports and loopback aliases are one server": (
        "A_URL=redis://127.0.0.1/0\nB_URL=redis://localhost:6379/3\n",
        [("redis", "127.0.0.1", 6379, ("A_URL", "B_URL"), True)],
    ),
    "another port is a second need": (
        "REDIS_URL=redis://localhost:6379/0\nCACHE_URL=redis://localhost:6390/0\n",
        [
            ("redis", "localhost", 6379, ("REDIS_URL",), True),
            ("redis-2", "localhost", 6390, ("CACHE_URL",), True),
        ],
    ),
    "url and host group naming one server merge, URL first": (
        "POSTGRES_SERVER=localhost\nPOSTGRES_PORT=5432\n"
        "SQLALCHEMY_DATABASE_URI=postgresql+psycopg2://app:pw@127.0.0.1:5432/app\n",
        [
            (
                "postgres",
                "127.0.0.1",
                5432,
                ("SQLALCHEMY_DATABASE_URI", "POSTGRES_SERVER", "POSTGRES_PORT"),
                True,
            )
        ],
    ),
    "a remote host is listed, not local": (
        "DATABASE_URL=postgres://app:pw@db.example.com/app\n",
        [("postgres", "db.example.com", 5432, ("DATABASE_URL",), False)],
    ),
    "http urls, sqlite and redis+sentinel are not services": (
        "SENTRY_DSN=https://abc@o1.ingest.sentry.io/1\nDATABASE_URL=sqlite:///./app.db\n"
        "CACHE_URL=redis+sentinel://localhost:26379/mymaster\nAPI_URL=http://localhost:9000\n",
        [],
    ),
    "fastapi-mail's MAIL_SERVER without a port": (
        "MAIL_SERVER=localhost\nMAIL_USERNAME=me\nMAIL_PASSWORD=secret\n",
        [("mail", "localhost", 25, ("MAIL_SERVER",), True)],
    ),
    "smtp url and redis host group": (
        "SMTP_URL=smtp://127.0.0.1:1025\nREDIS_HOST=127.0.0.1\nREDIS_PORT=6400\n",
        [
            ("mail", "127.0.0.1", 1025, ("SMTP_URL",), True),
            ("redis", "127.0.0.1", 6400, ("REDIS_HOST", "REDIS_PORT"), True),
        ],
    ),
    "rediss asks for TLS: listed, not local": (
        "REDIS_URL=rediss://localhost:6380/0\n",
        [("redis", "localhost", 6380, ("REDIS_URL",), False)],
    ),
}


@pytest.mark.parametrize("case", list(ENV_CASES))
def test_profile_variables(tmp_path: Path, case: str) -> None:
    text, want = ENV_CASES[case]
    root = _project(tmp_path, text)
    assert _brief(service_needs(root, "default")) == want
    assert service_problems(root, "default") == []


def test_why_not_local_says_what_to_do(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "DATABASE_URL=postgres://app:pw@db.example.com/app\nREDIS_URL=rediss://localhost/0\n",
    )
    postgres, redis = service_needs(root, "default")
    assert postgres.why_not_local == "host db.example.com is not this machine"
    assert "rediss://" in redis.why_not_local and "REDIS_URL" in redis.why_not_local


def test_a_postgres_need_without_user_or_database_gets_the_server_defaults(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path, "POSTGRES_HOST=localhost\n")
    (need,) = service_needs(root, "default")
    assert (need.user, need.database, need.port, need.port_variable) == (
        "postgres",
        "postgres",
        5432,
        "POSTGRES_PORT",  # the variable a new port would be written to
    )


# .env text -> the problem line (and no need for it)
PROBLEMS: dict[str, tuple[str, str]] = {
    "url port not a number": (
        "DATABASE_URL=postgresql://app:hunter22@localhost:54x2/app\n",
        "postgres (DATABASE_URL) in .env: port '54x2' is not a port number (1-65535) in "
        "'postgresql://app:****@localhost:54x2/app'",
    ),
    "url port out of range": (
        "REDIS_URL=redis://:hunter22@localhost:70000/0\n",
        "redis (REDIS_URL) in .env: port '70000' is not a port number (1-65535) in "
        "'redis://:****@localhost:70000/0'",
    ),
    "host group port not a number": (
        "POSTGRES_SERVER=localhost\nPOSTGRES_PORT=five\nPOSTGRES_PASSWORD=hunter22\n",
        "postgres (POSTGRES_PORT) in .env: port 'five' is not a port number (1-65535)",
    ),
    "unix socket url": (
        "DATABASE_URL=postgresql://app:hunter22@/app\n",
        "postgres (DATABASE_URL) in .env: 'postgresql://app:****@/app' names no host "
        "(a Unix socket); asgideck runs services on TCP: put 127.0.0.1 in it",
    ),
    "not a url": (
        "DATABASE_URL=postgresql:/app\n",
        "postgres (DATABASE_URL) in .env: 'postgresql:/app' is not a URL "
        "(postgresql://host:port/…)",
    ),
}


@pytest.mark.parametrize("case", list(PROBLEMS))
def test_malformed_values_are_a_problem_line_not_a_need(tmp_path: Path, case: str) -> None:
    text, line = PROBLEMS[case]
    root = _project(tmp_path, text)
    assert service_needs(root, "default") == []
    problems = service_problems(root, "default")
    assert problems == [line]
    assert "hunter22" not in problems[0]


COMPOSE_BITNAMI = """\
services:
  pg:
    image: docker.io/bitnami/postgresql:16
    ports: ["${PG_PORT:-5440}:5432"]
    environment:
      POSTGRESQL_USERNAME: shop
      POSTGRESQL_PASSWORD: ${PG_PASSWORD}
      POSTGRESQL_DATABASE: shop
  cache:
    image: valkey/valkey:8
    command: ["valkey-server", "--requirepass", "cache-pw"]
    ports:
      - target: 6379
        published: "6381"
  mail:
    image: axllent/mailpit
    ports: ["127.0.0.1:8025:8025", "127.0.0.1:1026:1025"]
  ui:
    image: adminer
"""


def test_compose_images_ports_and_credentials(tmp_path: Path) -> None:
    root = _project(tmp_path, "PG_PASSWORD=pg-pw\nAPP_NAME=shop\n", COMPOSE_BITNAMI)
    needs = service_needs(root, "default")
    assert [(n.name, n.host, n.port, n.source) for n in needs] == [
        ("postgres", "127.0.0.1", 5440, "compose.yaml: service pg"),
        ("redis", "127.0.0.1", 6381, "compose.yaml: service cache"),
        ("mail", "127.0.0.1", 1026, "compose.yaml: service mail"),
    ]
    postgres, redis, _mail = needs
    assert (postgres.user, postgres.password, postgres.database) == ("shop", "pg-pw", "shop")
    assert redis.password == "cache-pw"
    assert all(n.variables == () and n.port_variable == "" and n.local for n in needs)


def test_an_unreadable_compose_file_is_a_problem_line(tmp_path: Path) -> None:
    root = _project(tmp_path, "REDIS_URL=redis://localhost:6379/0\n", "services: [unclosed\n")
    assert [n.name for n in service_needs(root, "default")] == ["redis"]
    (problem,) = service_problems(root, "default")
    assert problem.startswith(f"{root / 'compose.yaml'}: not valid YAML")
    assert "\n" not in problem


def test_a_missing_named_profile_is_still_an_error(tmp_path: Path) -> None:
    root = copy_project("services_compose_only", tmp_path)
    with pytest.raises(EnvFileError, match="no profile 'staging'"):
        service_needs(root, "staging")


def test_compose_credentials_resolve_from_the_env_beside_it() -> None:
    """full-stack-fastapi-template's ``db`` takes ``${POSTGRES_PASSWORD?Variable not set}``
    from the .env; it is read when the profile names no postgres itself."""
    root = PROJECTS / "services_fullstack_template" / "backend"
    env = load_profile(root, "default").environ()
    del env["POSTGRES_SERVER"]
    postgres, mail = service_needs(root, "default", env)
    assert (postgres.host, postgres.port, postgres.source) == (
        "127.0.0.1",
        5432,
        "../compose.yml: service db",  # the image is named there; the port in the override
    )
    assert (postgres.user, postgres.password, postgres.database) == (
        "postgres",
        "changethis",
        "app",
    )
    assert mail.source == "../compose.override.yml: service mailcatcher"


def test_an_override_environment_is_resolved_with_the_profile(tmp_path: Path) -> None:
    compose = (
        "services:\n  db:\n    image: postgres:16-alpine\n"
        "    environment:\n      - POSTGRES_USER=${DB_USER}\n"
    )
    root = _project(tmp_path, "DB_USER=shop\nDB_PASSWORD=shop-pw\n", compose)
    (root / "compose.override.yaml").write_text(
        'services:\n  db:\n    ports: ["5499:5432"]\n'
        "    environment:\n      POSTGRES_PASSWORD: ${DB_PASSWORD}\n",
        encoding="utf-8",
    )
    (postgres,) = service_needs(root, "default")
    assert (postgres.port, postgres.user, postgres.password, postgres.database) == (
        5499,
        "shop",
        "shop-pw",
        "shop",
    )


MAIL_TLS = {
    "smtp_tls": (
        "SMTP_HOST=localhost\nSMTP_PORT=587\nSMTP_TLS=True\nSMTP_SSL=False\n",
        "mail (SMTP_HOST, SMTP_PORT): the catcher speaks plain SMTP; set SMTP_TLS=False "
        "in .env to send to it",
    ),
    "smtp_ssl": (
        "SMTP_HOST=127.0.0.1\nSMTP_PORT=465\nSMTP_SSL=1\n",
        "mail (SMTP_HOST, SMTP_PORT): the catcher speaks plain SMTP; set SMTP_SSL=False "
        "in .env to send to it",
    ),
    "fastapi_mail": (
        "MAIL_SERVER=localhost\nMAIL_PORT=1025\nMAIL_STARTTLS=true\nMAIL_SSL_TLS=false\n",
        "mail (MAIL_SERVER, MAIL_PORT): the catcher speaks plain SMTP; set MAIL_STARTTLS=False "
        "in .env to send to it",
    ),
    "django": (
        "EMAIL_HOST=localhost\nEMAIL_PORT=1025\nEMAIL_USE_TLS=yes\n",
        "mail (EMAIL_HOST, EMAIL_PORT): the catcher speaks plain SMTP; set EMAIL_USE_TLS=False "
        "in .env to send to it",
    ),
}


def _sub(tmp_path: Path, name: str) -> Path:
    folder = tmp_path / name
    folder.mkdir()
    return folder


@pytest.mark.parametrize("case", list(MAIL_TLS))
def test_a_local_mail_need_asking_for_tls_is_a_problem_line_and_stays_listed(
    tmp_path: Path, case: str
) -> None:
    text, line = MAIL_TLS[case]
    root = _project(tmp_path, text)
    (mail,) = service_needs(root, "default")
    assert mail.kind == "mail" and mail.local
    assert service_problems(root, "default") == [line]


def test_tls_flags_that_are_false_or_for_a_remote_server_say_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path, "SMTP_HOST=localhost\nSMTP_PORT=1025\nSMTP_TLS=False\n")
    assert service_problems(root, "default") == []
    remote = _project(_sub(tmp_path, "r"), "SMTP_HOST=smtp.example.com\nSMTP_TLS=True\n")
    assert service_problems(remote, "default") == []


COMPOSE_DB_AND_CACHE = """\
services:
  db:
    image: postgres:16
    ports: ["45998:5432"]
  cache:
    image: redis:7
"""


def test_a_profile_naming_a_sqlite_database_gets_no_compose_postgres(tmp_path: Path) -> None:
    root = _project(tmp_path, "DATABASE_URL=sqlite:///./app.db\n", COMPOSE_DB_AND_CACHE)
    assert [n.kind for n in service_needs(root, "default")] == ["redis"]
    aio = _project(
        _sub(tmp_path, "aio"),
        "SQLALCHEMY_DATABASE_URI=sqlite+aiosqlite:///x.db\n",
        COMPOSE_DB_AND_CACHE,
    )
    assert [n.kind for n in service_needs(aio, "default")] == ["redis"]
    cache = _project(
        _sub(tmp_path, "cache"),
        "DATABASE_URL=sqlite:///./app.db\nCACHE_URL=locmem://\n",
        COMPOSE_DB_AND_CACHE,
    )
    assert service_needs(cache, "default") == []
    # a Postgres URL still wins over the compose file, a remote one too
    pg = _project(
        _sub(tmp_path, "pg"),
        "DATABASE_URL=postgresql://a:b@db.example.com/app\n",
        COMPOSE_DB_AND_CACHE,
    )
    assert [(n.kind, n.host) for n in service_needs(pg, "default")] == [
        ("postgres", "db.example.com"),
        ("redis", "127.0.0.1"),
    ]


def test_a_compose_service_publishing_no_port_is_listed_with_a_note(tmp_path: Path) -> None:
    root = _project(tmp_path, "APP=1\n", COMPOSE_DB_AND_CACHE)
    postgres, redis = service_needs(root, "default")
    assert (postgres.port, redis.port) == (45998, 6379)
    assert service_problems(root, "default") == [
        "redis (compose.yaml: service cache): publishes no port, so only other compose "
        "services reach it, not an app outside docker; asgideck would run it on "
        "127.0.0.1:6379, its port in the container"
    ]
