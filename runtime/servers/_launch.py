"""What to run: ``ServerSpec`` -> argv + environment for uvicorn or gunicorn.

Field names follow the servers' own option names (uvicorn's ``Config`` and
gunicorn's settings), so a spec reads like the command line it becomes. Turning
a spec into argv is pure; the only I/O is a cached, file-system-only look at
the project's interpreter (which gunicorn options it knows, whether watchfiles
is there) and whether the project has a ``gunicorn.conf.py``.

Which fields apply where:

- both: host, port, workers, log_level, access_log, root_path, forwarded_allow_ips,
  ssl_keyfile/ssl_certfile, timeout_keep_alive (gunicorn ``--keep-alive``), reload
- uvicorn only: reload_dirs, factory (gunicorn gets ``module:attr()``),
  proxy_headers, limit_max_requests
- gunicorn only: worker_class, timeout, graceful_timeout, max_requests(+_jitter),
  config_file
"""

from __future__ import annotations

import functools
import os
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType
from typing import Literal, NoReturn, get_args

from asgideck.runtime.servers._errors import ConfigError

__all__ = [
    "DEFAULT_SPEC_VALUES",
    "PARENT_ENV_KEYS",
    "VENV_DIR_NAMES",
    "Features",
    "LogLevel",
    "ServerKind",
    "ServerSpec",
    "WorkerClass",
    "argv",
    "child_env",
    "connect_host",
    "gunicorn_config",
    "interpreter_features",
    "reload_watch_dirs",
    "url",
]

ServerKind = Literal["uvicorn", "gunicorn"]
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
WorkerClass = Literal["uvicorn_worker.UvicornWorker", "asgi"]

#: Directories never watched by ``--reload`` (virtualenvs and tool caches).
VENV_DIR_NAMES = (".venv", "venv", "env", ".env")
_NEVER_WATCH = frozenset(
    {*VENV_DIR_NAMES, "__pycache__", "node_modules", ".git", ".tox", ".nox", "build", "dist"}
)

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
    root_path: str = ""
    proxy_headers: bool = False
    forwarded_allow_ips: str | None = None
    ssl_keyfile: Path | None = None
    ssl_certfile: Path | None = None
    timeout_keep_alive: int = 5
    limit_max_requests: int | None = None
    worker_class: WorkerClass = "uvicorn_worker.UvicornWorker"
    timeout: int = 30
    graceful_timeout: int = 10
    max_requests: int | None = None
    max_requests_jitter: int | None = None
    config_file: Path | None = None  # None: use root/gunicorn.conf.py when present

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "root", Path(self.root))
        setattr_(self, "python", Path(self.python))
        setattr_(self, "reload_dirs", tuple(Path(p) for p in self.reload_dirs))
        for name in ("ssl_keyfile", "ssl_certfile", "config_file"):
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

    for name, choices in (
        ("kind", get_args(ServerKind)),
        ("log_level", get_args(LogLevel)),
        ("worker_class", get_args(WorkerClass)),
    ):
        if getattr(spec, name) not in choices:
            fail(name, f"{getattr(spec, name)!r} is not one of {', '.join(choices)}")
    module, sep, attr = spec.app.partition(":")
    if not sep or not module.strip() or not attr.strip():
        fail("app", f"{spec.app!r} must look like 'module:attribute' (e.g. app.main:app)")
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


# --------------------------------------------------------------------------- interpreter


@dataclass(frozen=True)
class Features:
    """What the project's interpreter has installed, as far as argv cares."""

    gunicorn_flags: frozenset[str] = frozenset()
    has_watchfiles: bool = False

    @classmethod
    def all(cls) -> Features:
        """Everything current servers support (for tests and previews)."""
        return cls(frozenset({"--no-control-socket", "--root-path"}), has_watchfiles=True)


_GUNICORN_FLAGS = ("--no-control-socket", "--root-path")


