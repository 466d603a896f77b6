"""The checks really check: each real tool fails a broken file, naming what is wrong,
and the nginx check leaves no process and writes nothing outside its own prefix."""

from __future__ import annotations

import hashlib
import re
import shutil
from pathlib import Path

import pytest

from asgideck.runtime.deploy import (
    GeneratedFile,
    check,
    compose_problems,
    dockerfile_problems,
    find_nginx,
    k8s_problems,
    nginx_main,
    systemd_problems,
)
from asgideck.runtime.project import open_project
from support import REPO, SAMPLE_APP

SCHEMAS = REPO / "runtime" / "deploy" / "schemas"

GOOD_DOCKERFILE = """\
FROM python:3.12-slim AS builder
RUN python -m venv /app/.venv
FROM python:3.12-slim
COPY --from=builder /app/.venv /app/.venv
USER 10001:10001
CMD ["gunicorn", "--config", "gunicorn.conf.py"]
"""


def _file(path: str, text: str, kind: str) -> GeneratedFile:
    return GeneratedFile(Path(path), text, None, kind)  # type: ignore[arg-type]


def test_the_vendored_compose_schema_is_the_one_its_readme_names() -> None:
    readme = (SCHEMAS / "README.md").read_text(encoding="utf-8")
    [noted] = re.findall(r"sha256: ([0-9a-f]{64})", readme)
    data = (SCHEMAS / "compose-spec.json").read_bytes()
    assert hashlib.sha256(data).hexdigest() == noted
    assert (SCHEMAS / "LICENSE.compose-spec").is_file()


def test_compose_schema_rejects_what_compose_would() -> None:
    assert compose_problems("services:\n  app:\n    image: x\n") == []
    problems = compose_problems("services:\n  app:\n    image: x\n    replicas: 3\n")
    assert problems and problems[0].startswith("services.app:")
    assert "replicas" in problems[0]
    assert compose_problems("services:\n  app:\n    depends_on: {db: {condition: maybe}}\n")


def test_kubernetes_schema_rejects_unknown_and_mistyped_fields() -> None:
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {A: '1'}\n"
    assert k8s_problems(good) == []
    assert k8s_problems(good.replace("data: {A: '1'}", "data: {A: 1}"))
    unknown = k8s_problems(good + "spec: {}\n")
    assert unknown and unknown[0].startswith("ConfigMap x:")


def test_dockerfile_rules() -> None:
    assert dockerfile_problems(GOOD_DOCKERFILE) == []
    as_root = dockerfile_problems(GOOD_DOCKERFILE.replace("USER 10001:10001\n", ""))
    assert as_root == ["the final stage runs as root (no USER with another user)"]
    shell = dockerfile_problems(
        GOOD_DOCKERFILE.replace('CMD ["gunicorn", "--config", "gunicorn.conf.py"]', "CMD gunicorn")
    )
    assert shell == ["line 6: CMD in shell form: signals do not reach the server"]
    stage = dockerfile_problems(GOOD_DOCKERFILE.replace("--from=builder", "--from=build"))
    assert stage == ["line 4: COPY --from=build: no earlier stage"]
    assert (
        dockerfile_problems("RUN echo hi\n" + GOOD_DOCKERFILE)[0]
        == "line 1: RUN before the first FROM"
    )
    assert dockerfile_problems(GOOD_DOCKERFILE + "FROBNICATE x\n") == [
        "line 7: unknown instruction FROBNICATE"
    ]


def test_systemd_unit_rules() -> None:
    good = (
        "[Unit]\nDescription=x\n[Service]\nExecStart=/bin/true\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )
    assert systemd_problems(good) == []
    assert systemd_problems(good.replace("/bin/true", "true")) == [
        "[Service] needs one ExecStart with an absolute path"
    ]
    assert (
        systemd_problems("ExecStart=/bin/true\n" + good)[0]
        == "line 1: not Key=Value inside a [Section]"
    )


@pytest.mark.skipif(find_nginx() is None, reason="nginx is not installed")
@pytest.mark.integration
def test_nginx_check_fails_a_broken_site(
    tmp_path: Path,
) -> None:
    project = open_project(SAMPLE_APP)
    broken = (
        "upstream u { least_conn; server 127.0.0.1:8000; }\n"
        "server { listen 80; location / { proxy_pass http://u } }\n"
    )
    good = broken.replace("http://u }", "http://u; }")
    results = check(
        [_file("a.conf", broken, "nginx"), _file("b.conf", good, "nginx")], project, "production"
    )
    assert [r.ok for r in results] == [False, True]
    assert "a.conf" not in results[0].output and "emerg" in results[0].output


def test_nginx_main_keeps_every_file_nginx_writes_inside_its_prefix(tmp_path: Path) -> None:
    text = nginx_main(tmp_path, tmp_path / "site.conf")
    paths = re.findall(r"\s(/\S+?);", text)
    assert paths and all(Path(p).is_relative_to(tmp_path) for p in paths)
    for name in (
        "pid",
        "error_log",
        "access_log",
        "client_body_temp_path",
        "proxy_temp_path",
        "fastcgi_temp_path",
        "uwsgi_temp_path",
        "scgi_temp_path",
    ):
        assert f"{name} {tmp_path}" in text
    assert "daemon off;" in text


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="no systemd-analyze")
def test_systemd_analyze_fails_an_unknown_setting() -> None:
    unit = (
        "[Unit]\nDescription=x on %i\n[Service]\nExecStart=/srv/x/.venv/bin/gunicorn\n"
        "[Install]\nWantedBy=multi-user.target\n"
    )
    project = open_project(SAMPLE_APP)
    files = [_file("systemd/x@.service", unit, "systemd")]
    files.append(
        _file("systemd/y@.service", unit.replace("[Install]", "Frobnicate=1\n[Install]"), "systemd")
    )
    good, bad = check(files, project, "production")
    assert (good.tool, good.ok) == ("systemd-analyze verify", True)
    assert not bad.ok and "Unknown key 'Frobnicate'" in bad.output


@pytest.mark.integration
def test_gunicorn_check_fails_an_app_that_does_not_import() -> None:
    project = open_project(SAMPLE_APP)
    conf = "wsgi_app = 'app.nowhere:app'\nworker_class = 'uvicorn_worker.UvicornWorker'\n"
    [result] = check([_file("gunicorn.conf.py", conf, "gunicorn")], project, "production")
    assert not result.ok
    assert "app.nowhere" in result.output
