"""What a review on real layouts found (review14): a development server's settings
never become the production command, requirements that include other files build, and
instances never run past the last port."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from asgideck.runtime.deploy import (
    DeployError,
    DeployPlan,
    ScaledGroup,
    check,
    compose_problems,
    dockerfile_problems,
    find_nginx,
    plan_deploy,
    render,
)
from asgideck.runtime.project import open_project
from asgideck.runtime.servers import LaunchConfig, alive_entries, free_port
from support.files import write_files

APP = "from fastapi import FastAPI\n\napp = FastAPI()\n"


def _plan(root: Path, config: LaunchConfig, instances: int = 1) -> DeployPlan:
    return plan_deploy(open_project(root), "default", config, instances)


def test_a_development_server_is_shipped_as_gunicorn_with_workers(tmp_path: Path) -> None:
    # the default server of a profile like "default" is uvicorn --reload, one process:
    # the production files must not run one reloading-less uvicorn worker from it
    write_files(tmp_path, {"main.py": APP, ".env": "MODE=x\n"})
    dev = LaunchConfig("default", "default", "uvicorn", port=8000, reload=True)
    plan = _plan(tmp_path, dev)
    assert (plan.kind, plan.workers) == ("gunicorn", 2)
    assert any("development server" in note for note in plan.notes)
    [dockerfile, _ignore, _conf] = render(plan, "docker")
    assert (
        dockerfile.text.strip().splitlines()[-1]
        == 'CMD ["gunicorn", "--config", "gunicorn.conf.py"]'
    )
    # a production uvicorn server (no reload) is kept as chosen
    prod = LaunchConfig("prod", "default", "uvicorn", port=8000, workers=3)
    plan = _plan(tmp_path, prod)
    assert (plan.kind, plan.workers) == ("uvicorn", 3)


def test_requirements_that_include_other_files_are_all_mounted(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {
            "main.py": APP,
            ".env": "MODE=x\n",
            "requirements/prod.txt": "-r base.txt\ngunicorn\n",
            "requirements/base.txt": "fastapi\n-c ../constraints.txt\n",
            "constraints.txt": "fastapi<1\n",
        },
    )
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn"))
    deps = plan.dependencies
    assert deps.files == ("requirements/prod.txt", "requirements/base.txt", "constraints.txt")
    [dockerfile, *_rest] = render(plan, "docker")
    text = dockerfile.text
    for name in deps.files:  # pip resolves -r/-c relative to the including file
        assert f"--mount=type=bind,source={name},target=/tmp/req/{name}" in text
    assert "pip install -r /tmp/req/requirements/prod.txt" in text
    assert dockerfile_problems(text) == []


def test_requirements_installing_the_project_copy_the_source_first(tmp_path: Path) -> None:
    write_files(
        tmp_path, {"main.py": APP, ".env": "MODE=x\n", "requirements.txt": "-e .\nfastapi\n"}
    )
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn"))
    [dockerfile, *_rest] = render(plan, "docker")
    text = dockerfile.text
    builder = text.split("AS runtime")[0]
    assert -1 < builder.find("COPY . .") < builder.find("pip install -r requirements.txt")
    assert "--mount=type=bind" not in builder


def test_instances_never_run_past_the_last_port(tmp_path: Path) -> None:
    write_files(tmp_path, {"main.py": APP, ".env": "MODE=x\n"})
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn", port=65530), 10)
    for target in ("nginx", "systemd"):
        with pytest.raises(DeployError, match="would need port 65539"):
            render(plan, target)  # type: ignore[arg-type]
    assert render(plan, "k8s")  # replicas have no port of their own


@pytest.mark.integration
@pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
def test_an_instance_failing_to_start_is_named_with_its_last_line(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"main.py": APP + 'raise RuntimeError("boom at import 4217")\n', ".env": "MODE=x\n"},
    )
    config = LaunchConfig("p", "default", "uvicorn", port=free_port())
    group = ScaledGroup(open_project(tmp_path), config, 2, ready_timeout=60.0)
    try:
        with pytest.raises(DeployError) as caught:
            group.start()
    finally:
        group.stop(2.0)
    message = str(caught.value)
    assert message.startswith("instance #1 (port ")
    assert message.endswith("its last line: RuntimeError: boom at import 4217")
    assert group.status().state == "failed" and group.status().nginx_pid is None
    assert alive_entries() == []


def test_a_websocket_path_converter_spans_slashes_in_nginx(tmp_path: Path) -> None:
    app = (
        APP + "\n\n@app.websocket('/ws/{rest:path}')\n"
        "async def any_depth(ws):\n    await ws.accept()\n"
    )
    write_files(tmp_path, {"main.py": app, ".env": "MODE=x\n"})
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn"))
    assert plan.websockets == ("/ws/{rest:path}",)
    [site] = render(plan, "nginx")
    assert "location ~ ^/ws/.+$ {" in site.text  # /ws/a/b too, not one segment only


def test_the_gunicorn_check_loads_the_worker_class_too(tmp_path: Path) -> None:
    """`gunicorn --check-config` imports the app but not the worker class: a start would
    still fail on it, so the check loads it as the arbiter does."""
    write_files(tmp_path, {"main.py": APP, ".env": "MODE=x\n"})
    project = open_project(tmp_path)
    good = LaunchConfig("p", "default", "gunicorn", worker_class="uvicorn.workers.UvicornWorker")
    bad = LaunchConfig("p", "default", "gunicorn", worker_class="no_such_worker_mod.Worker")
    [ok] = check(render(plan_deploy(project, "default", good), "gunicorn"), project, "default")
    assert ok.ok, ok.output
    [failed] = check(render(plan_deploy(project, "default", bad), "gunicorn"), project, "default")
    assert not failed.ok and failed.tool == "gunicorn --check-config"
    assert failed.output.startswith("worker_class 'no_such_worker_mod.Worker' cannot be loaded")
    assert "ModuleNotFoundError" in failed.output


def test_a_profile_host_naming_the_projects_compose_service_is_run_by_compose(
    tmp_path: Path,
) -> None:
    """services_course's layout: DATABASE_URL points at ``db``, a service of the project's
    own docker-compose.yml; the generated compose file must run a database for it."""
    compose = "services:\n  db:\n    image: postgres:15\n  api:\n    build: .\n"
    write_files(
        tmp_path,
        {
            "main.py": APP,
            "docker-compose.yml": compose,
            ".env": "DATABASE_URL=postgresql://user:s3cret-Pass-4411@db:5432/app\n",
        },
    )
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn"), 2)
    assert [s.kind for s in plan.services] == ["postgres"]
    [text, _nginx] = [f.text for f in render(plan, "compose")]
    document = yaml.safe_load(text)
    url = document["services"]["app"]["environment"]["DATABASE_URL"]
    assert url.startswith("postgresql://user:${POSTGRES_PASSWORD:?") and url.endswith(
        "@postgres:5432/app"
    )
    assert document["services"]["app"]["depends_on"]["postgres"]["condition"] == ("service_healthy")
    assert "s3cret-Pass-4411" not in text and compose_problems(text) == []

    # a host that is no compose service stays a server elsewhere
    (tmp_path / ".env").write_text("DATABASE_URL=postgresql://u:p@db.example.com/app\n")
    assert _plan(tmp_path, LaunchConfig("p", "default", "gunicorn")).services == ()


def test_a_mail_catcher_no_variable_points_at_is_not_shipped(tmp_path: Path) -> None:
    """full-stack-fastapi-template: compose.override.yml runs mailcatcher for development;
    a production compose file with it would swallow every mail (and nothing uses it)."""
    override = "services:\n  mailcatcher:\n    image: schickling/mailcatcher\n"
    write_files(
        tmp_path,
        {
            "main.py": APP,
            "compose.yml": "services:\n  backend:\n    build: .\n",
            "compose.override.yml": override,
            ".env": "SMTP_HOST=\nPOSTGRES_SERVER=localhost\nPOSTGRES_PORT=5432\n",
        },
    )
    plan = _plan(tmp_path, LaunchConfig("p", "default", "gunicorn"))
    assert [s.kind for s in plan.services] == ["postgres"]
    assert "mail" not in yaml.safe_load(render(plan, "compose")[0].text)["services"]


def test_a_broken_app_fails_the_gunicorn_check_naming_the_error_first(tmp_path: Path) -> None:
    write_files(
        tmp_path,
        {"main.py": APP + 'raise RuntimeError("boom at import 5309")\n', ".env": "MODE=x\n"},
    )
    project = open_project(tmp_path)
    plan = plan_deploy(project, "default", LaunchConfig("p", "default", "gunicorn"))
    [result] = check(render(plan, "gunicorn"), project, "default")
    assert not result.ok
    # the one line a list shows is the error, not a frame of the traceback
    assert result.line().endswith("FAILED — RuntimeError: boom at import 5309")
    assert 'main.py", line 4, in <module>' in result.output  # the frames follow
