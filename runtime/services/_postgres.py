"""PostgreSQL as a local service: ``initdb`` once into the data folder, ``postgres`` in
the foreground on the profile's loopback port, ready when the profile's role answers
``SELECT 1``.

The cluster's superuser is ``asgideck`` with a random password kept in the data folder
(``superuser``, 0600, never in argv or logs); it creates the profile's role (LOGIN
CREATEDB, the password sent as a SCRAM verifier, never as text) and database (owned
by that role) on the first start, and sets the role's password when the user asks
for it. A profile that names no password gets its role trusted on loopback (the
only lines asgideck keeps in ``pg_hba.conf``); every other login needs its password.
There is no unix socket (``unix_socket_directories=''``): nothing to clash with a system
Postgres and no socket path length limit. As root the cluster is owned by, and runs
as, the ``postgres`` user: PostgreSQL refuses to run as root.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import secrets
import shutil
import signal
import subprocess
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from asgideck.runtime.services._binaries import (
    RunAs,
    find_all,
    find_program,
    install_hint,
    listen_host,
    run_as_user,
)
from asgideck.runtime.services._errors import (
    BinaryMissing,
    CredentialsRejected,
    NotReady,
    ServiceError,
)
from asgideck.runtime.services._types import ServiceKind, ServiceNeed

if TYPE_CHECKING:  # psycopg costs ~0.2 s to import: only when a Postgres is run
    import psycopg
    from psycopg import sql

__all__ = ["SUPERUSER", "PostgresEngine", "cluster_dir", "superuser_file"]

#: the cluster's own superuser (not the profile's role)
SUPERUSER = "asgideck"
#: the user PostgreSQL runs as when asgideck runs as root
SYSTEM_USER = "postgres"
_INITDB_TIMEOUT = 120.0
_ADMIN_TIMEOUT = 10.0
_VERSION = re.compile(r"\(PostgreSQL\)\s+(\d+)")
# Server messages (lc_messages is C: initdb --locale=C) that mean "these credentials
# are not the ones the data knows" / "the role or its database is not there yet" (a
# trusted role that does not exist; a password role that does not exist fails auth).
_AUTH_FAILED = "password authentication failed"
_NOT_YET = re.compile(r'(database|role) ".*" does not exist')
# the lines of pg_hba.conf asgideck keeps (see _trust_passwordless)
_HBA_BEGIN = "# asgideck: begin (rewritten at every start from the profile)"
_HBA_END = "# asgideck: end"


def cluster_dir(data_dir: Path) -> Path:
    """The PostgreSQL data directory (``initdb -D``) inside asgideck's data folder."""
    return data_dir / "pgdata"


def superuser_file(data_dir: Path) -> Path:
    """The superuser's password: 0600, owned by the user Postgres runs as."""
    return data_dir / "superuser"


