"""What to run: ``ServerSpec`` -> argv + environment for uvicorn, gunicorn, Hypercorn,
Granian or Daphne.

Field names follow the servers' own option names (uvicorn's ``Config`` and
gunicorn's settings), so a spec reads like the command line it becomes. Turning
a spec into argv is pure given ``Features`` (what the project's interpreter has);
``interpreter_features`` finds those out, cached per interpreter and the mtime of
its site-packages: a file-system look plus one bounded run of that interpreter
(``importlib.util.find_spec`` of the server modules, never an import of the app).

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

import ast
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
    "AUTO_WORKER",
    "DEFAULT_SPEC_VALUES",
    "OLD_UVICORN_WORKER",
    "PARENT_ENV_KEYS",
    "SERVER_MODULES",
    "UVICORN_WORKER",
    "VENV_DIR_NAMES",
    "Features",
    "LogLevel",
    "ServerKind",
    "ServerSpec",
    "WorkerClass",
    "argv",
    "child_env",
    "config_worker_class",
    "connect_host",
    "gunicorn_config",
    "interpreter_features",
    "reload_watch_dirs",
    "resolve_worker_class",
    "url",
]

ServerKind = Literal["uvicorn", "gunicorn", "hypercorn", "granian", "daphne"]
LogLevel = Literal["critical", "error", "warning", "info", "debug", "trace"]
#: gunicorn's worker class: "auto" (what the project has, see ``resolve_worker_class``),
#: "asgi" (gunicorn's own), or a dotted class path such as ``uvicorn_worker.UvicornWorker``.
WorkerClass = str
AUTO_WORKER = "auto"
UVICORN_WORKER = "uvicorn_worker.UvicornWorker"
OLD_UVICORN_WORKER = "uvicorn.workers.UvicornWorker"
#: gunicorn's WSGI workers: they cannot serve an ASGI app.
_WSGI_WORKERS = frozenset({"sync", "gthread", "eventlet", "gevent", "tornado"})

#: The module each server kind runs as ``python -m``; what ``Features.modules`` looks for.
SERVER_MODULES: Mapping[str, str] = MappingProxyType(
    {kind: kind for kind in ("uvicorn", "gunicorn", "hypercorn", "granian", "daphne")}
)
_PROBED_MODULES = (*SERVER_MODULES.values(), "uvicorn_worker", "uvicorn.workers")

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

    def __post_init__(self) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "root", Path(self.root))
        setattr_(self, "python", Path(self.python))
        setattr_(self, "reload_dirs", tuple(Path(p) for p in self.reload_dirs))
        for name in ("ssl_keyfile", "ssl_certfile", "config_file", "app_dir"):
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
    """What the project's interpreter has installed, as far as argv cares.

    ``modules`` holds the server modules it can import (see ``SERVER_MODULES``, plus
    ``uvicorn_worker`` and ``uvicorn.workers``); None when that is unknown (not asked,
    or the interpreter did not answer): argv then assumes the usual ones.
    """

    gunicorn_flags: frozenset[str] = frozenset()
    has_watchfiles: bool = False
    modules: frozenset[str] | None = None

    @classmethod
    def all(cls) -> Features:
        """Everything current servers support (for tests and previews)."""
        return cls(
            frozenset({"--no-control-socket", "--root-path"}),
            has_watchfiles=True,
            modules=frozenset(_PROBED_MODULES),
        )

    def lacks(self, module: str) -> bool:
        """Known not to be importable (False when unknown)."""
        return self.modules is not None and module not in self.modules


_GUNICORN_FLAGS = ("--no-control-socket", "--root-path")


def interpreter_features(python: Path) -> Features:
    """What ``python`` has, cached per interpreter and the mtime of its site-packages.

    The first call for an interpreter runs it once (a few hundred ms, 15 s at most):
    call it off the GUI thread.
    """
    dirs = _site_dirs(Path(python))
    stamp = tuple(_mtime(d) for d in dirs)
    found = _features_for(tuple(dirs), stamp)
    modules = _modules_of(str(python), stamp)
    return Features(found.gunicorn_flags, found.has_watchfiles, modules)


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


_FIND_SPECS = """\
import importlib.util, sys
for name in sys.argv[1:]:
    try:
        found = importlib.util.find_spec(name) is not None
    except Exception:
        found = False
    if found:
        print(name)
