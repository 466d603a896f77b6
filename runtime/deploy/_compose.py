"""``compose.yaml``: the app (``deploy.replicas``), the services its profile needs with
health checks, and nginx in front.

No secret value is ever written: the app reads the profile's own env files
(``env_file``), and where a service URL must point at a compose service its password
becomes a ``${VAR:?…}`` reference that compose fills from the env files given with
``--env-file`` at ``up`` time.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import yaml

from asgideck.runtime.deploy._docker import healthcheck_command
from asgideck.runtime.deploy._nginx import nginx_site
from asgideck.runtime.deploy._plan import CONTAINER_PORT, DeployPlan, ServicePlan

__all__ = ["NGINX_COMPOSE_CONF", "compose_file", "compose_nginx"]

NGINX_COMPOSE_CONF = "nginx.compose.conf"

_IMAGES = {
    "postgres": ("postgres:17-alpine", 5432),
    "redis": ("redis:7-alpine", 6379),
    "mysql": ("mysql:8.4", 3306),
    "mail": ("axllent/mailpit:v1.21", 1025),
}
_CHECK = {"interval": "5s", "timeout": "5s", "retries": 10, "start_period": "10s"}


def _ref(variable: str, file_hint: str) -> str:
    return f"${{{variable}:?put {variable} in {file_hint}}}"


def _service(plan: DeployPlan, need: ServicePlan, hint: str) -> dict[str, Any]:
    image, _port = _IMAGES[need.kind]
    spec: dict[str, Any] = {"image": image, "restart": "unless-stopped"}
    password = _ref(need.password_variable, hint) if need.password_variable else ""
    if need.kind == "postgres":
        env = {"POSTGRES_USER": need.user or "postgres", "POSTGRES_DB": need.database or "app"}
        if password:
            env["POSTGRES_PASSWORD"] = password
        else:
            env["POSTGRES_HOST_AUTH_METHOD"] = "trust"
        spec["environment"] = env
        probe = f"pg_isready -U {env['POSTGRES_USER']} -d {env['POSTGRES_DB']}"
        spec["healthcheck"] = {"test": ["CMD-SHELL", probe], **_CHECK}
        spec["volumes"] = [f"{need.name}-data:/var/lib/postgresql/data"]
    elif need.kind == "redis":
        if password:
            spec["command"] = ["redis-server", "--requirepass", password]
            spec["environment"] = {"REDISCLI_AUTH": password}
        spec["healthcheck"] = {"test": ["CMD", "redis-cli", "ping"], **_CHECK}
        spec["volumes"] = [f"{need.name}-data:/data"]
    elif need.kind == "mysql":
        env = {"MYSQL_DATABASE": need.database or "app"}
        if need.user and need.user != "root":
            env["MYSQL_USER"] = need.user
        if password:
            env["MYSQL_PASSWORD"] = password
            env["MYSQL_ROOT_PASSWORD"] = password
        else:
            env["MYSQL_ALLOW_EMPTY_PASSWORD"] = "yes"
        spec["environment"] = env
        spec["healthcheck"] = {"test": ["CMD", "mysqladmin", "ping", "-h", "127.0.0.1"], **_CHECK}
        spec["volumes"] = [f"{need.name}-data:/var/lib/mysql"]
    else:
        spec["healthcheck"] = {"test": ["CMD", "/mailpit", "readyz"], **_CHECK}
    return spec


def _rewritten(plan: DeployPlan, need: ServicePlan, hint: str) -> dict[str, str]:
    """The app's variables for ``need``, pointed at the compose service (no password)."""
    _image, port = _IMAGES[need.kind]
    out: dict[str, str] = {}
    for variable in need.variables:
        url = plan.service_urls.get(variable)
        if url is not None:
            parts = urlsplit(url)
            user = parts.username or ""
            password = f":{_ref(need.password_variable, hint)}" if need.password_variable else ""
            who = f"{user}{password}@" if user or password else ""
            tail = url.split(parts.netloc, 1)[1] if parts.netloc else ""
            out[variable] = f"{parts.scheme}://{who}{need.name}:{port}{tail}"
        elif variable.upper().endswith(("_HOST", "_SERVER")):
            out[variable] = need.name
        elif variable.upper().endswith("_PORT"):
            out[variable] = str(port)
    return out


def compose_file(plan: DeployPlan) -> str:
    hint = " and ".join(plan.env_files) or ".env"
    app: dict[str, Any] = {
        "build": {"context": "."},
        "image": f"{plan.slug}:latest",
        "restart": "unless-stopped",
        "expose": [str(CONTAINER_PORT)],
        "deploy": {"replicas": plan.instances},
    }
    if plan.env_files:
        app["env_file"] = [{"path": f, "required": True} for f in plan.env_files]
    environment: dict[str, str] = {
        "GUNICORN_BIND": f"0.0.0.0:{CONTAINER_PORT}",
        "FORWARDED_ALLOW_IPS": "*",
    }
    for need in plan.services:
        environment.update(_rewritten(plan, need, hint))
    app["environment"] = environment
    health = healthcheck_command(plan)
    if health is not None:
        app["healthcheck"] = {"test": ["CMD", *health], **_CHECK, "interval": "10s"}
    if plan.services:
        app["depends_on"] = {
            need.name: {"condition": "service_healthy", "restart": True} for need in plan.services
        }
    nginx: dict[str, Any] = {
        "image": "nginx:1.27-alpine",
        "restart": "unless-stopped",
        "ports": ["80:80"],
        "volumes": [f"./{NGINX_COMPOSE_CONF}:/etc/nginx/conf.d/default.conf:ro"],
        "depends_on": {"app": {"condition": "service_healthy" if health else "service_started"}},
    }
    services: dict[str, Any] = {"app": app}
    for need in plan.services:
        services[need.name] = _service(plan, need, hint)
    services["nginx"] = nginx
    document: dict[str, Any] = {"name": plan.slug, "services": services}
    volumes: dict[str, dict[str, Any]] = {
        f"{n.name}-data": {} for n in plan.services if n.kind != "mail"
    }
    if volumes:
        document["volumes"] = volumes
    files = " ".join(f"--env-file {f}" for f in plan.env_files)
    header = [
        f"# {plan.name} (profile {plan.profile}) with nginx in front, generated by asgideck.",
        f"# Run: docker compose {files} up --build" if files else "# Run: docker compose up",
        "# (--env-file fills the ${…} references below; `--scale app=N` overrides replicas).",
        "# Secrets stay in the profile's env files: this file only refers to them.",
        "",
    ]
    body: str = yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=100)
    return "\n".join(header) + body


def compose_nginx(plan: DeployPlan) -> str:
    """nginx for compose: one upstream name, Docker's DNS gives every replica's address."""
    return nginx_site(plan, [f"app:{CONTAINER_PORT}"], over="every replica of the app service")