class PostgresEngine:
    """The ``Engine`` for ``postgres`` needs."""

    kind: ServiceKind = "postgres"
    #: SIGINT is PostgreSQL's fast shutdown (SIGTERM waits for every client to leave)
    stop_signal: ClassVar[signal.Signals] = signal.SIGINT

    def __init__(self) -> None:
        #: the needs whose last check found nothing for :meth:`first_ready` to do (the
        #: role logs in to its database, which it owns): the everyday start skips the
        #: superuser's connection and a second check
        self._settled: set[tuple[int, str, str]] = set()

    def run_as(self) -> str | None:
        return SYSTEM_USER if _is_root() else None

    def check_installed(self, need: ServiceNeed) -> None:
        self._bindir(need, None)
        if _is_root():
            run_as_user(SYSTEM_USER, need.label)

    def prepare(self, need: ServiceNeed, data_dir: Path) -> None:
        account = run_as_user(SYSTEM_USER, need.label) if _is_root() else None
        if account is not None:
            _check_reachable(need, data_dir, account)
        data_dir.mkdir(parents=True, exist_ok=True)
        if account is not None:
            os.chown(data_dir, account.uid, account.gid)
        data_dir.chmod(0o700)
        cluster = cluster_dir(data_dir)
        bindir = self._bindir(need, data_dir)
        if not (cluster / "PG_VERSION").is_file():
            _initdb(need, data_dir, bindir, account)
        _trust_passwordless(need, cluster)

    def argv(self, need: ServiceNeed, data_dir: Path) -> list[str]:
        bindir = self._bindir(need, data_dir)
        return [
            str(bindir / "postgres"),
            "-D",
            str(cluster_dir(data_dir)),
            "-p",
            str(need.port),
            "-c",
            f"listen_addresses={listen_host(need.host)}",
            "-c",
            "unix_socket_directories=",
            "-c",
            "logging_collector=off",
        ]

    def ready(self, need: ServiceNeed, data_dir: Path, timeout: float) -> None:
        refused = self._refusal(need, timeout)
        if refused is None:
            return
        # Refused: on the first start the role or its database is not there yet.
        with self._admin(need, data_dir, timeout) as admin:
            role = _role_exists(admin, _user(need))
        if role and _AUTH_FAILED in refused:
            raise CredentialsRejected(
                f"{need.label}: password authentication failed for user '{_user(need)}' — the "
                f"data in {data_dir} was set up with another password; set the old one back in "
                f"{' / '.join(need.variables) or need.source}, or let asgideck set the role's "
                "password to the profile's (services start --reset-password)",
                service=need.name,
                variables=need.variables,
            )

    def _refusal(self, need: ServiceNeed, timeout: float) -> str | None:
        """None when the profile's role answers ``SELECT 1``; the server's words when it
        refuses the role or its database; ``NotReady`` when it does not answer yet."""
        import psycopg

        self._settled.discard(_key(need))
        try:
            with _connect(need, _user(need), need.password, _database(need), timeout) as conn:
                # SELECT 1, and on the same connection what first_ready would change
                row = conn.execute(
                    "SELECT pg_get_userbyid(datdba) FROM pg_database "
                    "WHERE datname = current_database()"
                ).fetchone()
        except psycopg.OperationalError as exc:
            said = _first_line(exc)
            if _AUTH_FAILED in said or _NOT_YET.search(said):
                return said
            raise NotReady(f"{need.label}: {said}", service=need.name) from None
        if row is not None and not _needs_owner(need, str(row[0])):
            self._settled.add(_key(need))
        return None

    def first_ready(self, need: ServiceNeed, data_dir: Path) -> bool:
        """Create the profile's role and database, make the role the database's owner;
        False when the check that just passed found all of that done (nothing changed)."""
        if _key(need) in self._settled:
            return False
        self._create(need, data_dir)
        return True

    def _create(self, need: ServiceNeed, data_dir: Path) -> None:
        from psycopg import sql

        user = _user(need)
        with self._admin(need, data_dir, _ADMIN_TIMEOUT) as admin:
            if not _role_exists(admin, user):
                admin.execute(
                    sql.SQL("CREATE ROLE {} LOGIN CREATEDB PASSWORD {}").format(
                        sql.Identifier(user), _password_literal(admin, user, need.password)
                    )
                )
            database = _database(need)
            owner = admin.execute(
                "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", (database,)
            ).fetchone()
            if owner is None:
                admin.execute(
                    sql.SQL("CREATE DATABASE {} OWNER {}").format(
                        sql.Identifier(database), sql.Identifier(user)
                    )
                )
            elif _needs_owner(need, str(owner[0])):
                # initdb's own "postgres" database: the profile's role may create tables in
                # it only as its owner (PostgreSQL 15 closed the public schema)
                admin.execute(
                    sql.SQL("ALTER DATABASE {} OWNER TO {}").format(
                        sql.Identifier(database), sql.Identifier(user)
                    )
                )

    def reset_password(self, need: ServiceNeed, data_dir: Path) -> None:
        """Set the profile's role's password to the profile's (an explicit user action:
        the data was created with another one). Creates the role when missing."""
        from psycopg import sql

        user = _user(need)
        with self._admin(need, data_dir, _ADMIN_TIMEOUT) as admin:
            if _role_exists(admin, user):
                admin.execute(
                    sql.SQL("ALTER ROLE {} WITH LOGIN PASSWORD {}").format(
                        sql.Identifier(user), _password_literal(admin, user, need.password)
                    )
                )
                if user == SUPERUSER:  # the profile names the superuser itself: follow it
                    account = run_as_user(SYSTEM_USER, need.label) if _is_root() else None
                    _write_private(superuser_file(data_dir), need.password + "\n", account)
                return
        self._create(need, data_dir)

    def shell(self, need: ServiceNeed) -> tuple[list[str], dict[str, str]]:
        try:
            psql = str(find_program("psql", "postgres", need))
        except ServiceError:
            psql = "psql"
        argv = [psql, "-h", listen_host(need.host), "-p", str(need.port)]
        argv += ["-U", _user(need), _database(need)]
        return argv, ({"PGPASSWORD": need.password} if need.password else {})

    @contextlib.contextmanager
    def _admin(
        self, need: ServiceNeed, data_dir: Path, timeout: float
    ) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
        """A connection as the cluster's superuser (autocommit: CREATE DATABASE needs it)."""
        import psycopg

        try:
            password = superuser_file(data_dir).read_text(encoding="utf-8").splitlines()[0]
        except (OSError, IndexError):
            raise CredentialsRejected(
                f"{need.label}: the superuser password file {superuser_file(data_dir)} is "
                "missing, so asgideck cannot create or change roles in this data",
                service=need.name,
                variables=need.variables,
            ) from None
        try:
            conn = _connect(need, SUPERUSER, password, "postgres", timeout)
        except psycopg.OperationalError as exc:
            said = _first_line(exc)
            if _AUTH_FAILED in said:
                raise CredentialsRejected(
                    f"{need.label}: the data in {data_dir} does not accept asgideck's "
                    f"superuser password from {superuser_file(data_dir)}",
                    service=need.name,
                    variables=need.variables,
                ) from None
            raise NotReady(f"{need.label}: {said}", service=need.name) from None
        try:
            with conn:
                # A failing statement is logged with its text: keep role statements out.
                conn.execute("SET log_min_error_statement = panic")
                yield conn
        except psycopg.Error as exc:
            raise ServiceError(
                f"{need.label}: {_first_line(exc)}", service=need.name, variables=need.variables
            ) from None

    def _bindir(self, need: ServiceNeed, data_dir: Path | None) -> Path:
        """The installation to run: the first with both initdb and postgres, or, for
        existing data, the first of the major that created it."""
        candidates: list[Path] = []
        for program in find_all("postgres", "postgres"):
            bindir = Path(os.path.realpath(program)).parent
            if (bindir / "initdb").is_file() and bindir not in candidates:
                candidates.append(bindir)
        if not candidates:
            initdb = find_program("initdb", "postgres", need)
            find_program("postgres", "postgres", need)
            raise BinaryMissing(
                f"{need.label}: PostgreSQL is installed incompletely (no postgres program "
                f"beside {initdb}); install it: {install_hint('postgres')}",
                service=need.name,
                variables=need.variables,
            )
        stamp = cluster_dir(data_dir) / "PG_VERSION" if data_dir is not None else None
        if stamp is None or not stamp.is_file():
            return candidates[0]
        wanted = stamp.read_text(encoding="utf-8").strip()
        for bindir in candidates:
            if _major(bindir / "postgres") == wanted:
                return bindir
        have = ", ".join(sorted({_major(b / "postgres") or "?" for b in candidates}))
        raise ServiceError(
            f"{need.label}: the data in {data_dir} was created by PostgreSQL {wanted}, and "
            f"this machine has PostgreSQL {have}; install PostgreSQL {wanted} beside it, "
            f"or move {data_dir} aside to start with empty data",
            service=need.name,
            variables=need.variables,
        )


