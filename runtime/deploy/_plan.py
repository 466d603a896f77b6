"""Everything the generators need, gathered once from a project, a profile and a launch
config: the app and its routes (health, WebSockets), the Python version, the
dependency files, the server settings, the profile's variables split by the one secret
rule, and the services the profile needs.

The plan keeps the *names* of secret variables only; their values never enter it, so
no generator can write one.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from asgideck.runtime.deploy._model import DeployError
from asgideck.runtime.deploy._sources import (
    SERVER_PACKAGES,
    Dependencies,
    find_dependencies,
    python_version,
)
from asgideck.runtime.inspect import AppInfo, inspect_project
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.project import Project
from asgideck.runtime.secrets import mask_value, secret_values
from asgideck.runtime.servers import LaunchConfig, interpreter_features
from asgideck.runtime.services import ServiceKind, service_needs

__all__ = ["DeployPlan", "ServicePlan", "health_route", "plan_deploy", "websocket_routes"]

UVICORN_WORKER = "uvicorn_worker.UvicornWorker"
OLD_UVICORN_WORKER = "uvicorn.workers.UvicornWorker"
#: Where the app lives inside the image, and the port it listens on there.
APP_DIR = "/app"
CONTAINER_PORT = 8000
#: gunicorn's workers when the chosen server is a development one (it has no count to keep).
PRODUCTION_WORKERS = 2
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1", "0.0.0.0"})
_HEALTH_PATHS = (
    "/health", "/healthz", "/api/health", "/api/healthz", "/api/v1/health", "/-/health",
    "/livez", "/readyz", "/healthcheck", "/health-check", "/ping", "/status",
)  # fmt: skip
_HEALTH_LAST = frozenset(p.rsplit("/", 1)[1] for p in _HEALTH_PATHS)


@dataclass(frozen=True)
class ServicePlan:
    """A service the compose file runs beside the app (no password: only its variable)."""

    kind: ServiceKind
    name: str
    user: str
    database: str
    #: the app's variables that point at it (rewritten to the compose service's host)
    variables: tuple[str, ...]
    #: the variable compose interpolates the password from ("" when it has none)
    password_variable: str


@dataclass(frozen=True)
class DeployPlan:
    """The facts every target is generated from (see the module docstring)."""

    name: str
    root: Path
    profile: str
    app: str
    factory: bool
    app_dir: str
    kind: str
    workers: int
    port: int
    instances: int
    log_level: str
    root_path: str
    worker_class: str
    worker_reason: str
    timeout: int
    graceful_timeout: int
    keepalive: int
    max_requests: int
    max_requests_jitter: int
    python: str
    python_reason: str
    dependencies: Dependencies
    health: str | None
    websockets: tuple[str, ...]
    #: the profile's files, lowest layer first, relative to the root where they are inside it
    env_files: tuple[str, ...]
    plain: Mapping[str, str]
    secret_keys: tuple[str, ...]
    services: tuple[ServicePlan, ...]
    #: the profile's URL variables as written, only for services (passwords removed)
    service_urls: Mapping[str, str]
    #: variables whose value interpolates another (``${APP_NAME}``): systemd will not expand
    interpolated: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default=())

    @property
    def target(self) -> str:
        """What gunicorn is told to load: ``module:attr``, called when it is a factory."""
        return f"{self.app}()" if self.factory else self.app

    @property
    def slug(self) -> str:
        """A DNS-1123 name (Kubernetes objects, images, systemd units)."""
        text = re.sub(r"[^a-z0-9]+", "-", self.name.lower()).strip("-")
        return (text or "app")[:50].rstrip("-") or "app"

    def missing_server_packages(self) -> tuple[str, ...]:
        """pip names the command needs that the project's dependency files do not name."""
        wanted = ["gunicorn"] if self.kind == "gunicorn" else [self.kind]
        if self.kind == "gunicorn" and self.worker_class.startswith("uvicorn_worker."):
            wanted += ["uvicorn-worker", "uvicorn"]
        elif self.kind == "gunicorn" and self.worker_class.startswith("uvicorn."):
            wanted.append("uvicorn")
        names = [SERVER_PACKAGES.get(w.replace("-", "_"), w) for w in wanted]
        return tuple(dict.fromkeys(n for n in names if not self.dependencies.names(n)))


