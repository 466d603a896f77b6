"""A ``ServerSpec`` as a command line for uvicorn, gunicorn, Hypercorn, Granian or Daphne.

Pure given ``Features`` (what the project's interpreter has): the only file reads
are the project's gunicorn config (for its ``worker_class``, parsed, never run)
and the folders ``--reload`` would watch. gunicorn's ASGI worker class is chosen
here too (``resolve_worker_class``): "auto" becomes what the project has installed.
"""

from __future__ import annotations

import ast
from pathlib import Path

from asgideck.runtime.servers._errors import ConfigError
from asgideck.runtime.servers._features import SERVER_MODULES, Features, interpreter_features
from asgideck.runtime.servers._launch import (
    AUTO_WORKER,
    DEFAULT_SPEC_VALUES,
    UVICORN_WORKER,
    ServerSpec,
    app_dir,
    server_target,
)

__all__ = [
    "OLD_UVICORN_WORKER",
    "VENV_DIR_NAMES",
    "argv",
    "config_worker_class",
    "gunicorn_config",
    "reload_watch_dirs",
    "resolve_worker_class",
]

#: The worker uvicorn shipped before the uvicorn-worker package (deprecated there).
OLD_UVICORN_WORKER = "uvicorn.workers.UvicornWorker"

#: Directories never watched by ``--reload`` (virtualenvs and tool caches).
VENV_DIR_NAMES = (".venv", "venv", "env", ".env")
_NEVER_WATCH = frozenset(
    {*VENV_DIR_NAMES, "__pycache__", "node_modules", ".git", ".tox", ".nox", "build", "dist"}
)


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


def _uvicorn_args(spec: ServerSpec, feats: Features) -> list[str]:
    args = [server_target(spec), "--host", spec.host, "--port", str(spec.port)]
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
    folder = app_dir(spec)
    if folder is not None:
        args += ["--app-dir", str(folder)]
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

    target = f"{server_target(spec)}()" if spec.factory else server_target(spec)
    worker, _why = resolve_worker_class(spec, feats)
    args = [target, "--bind", _bind(spec)]
    if worker is not None:
        args += ["--worker-class", worker]
    if config is not None:
        args += ["--config", str(config)]
    folder = app_dir(spec)
    if folder is not None:
        args += ["--pythonpath", str(folder)]
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
    target = f"{server_target(spec)}()" if spec.factory else server_target(spec)
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
    args.append(server_target(spec))
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
    args.append(server_target(spec))
    return args


def _bind(spec: ServerSpec) -> str:
    host = f"[{spec.host}]" if ":" in spec.host and not spec.host.startswith("[") else spec.host
    return f"{host}:{spec.port}"
