"""What to run: ``ServerSpec`` (one launch configuration, validated) and what follows
from it alone: the child's environment and the URL to reach it.

Field names follow the servers' own option names (uvicorn's ``Config`` and
gunicorn's settings), so a spec reads like the command line it becomes (``_argv``).

Which fields apply where:

- all: host, port, log_level, access_log, root_path (not Granian's), app_dir,
  ssl_keyfile/ssl_certfile (not Daphne)
- uvicorn, gunicorn, Hypercorn, Granian: workers, reload (not gunicorn: use uvicorn)
- uvicorn, gunicorn, Hypercorn: timeout_keep_alive
- uvicorn only: reload_dirs, proxy_headers, limit_max_requests
- gunicorn only: worker_class, timeout, graceful_timeout (Hypercorn too),
  max_requests(+_jitter), config_file
- factory: uvicorn ``--factory``, Granian ``--factory``, gunicorn/Hypercorn ``module:attr()``;
  Daphne cannot call one.
- app_dir: uvicorn ``--app-dir``, gunicorn ``--pythonpath``, the others ``PYTHONPATH``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NoReturn, get_args

from asgideck.runtime.agent import AGENT_APP, BOOT_DIR, agent_environment
from asgideck.runtime.servers._errors import ConfigError

__all__ = [
    "AUTO_WORKER",
    "DEFAULT_SPEC_VALUES",
    "PARENT_ENV_KEYS",
    "UVICORN_WORKER",
    "LogLevel",
    "ServerKind",
    "ServerSpec",
    "WorkerClass",
    "app_dir",
    "child_env",
    "connect_host",
    "server_target",
    "url",
]

ServerKind = Literal["uvicorn", "gunicorn", "hypercorn", "granian", "daphne"]
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
#: gunicorn's worker class: "auto" (what the project has: ``_argv.resolve_worker_class``),
#: "asgi" (gunicorn's own), or a dotted class path such as ``uvicorn_worker.UvicornWorker``.
WorkerClass = str
AUTO_WORKER = "auto"
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"
#: gunicorn's WSGI workers: they cannot serve an ASGI app.
_WSGI_WORKERS = frozenset({"sync", "gthread", "eventlet", "gevent", "tornado"})

#: Variables taken from asgideck's own environment; everything else comes from the profile.
PARENT_ENV_KEYS = (
    "PATH",
    "HOME",
    "USER",
    "LOGNAME",
    "SHELL",
    "LANG",
    "LANGUAGE",
    "TZ",
    "TMPDIR",
    "TEMP",
    "TMP",
    "SYSTEMROOT",
    "SYSTEMDRIVE",
    "COMSPEC",
    "PATHEXT",
    "WINDIR",
    "USERPROFILE",
    "APPDATA",
    "LOCALAPPDATA",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
)


@dataclass(frozen=True)
class ServerSpec:
    """One launch configuration; an invalid combination raises ``ConfigError`` naming the field."""

    kind: ServerKind
    app: str
    root: Path
    python: Path
    env: Mapping[str, str] = field(default_factory=dict)
    host: str = "127.0.0.1"
    port: int = 8000
    reload: bool = False
    reload_dirs: tuple[Path, ...] = ()
    workers: int | None = 1
    log_level: LogLevel = "info"
    access_log: bool = True
    factory: bool = False
    app_dir: Path | None = None  # the folder on sys.path for ``app`` (relative to root)
    root_path: str = ""
    proxy_headers: bool = False
    forwarded_allow_ips: str | None = None
    ssl_keyfile: Path | None = None
    ssl_certfile: Path | None = None
    timeout_keep_alive: int = 5
    limit_max_requests: int | None = None
    worker_class: WorkerClass = AUTO_WORKER
    timeout: int = 30
    graceful_timeout: int = 10
    max_requests: int | None = None
    max_requests_jitter: int | None = None
    config_file: Path | None = None  # None: use root/gunicorn.conf.py when present
    #: the folder the request-recording agent writes to; None: not recorded
    record: Path | None = None

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "root", Path(self.root))
        setattr_(self, "python", Path(self.python))
        setattr_(self, "reload_dirs", tuple(Path(p) for p in self.reload_dirs))
        for name in ("ssl_keyfile", "ssl_certfile", "config_file", "app_dir", "record"):
            value = getattr(self, name)
            if value is not None:
                setattr_(self, name, Path(value))
        env = dict(self.env)
        bad = [k for k, v in env.items() if not isinstance(k, str) or not isinstance(v, str)]
        if bad:
            raise ConfigError(f"env: values must be strings (check {', '.join(map(str, bad))})")
        setattr_(self, "env", MappingProxyType(env))
        _validate(self)

    def __hash__(self) -> int:
        return hash((self.kind, self.app, self.root, self.host, self.port))


def _validate(spec: ServerSpec) -> None:
    def fail(name: str, why: str) -> NoReturn:
        raise ConfigError(f"{name}: {why}")

    for name, choices in (("kind", get_args(ServerKind)), ("log_level", get_args(LogLevel))):
        if getattr(spec, name) not in choices:
            fail(name, f"{getattr(spec, name)!r} is not one of {', '.join(choices)}")
    worker = spec.worker_class
    if worker in _WSGI_WORKERS:
        fail("worker_class", f"{worker!r} is a WSGI worker; an ASGI app needs {UVICORN_WORKER}")
    if worker not in (AUTO_WORKER, "asgi") and not all(
        part.isidentifier() for part in worker.split(".")
    ):
        fail("worker_class", f"{worker!r} is not 'auto', 'asgi' or a dotted class path")
    if spec.kind == "daphne":
        if spec.reload or (spec.workers or 1) > 1:
            fail("workers", "Daphne runs one process without reload (use uvicorn or Hypercorn)")
        if spec.factory:
            fail("factory", "Daphne cannot call an app factory (use uvicorn or Granian)")
        if spec.ssl_certfile is not None:
            fail("ssl_certfile", "asgideck starts Daphne without TLS (use uvicorn or Hypercorn)")
    module, sep, attr = spec.app.partition(":")
    if not sep or not module.strip() or not attr.strip():
        fail("app", f"{spec.app!r} must look like 'module:attribute' (e.g. app.main:app)")
    if spec.record is not None and not spec.record.is_absolute():
        fail("record", f"{spec.record} must be an absolute folder")
    if not spec.host.strip():
        fail("host", "must not be empty")
    if not 1 <= spec.port <= 65535:
        fail("port", f"{spec.port} is outside 1-65535")
    if spec.workers is not None and spec.workers < 1:
        fail("workers", f"{spec.workers} must be at least 1")
    if spec.reload and (spec.workers or 1) > 1:
        fail("workers", "cannot be combined with reload (the reloader runs a single process)")
    if (spec.ssl_keyfile is None) != (spec.ssl_certfile is None):
        fail("ssl_certfile", "ssl_keyfile and ssl_certfile go together")
    if spec.max_requests_jitter is not None and spec.max_requests is None:
        fail("max_requests_jitter", "needs max_requests")
    for name in ("timeout_keep_alive", "timeout", "graceful_timeout"):
        if getattr(spec, name) < 0:
            fail(name, "must not be negative")
    for name in ("limit_max_requests", "max_requests", "max_requests_jitter"):
        value = getattr(spec, name)
        if value is not None and value < 1:
            fail(name, "must be at least 1 (or unset)")


#: The spec's field defaults (what "the user did not change it" means).
DEFAULT_SPEC_VALUES: Mapping[str, object] = MappingProxyType(
    {f.name: f.default for f in fields(ServerSpec) if f.default is not MISSING}
)


def app_dir(spec: ServerSpec) -> Path | None:
    """The folder to put first on the import path for ``spec.app`` (None: the root, as usual)."""
    if spec.app_dir is None or str(spec.app_dir) in ("", "."):
        return None
    return spec.app_dir if spec.app_dir.is_absolute() else spec.root / spec.app_dir


def child_env(spec: ServerSpec, parent: Mapping[str, str] | None = None) -> dict[str, str]:
    """A small parent set (PATH, HOME, locale...) + the profile's variables + PYTHONUNBUFFERED.

    Nothing else leaks from asgideck's environment (no PYTHONPATH, no Qt, no
    other virtualenv), so the server sees what the profile says.
    """
    source = os.environ if parent is None else parent
    env = {k: v for k, v in source.items() if k in PARENT_ENV_KEYS or k.startswith("LC_")}
    venv = spec.python.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join(p for p in (str(spec.python.parent), env.get("PATH")) if p)
    env.update(spec.env)
    folder = app_dir(spec)
    if folder is not None and spec.kind in ("hypercorn", "granian", "daphne"):
        # these servers have no --app-dir: the folder goes first on the import path
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(folder), env.get("PYTHONPATH")) if p)
    if spec.record is not None:
        # the recording agent: its boot folder first, a profile's own PYTHONPATH after it
        env.update(
            agent_environment(
                spec.app,
                factory=spec.factory,
                records=spec.record,
                root=Path(os.path.abspath(spec.root)),
            )
        )
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(BOOT_DIR), env.get("PYTHONPATH")) if p)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def server_target(spec: ServerSpec) -> str:
    """The ``module:attr`` the server imports: the agent's app when the spec is recorded."""
    return AGENT_APP if spec.record is not None else spec.app


def connect_host(spec: ServerSpec) -> str:
    """Where to connect to reach the server (wildcard binds are reached via loopback)."""
    host = spec.host.strip("[]")
    if host in ("0.0.0.0", ""):
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def url(spec: ServerSpec) -> str:
    """The URL to open in a browser."""
    scheme = "https" if spec.ssl_certfile is not None else "http"
    host = connect_host(spec)
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}:{spec.port}"