def health_route(app: AppInfo | None) -> str | None:
    """The app's health check: a GET route without parameters named like one (``/health``,
    ``/healthz``, ``/api/health`` …), the best-known and shortest first."""
    if app is None:
        return None
    paths = [
        r.path
        for r in app.all_routes()
        if r.kind == "http" and "GET" in r.methods and "{" not in r.path
    ]
    for known in _HEALTH_PATHS:
        if known in paths:
            return known
    found = [p for p in paths if p.rstrip("/").rsplit("/", 1)[-1].lower() in _HEALTH_LAST]
    return min(found, key=len) if found else None


def websocket_routes(app: AppInfo | None) -> tuple[str, ...]:
    if app is None:
        return ()
    return tuple(dict.fromkeys(r.path for r in app.all_routes() if r.kind == "websocket"))


def _conf_values(path: Path) -> dict[str, int | str]:
    """Settings written as int or str literals in the project's gunicorn.conf.py (read
    with ``ast``, never run)."""
    try:
        tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"), str(path))
    except (OSError, SyntaxError, ValueError):
        return {}
    found: dict[str, int | str] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            value = node.value.value
            if isinstance(value, int | str) and not isinstance(value, bool):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = value
    return found


def _number(values: Mapping[str, int | str], name: str, default: int) -> int:
    value = values.get(name)
    return value if isinstance(value, int) else default


def _worker_class(project: Project, config: LaunchConfig, deps: Dependencies) -> tuple[str, str]:
    """gunicorn's worker class (DESIGN: use what the project has)."""
    if config.worker_class != "auto":
        return config.worker_class, "chosen in the launch config"
    named = _conf_values(project.root / "gunicorn.conf.py").get("worker_class")
    if isinstance(named, str) and named:
        return named, "worker_class in gunicorn.conf.py"
    if deps.names("uvicorn-worker"):
        return UVICORN_WORKER, "the project depends on uvicorn-worker"
    features = interpreter_features(project.interpreter.path)
    if not features.lacks("uvicorn_worker") and features.modules is not None:
        return UVICORN_WORKER, "the project's interpreter has uvicorn-worker"
    if not features.lacks("uvicorn.workers") and features.modules is not None:
        return OLD_UVICORN_WORKER, "the project's uvicorn still ships uvicorn.workers"
    return UVICORN_WORKER, "the maintained uvicorn worker (installed by the image)"


def _secret_keys(env: Mapping[str, str]) -> tuple[str, ...]:
    """The variables whose value the one secret rule hides, and any other whose value
    holds one of those values (``GREETING="hi ${API_KEY}"`` after interpolation)."""
    hidden = [k for k, v in env.items() if mask_value(k, v) != v]
    values = secret_values({k: env[k] for k in hidden})
    return tuple(k for k, v in env.items() if k in hidden or any(value in v for value in values))


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(os.path.relpath(path.resolve(), root.resolve())).as_posix()


_COMPOSE_NAMES = ("compose.yaml", "compose.yml", "docker-compose.yml", "docker-compose.yaml")


def _compose_hosts(root: Path, profile: Profile) -> frozenset[str]:
    """The service names of the project's own compose files (in the app's folder and the
    folders of the profile's files): a profile host ``db`` names one of them, a service
    the generated compose file must run too, not a server elsewhere."""
    folders = dict.fromkeys([root, *(path.parent for path in profile.files)])
    names: set[str] = set()
    for folder in folders:
        for name in _COMPOSE_NAMES:
            try:
                document = yaml.safe_load((folder / name).read_text(encoding="utf-8"))
            except (OSError, ValueError, yaml.YAMLError):
                continue
            services = document.get("services") if isinstance(document, dict) else None
            if isinstance(services, dict):
                names.update(str(key) for key in services)
    return frozenset(names)


def _services(root: Path, profile: Profile) -> tuple[tuple[ServicePlan, ...], dict[str, str]]:
    env = profile.environ()
    plans: list[ServicePlan] = []
    urls: dict[str, str] = {}
    compose_hosts = _compose_hosts(root, profile)
    for need in service_needs(root, profile.name, env):
        elsewhere = need.host not in _LOOPBACK and need.host not in compose_hosts
        if elsewhere and need.source == "profile":
            continue  # a server elsewhere: the app keeps connecting to it
        if need.kind == "mail" and not need.variables:
            continue  # a development mail catcher no variable points at: not in production
        password_variable = ""
        if need.password:
            prefix = {"postgres": "POSTGRES", "mysql": "MYSQL", "redis": "REDIS", "mail": "SMTP"}
            suggested = f"{prefix[need.kind]}_PASSWORD"
            named = [k for k in env if k.upper() == suggested]
            password_variable = named[0] if named else suggested
        for variable in need.variables:
            value = env.get(variable, "")
            if "://" in value:
                urls[variable] = value
        plans.append(
            ServicePlan(
                kind=need.kind,
                name=need.name,
                user=need.user,
                database=need.database,
                variables=need.variables,
                password_variable=password_variable,
            )
        )
    return tuple(plans), urls


