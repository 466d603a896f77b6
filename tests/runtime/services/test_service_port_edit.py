"""Writing a service's new port back into the profile (issue 12: the user moves a service
off a taken port): only the digits change, every variable carrying the port changes,
and a port no profile file holds is refused with a line naming the files."""

from __future__ import annotations

from pathlib import Path

import pytest

from asgideck.runtime.services import ServiceError, ServiceNeed, service_needs, write_port
from support.projects import copy_project


def _need(root: Path, profile: str, name: str) -> ServiceNeed:
    return next(n for n in service_needs(root, profile) if n.name == name)


def test_every_url_naming_the_server_gets_the_port_and_nothing_else_changes(
    tmp_path: Path,
) -> None:
    root = copy_project("services_celery", tmp_path)
    before = (root / ".env").read_bytes()
    redis = _need(root, "default", "redis")

    written = write_port(root, "default", redis, 6390)

    assert written == root / ".env"
    # comments, the quotes, the trailing comment and the other lines: byte for byte
    assert (root / ".env").read_bytes() == before.replace(b"localhost:6379", b"localhost:6390")
    again = _need(root, "default", "redis")
    assert (again.port, again.variables) == (6390, redis.variables)
    assert _need(root, "default", "postgres").port == 5432  # another service: untouched


def test_full_stack_template_port_variable_in_the_env_above_the_backend(tmp_path: Path) -> None:
    project = copy_project("services_fullstack_template", tmp_path)
    root = project / "backend"
    before = (project / ".env").read_text(encoding="utf-8")
    postgres = _need(root, "default", "postgres")

    written = write_port(root, "default", postgres, 55432)

    assert written.resolve() == (project / ".env").resolve()
    after = (project / ".env").read_text(encoding="utf-8")
    assert after == before.replace("POSTGRES_PORT=5432\n", "POSTGRES_PORT=55432\n")
    assert _need(root, "default", "postgres").port == 55432


def test_a_url_built_from_variables_changes_the_port_variable_only(tmp_path: Path) -> None:
    root = copy_project("services_asyncpg", tmp_path)
    before = (root / ".env").read_text(encoding="utf-8")
    test_file = (root / ".env.test").read_bytes()
    postgres = _need(root, "default", "postgres")
    assert postgres.port_variable == "DATABASE_URL"  # ${POSTGRES_PORT} inside it

    write_port(root, "default", postgres, 6543)

    after = (root / ".env").read_text(encoding="utf-8")
    assert after == before.replace("POSTGRES_PORT=5433\n", "POSTGRES_PORT=6543\n")
    assert "@${POSTGRES_HOST}:${POSTGRES_PORT}/" in after
    assert (root / ".env.test").read_bytes() == test_file
    assert _need(root, "default", "postgres").port == 6543


def test_a_profile_layer_is_edited_where_its_value_comes_from(tmp_path: Path) -> None:
    root = copy_project("services_asyncpg", tmp_path)
    base = (root / ".env").read_bytes()
    before = (root / ".env.test").read_text(encoding="utf-8")

    written = write_port(root, "test", _need(root, "test", "postgres"), 5499)

    assert written == root / ".env.test"
    after = (root / ".env.test").read_text(encoding="utf-8")
    # the percent-encoded password stays as written
    assert after == before.replace("@localhost:5434/", "@localhost:5499/")
    assert (root / ".env").read_bytes() == base
    assert _need(root, "test", "postgres-2").port == 5433


def _project(tmp_path: Path, text: str, name: str = ".env") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / name).write_bytes(text.encode("utf-8"))
    return root


def test_a_url_without_a_port_gets_one_after_its_host(tmp_path: Path) -> None:
    root = _project(
        tmp_path,
        "# no port: the default\nDATABASE_URL=postgres://app:pw@localhost/app?sslmode=disable\n",
    )
    write_port(root, "default", _need(root, "default", "postgres"), 5440)
    assert (root / ".env").read_text(encoding="utf-8") == (
        "# no port: the default\nDATABASE_URL=postgres://app:pw@localhost:5440/app?sslmode=disable\n"
    )


