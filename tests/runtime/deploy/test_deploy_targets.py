"""Every target generated for sample_app's production profile and two other real layouts
(a uv ``backend/`` with a WebSocket route and services, a Poetry ``src/`` layout without a
health route), each passing its real check; no secret value lands in any file."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from deploy_shipped import SHIPPED, Shipped

from asgideck.runtime.deploy import (
    PLACEHOLDER,
    TARGETS,
    DeployError,
    blocking,
    generate,
    plan_deploy,
    readiness,
    render,
)
from asgideck.runtime.project import open_project
from asgideck.runtime.secrets import secret_values
from asgideck.runtime.servers import LaunchConfig
from support.files import write_files

pytestmark = pytest.mark.integration

Get = Callable[[str], Shipped]

#: name -> (health route, WebSocket routes, dependency tool, Python, image command start)
EXPECTED = {
    "sample_app": ("/health", ("/ws/echo",), "requirements", None, "gunicorn"),
    "deploy_backend": (
        "/api/v1/utils/health-check/",
        ("/api/v1/ws/rooms/{room}",),
        "uv",
        "3.12",  # backend/.python-version
        "gunicorn",
    ),
    "deploy_src_poetry": (None, (), "poetry", None, "uvicorn"),
}


@pytest.mark.parametrize("name", SHIPPED)
def test_every_target_generates_and_passes_its_real_check(shipped: Get, name: str) -> None:
    ship = shipped(name)
    assert all(ship.files[target] for target in TARGETS)
    failed = [r.line() + "\n" + r.output for r in ship.results if not r.ok]
    assert not failed, "\n".join(failed)
    tools = {r.tool for r in ship.results}
    systemd = "systemd-analyze verify" if shutil.which("systemd-analyze") else "systemd unit syntax"
    assert tools == {
        "gunicorn --check-config",
        "nginx -t",
        "compose-spec schema",
        "kubernetes schema",
        "dockerfile parser",
        systemd,
    }
    checked = {r.path for r in ship.results}
    assert checked == {f.path for f in ship.all_files() if f.kind != "dockerignore"}


@pytest.mark.parametrize("name", SHIPPED)
def test_no_secret_value_of_the_profile_appears_in_any_generated_file(
    shipped: Get, name: str
) -> None:
    ship = shipped(name)
    secrets = secret_values(ship.profile.environ())
    assert secrets, "the fixture profile must have secrets for this test to mean anything"
    kinds = {f.kind for f in ship.all_files()}
    assert {"compose", "dockerfile", "k8s", "nginx", "systemd", "gunicorn"} <= kinds
    leaks = [
        (f.path.as_posix(), value) for f in ship.all_files() for value in secrets if value in f.text
    ]
    assert not leaks
    # nor in what the tools said
    assert not [r for r in ship.results for value in secrets if value in r.output]


@pytest.mark.parametrize("name", SHIPPED)
def test_facts_found_in_the_project(shipped: Get, name: str) -> None:
    plan = shipped(name).plan
    health, websockets, tool, python, _command = EXPECTED[name]
    assert plan.health == health
    assert plan.websockets == websockets
    assert plan.dependencies.tool == tool
    if python is not None:
        assert plan.python == python
    assert set(plan.secret_keys).isdisjoint(plan.plain)


@pytest.mark.parametrize("name", SHIPPED)
def test_dockerfile_is_multi_stage_unprivileged_and_cached(shipped: Get, name: str) -> None:
    ship = shipped(name)
    text = ship.file("Dockerfile").text
    health, _ws, tool, _python, command = EXPECTED[name]
    assert text.count("\nFROM ") == 2
    assert f"ARG PYTHON_VERSION={ship.plan.python}" in text
    assert "USER 10001:10001" in text
    assert "--mount=type=cache," in text
    for dependency_file in ship.plan.dependencies.files:
        assert dependency_file in text
    # dependencies are installed before the source is copied into the builder
    install = {"uv": "uv sync", "poetry": "poetry install", "requirements": "pip install -r"}[tool]
    copy_source = text.find("COPY . .")
    assert -1 < text.find(install) < copy_source
    assert ("HEALTHCHECK" in text) == (health is not None)
    if health is not None:
        assert f"127.0.0.1:8000{health}" in text
    last = text.strip().splitlines()[-1]
    assert last.startswith(f'CMD ["{command}"')
    ignore = ship.file(".dockerignore").text.splitlines()
    assert {".env", ".env.*", ".venv", ".git"} <= set(ignore)


@pytest.mark.parametrize("name", SHIPPED)
def test_compose_runs_replicas_behind_nginx_with_healthy_services(shipped: Get, name: str) -> None:
    ship = shipped(name)
    document = yaml.safe_load(ship.file("compose.yaml").text)
    services = document["services"]
    app = services["app"]
    assert app["deploy"]["replicas"] == ship.plan.instances
    assert [e["path"] for e in app["env_file"]] == list(ship.plan.env_files)
    assert "ports" not in app  # only nginx is published
    nginx = services["nginx"]
    assert nginx["ports"] == ["80:80"]
    wanted = "service_healthy" if ship.plan.health else "service_started"
    assert nginx["depends_on"]["app"]["condition"] == wanted
    needed = {s.name for s in ship.plan.services}
    assert set(services) == {"app", "nginx", *needed}
    for service in needed:
        assert "healthcheck" in services[service]
        assert app["depends_on"][service]["condition"] == "service_healthy"


def test_compose_points_service_urls_at_compose_services_by_reference(shipped: Get) -> None:
    ship = shipped("deploy_backend")
    document = yaml.safe_load(ship.file("compose.yaml").text)
    env = document["services"]["app"]["environment"]
    assert env["DATABASE_URL"].startswith("postgresql+psycopg://app:${POSTGRES_PASSWORD:?")
    assert env["DATABASE_URL"].endswith("@postgres:5432/app")
    assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    postgres = document["services"]["postgres"]["environment"]
    assert postgres["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


@pytest.mark.parametrize("name", SHIPPED)
def test_nginx_spreads_over_the_instances_with_proxy_headers(shipped: Get, name: str) -> None:
    ship = shipped(name)
    text = ship.file("nginx.conf").text
    plan = ship.plan
    assert "least_conn;" in text
    lines = [line.split() for line in text.splitlines()]
    servers = [words[1] for words in lines if words[:1] == ["server"] and words[1] != "{"]
    assert servers == [f"127.0.0.1:{plan.port + i}" for i in range(plan.instances)]
    for header in ("Host", "X-Real-IP", "X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header} " in text
    assert ("map $http_upgrade $connection_upgrade" in text) == bool(plan.websockets)
    assert text.count("proxy_set_header Upgrade $http_upgrade;") == len(plan.websockets)
    assert "client_max_body_size" in text
    assert "server app:8000" in ship.file("nginx.compose.conf").text


@pytest.mark.parametrize("name", SHIPPED)
def test_kubernetes_splits_plain_and_secret_variables(shipped: Get, name: str) -> None:
    ship = shipped(name)
    plan = ship.plan
    deployment, service = yaml.safe_load_all(ship.file("k8s/deployment.yaml").text)
    assert deployment["spec"]["replicas"] == plan.instances
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    for probe in ("readinessProbe", "livenessProbe"):
        if plan.health:
            assert container[probe]["httpGet"]["path"] == plan.health
        else:
            assert "tcpSocket" in container[probe]
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["resources"]["limits"]["memory"]
    assert service["kind"] == "Service"
    config = yaml.safe_load(ship.file("k8s/configmap.yaml").text)
    secret = yaml.safe_load(ship.file("k8s/secret.yaml").text)
    assert set(secret["stringData"]) == set(plan.secret_keys)
    assert set(secret["stringData"].values()) == {PLACEHOLDER}
    assert set(config["data"]).isdisjoint(secret["stringData"])
    assert set(plan.plain) <= set(config["data"])


@pytest.mark.parametrize("name", SHIPPED)
def test_systemd_unit_is_a_socketless_template_per_port(shipped: Get, name: str) -> None:
    ship = shipped(name)
    [unit] = [f for f in ship.files["systemd"] if f.kind == "systemd"]
    assert unit.path == Path(f"systemd/{ship.plan.slug}@.service")
    text = unit.text
    assert "Environment=GUNICORN_BIND=127.0.0.1:%i" in text
    for env_file in ship.plan.env_files:
        assert f"EnvironmentFile=/etc/{ship.plan.slug}/{Path(env_file).name}\n" in text
    if name == "sample_app":  # APP_DESCRIPTION="${APP_NAME}: …" in sample_app/.env
        assert any("APP_DESCRIPTION" in note for note in unit.notes)
    if ship.plan.kind == "gunicorn":
        assert "Type=notify" in text
        assert (
            "ExecStart=/srv/" + ship.plan.slug + "/.venv/bin/gunicorn --config gunicorn.conf.py"
            in text
        )
        assert any(f.path == Path("gunicorn.conf.py") for f in ship.files["systemd"])
    else:
        assert "--port %i" in text


def test_gunicorn_conf_keeps_the_projects_worker_and_timeouts(shipped: Get) -> None:
    text = shipped("sample_app").file("gunicorn.conf.py").text
    # sample_app/gunicorn.conf.py says uvicorn_worker and timeout 60 / graceful 20
    assert "worker_class = 'uvicorn_worker.UvicornWorker'" in text
    assert "timeout = 60\n" in text and "graceful_timeout = 20\n" in text
    assert "max_requests = 1000" in text and "max_requests_jitter = 100" in text
    assert "control_socket_disable = True" in text
    assert "workers = int(os.environ.get('WEB_CONCURRENCY', '2'))" in text


def test_a_missing_server_package_is_noted(shipped: Get) -> None:
    ship = shipped("deploy_backend")  # depends on gunicorn, not on uvicorn-worker
    assert "uvicorn-worker" in ship.plan.missing_server_packages()
    docker = ship.file("Dockerfile")
    assert "uv pip install --python /app/.venv/bin/python uvicorn-worker" in docker.text
    assert any("uvicorn-worker" in note for note in docker.notes)


def test_the_preview_diffs_against_the_projects_own_file(shipped: Get) -> None:
    conf = shipped("sample_app").file("gunicorn.conf.py")
    assert (
        conf.existing == (Path(shipped("sample_app").project.root) / "gunicorn.conf.py").read_text()
    )
    diff = conf.diff()
    assert diff.startswith("--- a/gunicorn.conf.py\n+++ b/gunicorn.conf.py\n")
    assert '-bind = "127.0.0.1:8000"' in diff
    fresh = shipped("deploy_src_poetry").file("Dockerfile")
    assert fresh.existing is None and fresh.diff().startswith("--- /dev/null\n")


def test_readiness_puts_blocking_findings_first(shipped: Get) -> None:
    ship = shipped("sample_app")
    findings = readiness(ship.project, ship.profile, ship.config)
    assert findings and blocking(findings[0])
    flags = [blocking(f) for f in findings]
    assert flags == sorted(flags, reverse=True)
    assert any(f.key == "SECRET_KEY" and blocking(f) for f in findings)  # "change-me"


def test_generate_inspects_the_app_itself_and_refuses_bad_input(shipped: Get) -> None:
    ship = shipped("sample_app")
    [conf] = generate(ship.project, "production", ship.config, "nginx", 2)
    assert conf.path == Path("nginx.conf") and "location = /ws/echo" in conf.text
    with pytest.raises(DeployError, match="instances: 0 must be at least 1"):
        generate(ship.project, "production", ship.config, "nginx", 0)
    with pytest.raises(DeployError, match="target: 'helm' is not one of"):
        render(ship.plan, "helm")  # type: ignore[arg-type]


def test_a_plain_variable_holding_a_secret_goes_to_the_secret(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": "from fastapi import FastAPI\n\napp = FastAPI()\n",
            ".env": 'API_KEY=k3y-Value-0042-abcdef\nGREETING="hello ${API_KEY}"\nMODE=prod\n',
        },
    )
    project = open_project(tmp_path)
    plan = plan_deploy(project, "default", LaunchConfig("p", "default", "gunicorn"), 1)
    assert plan.secret_keys == ("API_KEY", "GREETING") and dict(plan.plain) == {"MODE": "prod"}
    text = "".join(f.text for target in TARGETS for f in render(plan, target))
    assert "k3y-Value-0042-abcdef" not in text