def plan_deploy(
    project: Project,
    profile: Profile | str,
    config: LaunchConfig,
    instances: int = 1,
    *,
    app: AppInfo | None = None,
) -> DeployPlan:
    """Gather the plan. ``app`` (the inspected app) is looked up when not given; an app
    that cannot be inspected leaves the health route and WebSockets unknown (a note says)."""
    if project.app is None:
        raise DeployError(project.app_error or f"{project.root}: no ASGI app found")
    if instances < 1:
        raise DeployError(f"instances: {instances} must be at least 1")
    if isinstance(profile, str):
        profile = load_profile(project.root, profile)
    notes: list[str] = []
    if app is None:
        app = inspect_project(project, profile)
    if not app.ok:
        notes.append(
            f"the app could not be inspected ({app.errors[0]}): no health route or "
            "WebSocket route is known"
        )
    root = project.root
    deps = find_dependencies(root)
    worker, worker_reason = _worker_class(project, config, deps)
    conf = _conf_values(root / "gunicorn.conf.py")
    env = profile.environ()
    secret = _secret_keys(env)
    plain = {k: v for k, v in env.items() if k not in secret}
    python, python_reason = python_version(root, project.interpreter)
    services, urls = _services(root, profile)
    kind = config.kind if config.kind in ("gunicorn", "uvicorn") else "gunicorn"
    workers = config.workers
    if config.reload:
        # a development server (the default one of a profile not named like production):
        # its one reloading uvicorn process says nothing about how to serve production
        kind, workers = "gunicorn", max(config.workers, PRODUCTION_WORKERS)
        notes.append(
            f"{config.name} is a development server (auto-reload): the files run gunicorn "
            f"with {workers} uvicorn workers instead (pick a server without reload to choose)"
        )
    plan = DeployPlan(
        name=project.name,
        root=root,
        profile=profile.name,
        app=project.app.import_string,
        factory=project.app.factory,
        app_dir=project.app.app_dir,
        kind=kind,
        workers=workers,
        port=config.port,
        instances=instances,
        log_level=config.log_level,
        root_path=config.root_path,
        worker_class=worker,
        worker_reason=worker_reason,
        timeout=_number(conf, "timeout", 30),
        graceful_timeout=_number(conf, "graceful_timeout", 20),
        keepalive=_number(conf, "keepalive", 5),
        max_requests=_number(conf, "max_requests", 1000),
        max_requests_jitter=_number(conf, "max_requests_jitter", 100),
        python=python,
        python_reason=python_reason,
        dependencies=deps,
        health=health_route(app) if app.ok else None,
        websockets=websocket_routes(app) if app.ok else (),
        env_files=tuple(_relative(p, root) for p in profile.files),
        plain=plain,
        secret_keys=secret,
        services=services,
        service_urls={k: _without_password(v) for k, v in urls.items()},
        interpolated=tuple(
            k for k, v in profile.variables.items() if v.raw is not None and "${" in v.raw
        ),
        notes=tuple(notes),
    )
    if config.kind not in ("gunicorn", "uvicorn") and not config.reload:
        plan = replace(
            plan,
            notes=(
                *plan.notes,
                f"{config.kind} is not generated for production here: gunicorn with "
                "uvicorn workers is used instead",
            ),
        )
    return plan


def _without_password(url: str) -> str:
    """The URL with its password taken out (the generators put a reference there), and
    its query too when that would still be masked (``?password=…``, a token)."""
    scheme, sep, rest = url.partition("://")
    netloc, slash, tail = rest.partition("/")
    userinfo, at, host = netloc.rpartition("@")
    if at:
        netloc = f"{userinfo.partition(':')[0]}@{host}"
    stripped = f"{scheme}{sep}{netloc}{slash}{tail}"
    if mask_value("URL", stripped) != stripped:
        stripped = stripped.split("?", 1)[0].split("#", 1)[0]
    return stripped