def interpreter_features(python: Path) -> Features:
    """Look at the interpreter's site-packages on disk (cached per interpreter and mtime)."""
    dirs = _site_dirs(Path(python))
    stamp = tuple(_mtime(d) for d in dirs)
    return _features_for(tuple(dirs), stamp)


@functools.lru_cache(maxsize=32)
def _features_for(dirs: tuple[Path, ...], _stamp: tuple[float, ...]) -> Features:
    flags: set[str] = set()
    watchfiles = False
    for site in dirs:
        config = site / "gunicorn" / "config.py"
        if not flags and config.is_file():
            try:
                text = config.read_text(encoding="utf-8", errors="replace")
            except OSError:
                text = ""
            flags.update(flag for flag in _GUNICORN_FLAGS if f'"{flag}"' in text)
        watchfiles = watchfiles or (site / "watchfiles").is_dir()
    return Features(frozenset(flags), watchfiles)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def _site_dirs(python: Path) -> list[Path]:
    """site-packages of ``python``: from its venv layout, else (once) by asking it."""
    venv = python.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        if sys.platform == "win32":
            found = [venv / "Lib" / "site-packages"]
        else:
            found = sorted(venv.glob("lib/python3*/site-packages"))
        try:
            cfg = (venv / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
        except OSError:
            cfg = ""
        if "include-system-site-packages = true" not in cfg.lower():
            return found
        return found + list(_ask_interpreter(str(python)))
    if _same_file(python, Path(sys.executable)):
        import site

        return [Path(p) for p in site.getsitepackages()]
    return list(_ask_interpreter(str(python)))


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


@functools.lru_cache(maxsize=16)
def _ask_interpreter(python: str) -> tuple[Path, ...]:
    code = "import site,sys;print('\\n'.join(site.getsitepackages()))"
    try:
        out = subprocess.run(
            [python, "-c", code], capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return ()
    return tuple(Path(line) for line in out.splitlines() if line.strip())


# --------------------------------------------------------------------------- argv


def gunicorn_config(spec: ServerSpec) -> Path | None:
    """The gunicorn config file used: the explicit one, else root/gunicorn.conf.py if present."""
    if spec.config_file is not None:
        return spec.config_file if spec.config_file.is_absolute() else spec.root / spec.config_file
    auto = spec.root / "gunicorn.conf.py"
    return auto if auto.is_file() else None


def reload_watch_dirs(spec: ServerSpec, features: Features) -> list[Path]:
    """Directories for ``--reload-dir``; never a virtualenv.

    With watchfiles, excludes do the job and the root is watched. Without it
    uvicorn's StatReload ignores excludes and scans every ``*.py`` below the
    root, so when the root holds a virtualenv we watch its other folders instead.
    """
    if spec.reload_dirs:
        dirs = [d if d.is_absolute() else spec.root / d for d in spec.reload_dirs]
        # uvicorn refuses a missing --reload-dir; a virtualenv is never watched
        keep = [d for d in dirs if d.is_dir() and d.name not in _NEVER_WATCH and not _is_venv(d)]
        return keep or [spec.root]
    if features.has_watchfiles:
        return [spec.root]
    try:
        children = sorted(p for p in spec.root.iterdir() if p.is_dir())
    except OSError:
        return [spec.root]
    if not any(p.name in VENV_DIR_NAMES or _is_venv(p) for p in children):
        return [spec.root]
    keep = [
        p
        for p in children
        if p.name not in _NEVER_WATCH and not p.name.startswith(".") and not _is_venv(p)
    ]
    return keep or [spec.root]


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def argv(spec: ServerSpec, features: Features | None = None) -> list[str]:
    """The full command line: ``[python, "-m", "uvicorn"|"gunicorn", ...]``."""
    feats = features if features is not None else interpreter_features(spec.python)
    if spec.kind == "uvicorn":
        return [str(spec.python), "-m", "uvicorn", *_uvicorn_args(spec, feats)]
    return [str(spec.python), "-m", "gunicorn", *_gunicorn_args(spec, feats)]


def _uvicorn_args(spec: ServerSpec, feats: Features) -> list[str]:
    args = [spec.app, "--host", spec.host, "--port", str(spec.port)]
    if spec.reload:
        args.append("--reload")
        for d in reload_watch_dirs(spec, feats):
            args += ["--reload-dir", str(d)]
        if feats.has_watchfiles:
            for name in VENV_DIR_NAMES:
                args += ["--reload-exclude", name]
    if spec.workers is not None and (spec.workers > 1 or "WEB_CONCURRENCY" in spec.env):
        args += ["--workers", str(spec.workers)]
    args += ["--log-level", spec.log_level]
    args.append("--access-log" if spec.access_log else "--no-access-log")
    if spec.factory:
        args.append("--factory")
    if spec.root_path:
        args += ["--root-path", spec.root_path]
    args.append("--proxy-headers" if spec.proxy_headers else "--no-proxy-headers")
    if spec.forwarded_allow_ips is not None:
        args += ["--forwarded-allow-ips", spec.forwarded_allow_ips]
    if spec.ssl_keyfile is not None and spec.ssl_certfile is not None:
        args += ["--ssl-keyfile", str(spec.ssl_keyfile), "--ssl-certfile", str(spec.ssl_certfile)]
    args += ["--timeout-keep-alive", str(spec.timeout_keep_alive)]
    if spec.limit_max_requests is not None:
        args += ["--limit-max-requests", str(spec.limit_max_requests)]
    return args


def _gunicorn_args(spec: ServerSpec, feats: Features) -> list[str]:
    """gunicorn argv. With a config file, only what the user changed in asgideck overrides it."""
    config = gunicorn_config(spec)

    def changed(name: str) -> bool:
        return config is None or getattr(spec, name) != DEFAULT_SPEC_VALUES[name]

    target = f"{spec.app}()" if spec.factory else spec.app
    args = [target, "--bind", _bind(spec), "--worker-class", spec.worker_class]
    if config is not None:
        args += ["--config", str(config)]
    if spec.workers is not None and changed("workers"):
        args += ["--workers", str(spec.workers)]
    if spec.reload:
        args.append("--reload")
    if changed("log_level"):
        args += ["--log-level", "debug" if spec.log_level == "trace" else spec.log_level]
    if spec.access_log:
        args += ["--access-logfile", "-"]
    if changed("timeout"):
        args += ["--timeout", str(spec.timeout)]
    if changed("graceful_timeout") or spec.worker_class == "asgi":
        # gunicorn's native asgi worker can hang 30 s on SIGTERM during boot without it.
        args += ["--graceful-timeout", str(spec.graceful_timeout)]
    if changed("timeout_keep_alive"):
        args += ["--keep-alive", str(spec.timeout_keep_alive)]
    if spec.max_requests is not None:
        args += ["--max-requests", str(spec.max_requests)]
    if spec.max_requests_jitter is not None:
        args += ["--max-requests-jitter", str(spec.max_requests_jitter)]
    if spec.forwarded_allow_ips is not None:
        args += ["--forwarded-allow-ips", spec.forwarded_allow_ips]
    if spec.root_path and "--root-path" in feats.gunicorn_flags:
        args += ["--root-path", spec.root_path]
    if spec.ssl_keyfile is not None and spec.ssl_certfile is not None:
        args += ["--keyfile", str(spec.ssl_keyfile), "--certfile", str(spec.ssl_certfile)]
    if "--no-control-socket" in feats.gunicorn_flags:
        # gunicorn 27 shares ~/.gunicorn/gunicorn.ctl between every instance by default.
        args.append("--no-control-socket")
    return args


def _bind(spec: ServerSpec) -> str:
    host = f"[{spec.host}]" if ":" in spec.host and not spec.host.startswith("[") else spec.host
    return f"{host}:{spec.port}"


# --------------------------------------------------------------------------- env and url


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
    env["PYTHONUNBUFFERED"] = "1"
    return env


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