def _initdb(need: ServiceNeed, data_dir: Path, bindir: Path, account: RunAs | None) -> None:
    """Create the cluster with a random superuser password kept beside it."""
    cluster = cluster_dir(data_dir)
    if cluster.exists():  # an initdb that never finished: nothing of the user's in it
        shutil.rmtree(cluster)
    pwfile = superuser_file(data_dir)
    _write_private(pwfile, secrets.token_urlsafe(24) + "\n", account)
    argv = [
        str(bindir / "initdb"),
        "-D",
        str(cluster),
        "-U",
        SUPERUSER,
        f"--pwfile={pwfile}",
        "--auth=scram-sha-256",
        "--encoding=UTF8",
        "--locale=C",
    ]
    try:
        done = subprocess.run(
            argv,
            cwd=data_dir,
            env=_server_env(account),
            capture_output=True,
            text=True,
            errors="replace",
            timeout=_INITDB_TIMEOUT,
            check=False,
            **(account.popen_kwargs() if account else {}),
        )
    except subprocess.TimeoutExpired:
        shutil.rmtree(cluster, ignore_errors=True)
        raise ServiceError(
            f"{need.label}: initdb did not finish within {_INITDB_TIMEOUT:.0f} s "
            f"creating {cluster}",
            service=need.name,
            variables=need.variables,
        ) from None
    if done.returncode != 0:
        shutil.rmtree(cluster, ignore_errors=True)
        lines = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        said = lines[-1].strip() if lines else "no output"
        raise ServiceError(
            f"{need.label}: initdb failed (exit {done.returncode}) creating {cluster}: {said}",
            service=need.name,
            variables=need.variables,
        )