"""


@functools.lru_cache(maxsize=32)
def _modules_of(python: str, _stamp: tuple[float, ...]) -> frozenset[str] | None:
    """Which of the server modules ``python`` can import (None: it did not answer).

    ``find_spec`` locates a module without running it (for ``uvicorn.workers`` it
    imports the ``uvicorn`` package, as gunicorn would). ``-I`` is not used: the
    project's interpreter must see what it sees at start (its ``.pth`` files).
    """
    try:
        done = subprocess.run(
            [python, "-c", _FIND_SPECS, *_PROBED_MODULES],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
            env={k: v for k, v in os.environ.items() if k in PARENT_ENV_KEYS},
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    return frozenset(line.strip() for line in done.stdout.splitlines() if line.strip())


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


def config_worker_class(config: Path) -> str | None:
    """``worker_class = "..."`` in a gunicorn config file, read with ``ast`` (never run).

    None when the file sets none, or sets it to something that is not a string literal.
    """
    try:
        tree = ast.parse(config.read_text(encoding="utf-8", errors="replace"), str(config))
    except (OSError, SyntaxError, ValueError):
        return None
    found = None
    for node in tree.body:
        if isinstance(node, ast.Assign):
            targets, value = node.targets, node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets, value = [node.target], node.value
        else:
            continue
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if names & {"worker_class", "k"} and isinstance(value, ast.Constant):
            found = value.value if isinstance(value.value, str) else None
    return found


def resolve_worker_class(spec: ServerSpec, features: Features) -> tuple[str | None, str]:
    """(gunicorn ``--worker-class``, why): what the spec says, else what the project has.

    "auto" means: the project's gunicorn config ``worker_class`` (None: the file
    supplies it), else ``uvicorn_worker.UvicornWorker`` when the interpreter has the
    ``uvicorn-worker`` package, else ``uvicorn.workers.UvicornWorker`` when its uvicorn
    still ships that module. Raises ``ConfigError`` offering the install when it has neither.
    """
    if spec.worker_class != AUTO_WORKER:
        return spec.worker_class, "chosen in the launch config"
    config = gunicorn_config(spec)
    if config is not None:
        named = config_worker_class(config)
        if named is not None:
            return None, f"worker_class = {named!r} in {config}"
    if not features.lacks("uvicorn_worker"):
        return UVICORN_WORKER, "the uvicorn-worker package is installed"
    if not features.lacks("uvicorn.workers"):
        return OLD_UVICORN_WORKER, "uvicorn-worker is not installed; uvicorn still has it"
    raise ConfigError(
        f"worker_class: {spec.python} has neither the uvicorn-worker package nor "
        f"uvicorn.workers; install it: {spec.python} -m pip install uvicorn-worker "
        "(or choose gunicorn's own 'asgi' worker)"
    )


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
    """The full command line: ``[python, "-m", <server module>, ...]``.

    Raises ``ConfigError`` when the interpreter is known to lack the server (naming
    the install command) or gunicorn has no ASGI worker class to use.
    """
    feats = features if features is not None else interpreter_features(spec.python)
    module = SERVER_MODULES[spec.kind]
    if feats.lacks(module):
        raise ConfigError(
            f"kind: {spec.kind} is not installed in the project's interpreter {spec.python}; "
            f"install it: {spec.python} -m pip install {spec.kind}"
        )
    build = {
        "uvicorn": _uvicorn_args,
        "gunicorn": _gunicorn_args,
        "hypercorn": _hypercorn_args,
        "granian": _granian_args,
        "daphne": _daphne_args,
    }[spec.kind]
    return [str(spec.python), "-m", module, *build(spec, feats)]


def _app_dir(spec: ServerSpec) -> Path | None:
    if spec.app_dir is None or str(spec.app_dir) in ("", "."):
        return None
    return spec.app_dir if spec.app_dir.is_absolute() else spec.root / spec.app_dir


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
    app_dir = _app_dir(spec)
    if app_dir is not None:
        args += ["--app-dir", str(app_dir)]
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
    worker, _why = resolve_worker_class(spec, feats)
    args = [target, "--bind", _bind(spec)]
    if worker is not None:
        args += ["--worker-class", worker]
    if config is not None:
        args += ["--config", str(config)]
    app_dir = _app_dir(spec)
    if app_dir is not None:
        args += ["--pythonpath", str(app_dir)]
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
    if changed("graceful_timeout") or worker == "asgi":
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


def _hypercorn_args(spec: ServerSpec, feats: Features) -> list[str]:
    """Hypercorn (HTTP/1.1 and HTTP/2): errors on stderr, access lines on stdout."""
    target = f"{spec.app}()" if spec.factory else spec.app
    args = [target, "--bind", _bind(spec), "--error-logfile", "-"]
    if spec.workers is not None and spec.workers > 1:
        args += ["--workers", str(spec.workers)]
    if spec.reload:
        args.append("--reload")
    args += ["--log-level", "debug" if spec.log_level == "trace" else spec.log_level]
    if spec.access_log:
        args += ["--access-logfile", "-"]
    if spec.root_path:
        args += ["--root-path", spec.root_path]
    if spec.ssl_keyfile is not None and spec.ssl_certfile is not None:
        args += ["--keyfile", str(spec.ssl_keyfile), "--certfile", str(spec.ssl_certfile)]
    args += ["--keep-alive", str(spec.timeout_keep_alive)]
    args += ["--graceful-timeout", str(spec.graceful_timeout)]
    return args


def _granian_args(spec: ServerSpec, feats: Features) -> list[str]:
    """Granian (Rust): ``--interface asgi``; workers are processes; reload needs watchfiles."""
    args = ["--interface", "asgi", "--host", spec.host.strip("[]"), "--port", str(spec.port)]
    if spec.workers is not None and spec.workers > 1:
        args += ["--workers", str(spec.workers)]
    if spec.reload:
        args.append("--reload")
        for d in reload_watch_dirs(spec, feats):
            args += ["--reload-paths", str(d)]
        for name in sorted(_NEVER_WATCH):
            args += ["--reload-ignore-dirs", name]
    level = {"trace": "debug"}.get(spec.log_level, spec.log_level)
    args += ["--log-level", level]
    args.append("--access-log" if spec.access_log else "--no-access-log")
    if spec.factory:
        args.append("--factory")
    if spec.root_path:
        args += ["--url-path-prefix", spec.root_path]
    if spec.ssl_keyfile is not None and spec.ssl_certfile is not None:
        args += ["--ssl-keyfile", str(spec.ssl_keyfile)]
        args += ["--ssl-certificate", str(spec.ssl_certfile)]
    args.append(spec.app)
    return args


def _daphne_args(spec: ServerSpec, feats: Features) -> list[str]:
    """Daphne (Twisted): one process; logs to stderr, ``--access-log -`` to stdout."""
    verbosity = {"critical": 0, "error": 0, "warning": 0, "info": 1, "debug": 2, "trace": 3}
    args = ["--bind", spec.host.strip("[]"), "--port", str(spec.port)]
    args += ["-v", str(verbosity[spec.log_level])]
    if spec.access_log:
        args += ["--access-log", "-"]
    if spec.root_path:
        args += ["--root-path", spec.root_path]
    if spec.proxy_headers:
        args.append("--proxy-headers")
    args.append(spec.app)
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
    app_dir = _app_dir(spec)
    if app_dir is not None and spec.kind in ("hypercorn", "granian", "daphne"):
        # these servers have no --app-dir: the folder goes first on the import path
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(app_dir), env.get("PYTHONPATH")) if p)
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
