"""The hand-off to an engine (issue 14, item 4): the command asgideck builds for compose
and kubectl, its output streamed line by line, cancel ending the whole group, and one
line naming what to install when the engine is not on PATH. The engines are fake
scripts on PATH (the seam): they echo their arguments and a few lines."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from asgideck.runtime.deploy import PLACEHOLDER, DeployError, HandoffRun, handoff
from asgideck.runtime.profiles import load_profile
from support.servers import live

ECHO = """#!/bin/sh
echo "args: $*"
echo "cwd: $(pwd)"
echo "to stderr" >&2
echo "secret: $SHOWN"
exit 7
"""
BLOCK = """#!/bin/sh
echo "started $$"
while :; do sleep 1; done
"""


def _engine(bin_dir: Path, name: str, script: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    path = bin_dir / name
    path.write_text(script)
    path.chmod(0o755)


@pytest.fixture
def bin_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """PATH holds only this folder: no real docker, podman or kubectl is found."""
    folder = tmp_path / "bin"
    folder.mkdir()
    monkeypatch.setenv("PATH", str(folder))
    return folder


@pytest.fixture
def root(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "k8s").mkdir(parents=True)
    for name in ("compose.yaml", "nginx.compose.conf", "Dockerfile"):
        (project / name).write_text(f"# {name}\n")
    (project / ".env").write_text("APP_NAME=demo\n")
    (project / ".env.production").write_text("SECRET_KEY=s3cr3t-value-for-tests-only\n")
    (project / "k8s" / "deployment.yaml").write_text("kind: Deployment\n")
    (project / "k8s" / "configmap.yaml").write_text("kind: ConfigMap\n")
    (project / "k8s" / "secret.yaml").write_text(f"stringData:\n  SECRET_KEY: {PLACEHOLDER}\n")
    return project


def _collect(run_start):  # type: ignore[no-untyped-def]
    lines: list[str] = []
    codes: list[int] = []
    lock = threading.Lock()

    def on_line(line: str) -> None:
        with lock:
            lines.append(line)

    run = run_start(on_line, codes.append)
    return run, lines, codes


def test_compose_runs_docker_compose_up_scale_and_streams_its_output(
    bin_dir: Path, root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _engine(bin_dir, "docker", ECHO)
    monkeypatch.setenv("SHOWN", "s3cr3t-value-for-tests-only")
    profile = load_profile(root, "production")
    plan = handoff("compose", root, 3, profile=profile)
    assert plan is not None and plan.available and plan.label == "Run with docker compose"
    assert plan.argv[1:] == (
        "compose", "-f", "compose.yaml", "--env-file", ".env", "--env-file", ".env.production",
        "up", "--build", "--scale", "app=3",
    )  # fmt: skip
    run, lines, codes = _collect(plan.start)
    assert isinstance(run, HandoffRun)
    assert run.wait(30) == 7 and codes == [7]
    assert f"args: {' '.join(plan.argv[1:])}" in lines
    assert f"cwd: {root}" in lines and "to stderr" in lines
    assert "secret: ****" in lines  # the profile's secret value is masked in the output
    assert not any("s3cr3t" in line for line in lines)


def test_podman_when_there_is_no_docker(bin_dir: Path, root: Path) -> None:
    _engine(bin_dir, "podman", ECHO)
    plan = handoff("compose", root, 2)
    assert plan is not None and plan.label == "Run with podman compose"
    assert Path(plan.argv[0]).name == "podman" and plan.argv[-2:] == ("--scale", "app=2")


def test_kubectl_apply_leaves_out_a_secret_that_still_holds_placeholders(
    bin_dir: Path, root: Path
) -> None:
    _engine(bin_dir, "kubectl", ECHO)
    plan = handoff("k8s", root)
    assert plan is not None and plan.label == "kubectl apply"
    assert plan.argv[1:] == ("apply", "-f", "k8s/configmap.yaml", "-f", "k8s/deployment.yaml")
    assert any("secret.yaml still holds REPLACE_ME" in note for note in plan.notes)
    (root / "k8s" / "secret.yaml").write_text("stringData:\n  SECRET_KEY: filled-in\n")
    plan = handoff("k8s", root)
    assert plan is not None and plan.argv[1:] == ("apply", "-f", "k8s/") and not plan.notes
    run, lines, _codes = _collect(plan.start)
    assert run.wait(30) == 7 and "args: apply -f k8s/" in lines


def test_without_the_engine_one_line_says_what_to_install(bin_dir: Path, root: Path) -> None:
    compose, k8s = handoff("compose", root), handoff("k8s", root)
    assert compose is not None and not compose.available
    assert compose.missing.startswith("docker compose is not installed: install Docker")
    assert k8s is not None and "kubectl is not installed" in k8s.missing
    assert "\n" not in compose.missing + k8s.missing
    with pytest.raises(DeployError, match="docker compose is not installed"):
        compose.start()
    assert handoff("nginx", root) is None  # nothing to hand off: a file a person installs


def test_files_not_written_yet_are_named_and_nothing_runs(bin_dir: Path, root: Path) -> None:
    _engine(bin_dir, "docker", ECHO)
    (root / "Dockerfile").unlink()
    plan = handoff("compose", root)
    assert plan is not None
    with pytest.raises(DeployError, match=r"^Dockerfile: not in .* yet: write the generated"):
        plan.start()


def test_cancel_ends_the_whole_group(bin_dir: Path, root: Path) -> None:
    _engine(bin_dir, "docker", BLOCK)
    plan = handoff("compose", root)
    assert plan is not None
    started = threading.Event()
    run = plan.start(lambda line: started.set() if line.startswith("started") else None)
    assert started.wait(30)
    assert run.running
    run.tree.refresh(scan_group=True)
    pids = run.tree.pids
    assert run.tree.pid in pids
    result = run.cancel(grace=5)
    assert result.clean and run.cancelled and not run.running
    assert run.wait(5) is not None
    assert live(pids) == []