def _trust_passwordless(need: ServiceNeed, cluster: Path) -> None:
    """A profile without a password (``postgresql://app@localhost/app``) can log in only
    if its role is trusted on loopback: keep that, and only that, at the top of
    pg_hba.conf (first match wins), rewritten from the profile before every start."""
    hba = cluster / "pg_hba.conf"
    text = hba.read_text(encoding="utf-8")
    kept: list[str] = []
    inside = False
    for line in text.splitlines(keepends=True):
        if line.strip() in (_HBA_BEGIN, _HBA_END):
            inside = line.strip() == _HBA_BEGIN
            continue
        if not inside:
            kept.append(line)
    block: list[str] = []
    user = _user(need)
    if not need.password and user != SUPERUSER and '"' not in user:
        block = [
            _HBA_BEGIN + "\n",
            f"# {need.label} names no password: its role is trusted on loopback\n",
            f'host all "{user}" 127.0.0.1/32 trust\n',
            f'host all "{user}" ::1/128 trust\n',
            _HBA_END + "\n",
        ]
    new = "".join(block + kept)
    if new != text:
        with hba.open("r+", encoding="utf-8") as handle:  # in place: keeps owner and mode
            handle.write(new)
            handle.truncate()


def _is_root() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0


def _needs_owner(need: ServiceNeed, owner: str) -> bool:
    """initdb's own "postgres" database: the profile's role may create tables in it only
    as its owner (PostgreSQL 15 closed the public schema)."""
    user = _user(need)
    return owner == SUPERUSER and user != SUPERUSER and _database(need) != "template1"


def _key(need: ServiceNeed) -> tuple[int, str, str]:
    return need.port, _user(need), _database(need)


def _user(need: ServiceNeed) -> str:
    return need.user or "postgres"


def _database(need: ServiceNeed) -> str:
    return need.database or _user(need)


def _connect(
    need: ServiceNeed, user: str, password: str, dbname: str, timeout: float
) -> psycopg.Connection[tuple[object, ...]]:
    import psycopg

    return psycopg.connect(
        host=listen_host(need.host),
        port=need.port,
        user=user,
        password=password,
        dbname=dbname,
        # libpq's unit is whole seconds and it treats 1 as 2
        connect_timeout=max(2, math.ceil(timeout)),
        sslmode="disable",
        gssencmode="disable",
        autocommit=True,
    )


def _role_exists(conn: psycopg.Connection[tuple[object, ...]], user: str) -> bool:
    return conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (user,)).fetchone() is not None


def _password_literal(
    conn: psycopg.Connection[tuple[object, ...]], user: str, password: str
) -> sql.Composable:
    """``PASSWORD``'s operand: the SCRAM verifier of ``password``, computed here (as
    psql's \\password does) so the password itself is never sent in a statement; NULL
    for a profile without one (pg_hba trusts that role, see _trust_passwordless)."""
    from psycopg import sql

    if not password:
        return sql.SQL("NULL")
    raw = conn.pgconn.encrypt_password(password.encode(), user.encode(), b"scram-sha-256")
    return sql.Literal(raw.decode("ascii"))


def _first_line(exc: BaseException) -> str:
    """psycopg's message without its "connection failed: … failed:" prefix or hints."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r"^connection failed:\s*", "", text)
    text = re.sub(r'^connection to server at "[^"]*", port \d+ failed:\s*', "", text)
    return re.sub(r"^FATAL:\s+", "", text)


def _check_reachable(need: ServiceNeed, data_dir: Path, account: RunAs) -> None:
    for folder in reversed(data_dir.resolve().parents):
        if folder.exists() and not account.can_enter(folder):
            raise ServiceError(
                f"{need.label}: PostgreSQL runs as user {account.name} (asgideck runs as "
                f"root), and {account.name} cannot enter {folder} on the way to its data "
                f"{data_dir}; keep asgideck's state where {account.name} can reach it "
                "(ASGIDECK_HOME)",
                service=need.name,
                variables=need.variables,
            )


def _write_private(path: Path, text: str, account: RunAs | None) -> None:
    """Write a 0600 file owned by ``account`` (the user Postgres runs as) or by us."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        if hasattr(os, "fchmod"):  # an older file may have had another mode
            os.fchmod(fd, 0o600)
        if account is not None:
            os.fchown(fd, account.uid, account.gid)
        os.write(fd, text.encode("utf-8"))
    finally:
        os.close(fd)


def _server_env(account: RunAs | None) -> dict[str, str]:
    """initdb's environment: ours without libpq's PG* variables, C messages."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    if account is not None:
        env.update(account.environ())
    return env


@cache
def _major(postgres: Path) -> str:
    """``15`` from ``postgres --version``; "" when it cannot be told."""
    try:
        out = subprocess.run(
            [str(postgres), "--version"], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
    found = _VERSION.search(out)
    return found.group(1) if found else ""