def test_a_host_without_a_port_variable_gets_one_in_the_same_file(tmp_path: Path) -> None:
    root = _project(tmp_path, "SMTP_HOST=127.0.0.1\nEMAILS_FROM_EMAIL=info@example.com\n")
    mail = _need(root, "default", "mail")
    assert (mail.port, mail.port_variable) == (25, "SMTP_PORT")
    write_port(root, "default", mail, 2525)
    assert (root / ".env").read_text(encoding="utf-8") == (
        "SMTP_HOST=127.0.0.1\nEMAILS_FROM_EMAIL=info@example.com\nSMTP_PORT=2525\n"
    )


def test_url_and_port_variable_of_one_server_both_change(tmp_path: Path) -> None:
    text = (
        "export POSTGRES_SERVER=localhost\r\n"
        "POSTGRES_PORT='5432'  # the dev database\r\n"
        'DATABASE_URL="postgresql+psycopg://app:pw@localhost:5432/app"\r\n'
    )
    root = _project(tmp_path, text)
    postgres = _need(root, "default", "postgres")
    assert postgres.variables == ("DATABASE_URL", "POSTGRES_SERVER", "POSTGRES_PORT")
    write_port(root, "default", postgres, 5555)
    assert (root / ".env").read_bytes() == text.replace("5432", "5555").encode("utf-8")


def test_a_starlette_config_file_keeps_its_inline_comment(tmp_path: Path) -> None:
    """starlette's ``Config`` keeps ``# …`` in the value; the edit changes the URL only."""
    text = "REDIS_URL=redis://localhost:6379/0  # the cache\n"
    root = _project(tmp_path, text)
    (root / "app.py").write_text(
        'from starlette.config import Config\n\nconfig = Config(".env")\n', encoding="utf-8"
    )
    write_port(root, "default", _need(root, "default", "redis"), 6390)
    assert (root / ".env").read_text(encoding="utf-8") == text.replace("6379", "6390")


def test_a_compose_service_port_is_refused_naming_the_compose_file(tmp_path: Path) -> None:
    root = copy_project("services_compose_only", tmp_path)
    redis = _need(root, "default", "redis")
    with pytest.raises(ServiceError) as caught:
        write_port(root, "default", redis, 6390)
    message = str(caught.value)
    assert message == (
        "redis (compose.yaml: service cache): its port is set in compose.yaml: service cache, "
        "not by a variable of profile 'default'; change it there; the port was not written"
    )
    assert caught.value.service == "redis"


def test_a_variable_in_no_profile_file_is_refused_and_nothing_is_written(
    tmp_path: Path,
) -> None:
    text = "# shared\nCELERY_BROKER_URL=redis://localhost:6379/0\n"
    root = _project(tmp_path, text)
    # the caller's environment adds a variable no profile file has (e.g. from the shell)
    env = {
        "CELERY_BROKER_URL": "redis://localhost:6379/0",
        "REDIS_URL": "redis://:s3cret-pw@localhost:6379/1",
    }
    (redis,) = service_needs(root, "default", env)
    assert redis.variables == ("CELERY_BROKER_URL", "REDIS_URL")
    with pytest.raises(ServiceError) as caught:
        write_port(root, "default", redis, 6390)
    message = str(caught.value)
    assert message == (
        "redis (CELERY_BROKER_URL, REDIS_URL): REDIS_URL is not in any file of profile "
        "'default' (.env); the port was not written"
    )
    assert "s3cret" not in message and "\n" not in message
    assert (root / ".env").read_text(encoding="utf-8") == text  # all or nothing


def test_a_port_out_of_range_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path, "REDIS_URL=redis://localhost:6379/0\n")
    with pytest.raises(ServiceError, match=r"^redis \(REDIS_URL\): 70000 is not a port number"):
        write_port(root, "default", _need(root, "default", "redis"), 70000)


def test_an_empty_port_variable_is_filled_in(tmp_path: Path) -> None:
    root = _project(tmp_path, "REDIS_HOST=localhost\nREDIS_PORT=\n")
    redis = _need(root, "default", "redis")
    assert (redis.port, redis.port_variable) == (6379, "REDIS_PORT")
    write_port(root, "default", redis, 6390)
    assert (root / ".env").read_text(encoding="utf-8") == "REDIS_HOST=localhost\nREDIS_PORT=6390\n"
