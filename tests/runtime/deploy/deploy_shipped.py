"""The projects the deploy tests ship: sample_app and two other real layouts, each planned,
generated for every target and checked with the real tools (``ship``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.deploy import (
    TARGETS,
    CheckResult,
    DeployPlan,
    GeneratedFile,
    Target,
    check,
    plan_deploy,
    render,
)
from asgideck.runtime.profiles import Profile, load_profile
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.servers import LaunchConfig, default_configs
from support import SAMPLE_APP
from support.projects import copy_project, make_venv

#: The projects every deploy test runs on (sample_app and two layouts unlike it).
SHIPPED = ("sample_app", "deploy_backend", "deploy_src_poetry")


@dataclass(frozen=True)
class Shipped:
    """One project's production profile, planned, generated and checked."""

    name: str
    project: Project
    profile: Profile
    config: LaunchConfig
    plan: DeployPlan
    files: dict[Target, list[GeneratedFile]]
    results: list[CheckResult]

    def all_files(self) -> list[GeneratedFile]:
        return [file for target in TARGETS for file in self.files[target]]

    def file(self, path: str) -> GeneratedFile:
        return next(f for f in self.all_files() if f.path == Path(path))


def _open(name: str, into: Path) -> tuple[Project, LaunchConfig, int]:
    if name == "sample_app":
        project = open_project(SAMPLE_APP)
        [config] = [c for c in default_configs(project.profiles) if c.profile == "production"]
        return project, config, 3
    root = copy_project(name, into)
    if name == "deploy_backend":
        # uv keeps the venv beside uv.lock, in backend/
        make_venv(root / "backend" / ".venv", only_here=["fixture_only_deploy_backend"])
        config = LaunchConfig("production", "production", "gunicorn", port=8000, workers=4)
        return open_project(root), config, 2
    make_venv(root / ".venv", only_here=["fixture_only_deploy_src_poetry"])
    config = LaunchConfig("production", "production", "uvicorn", port=9000, workers=2)
    return open_project(root), config, 3


def ship(name: str, into: Path) -> Shipped:
    """Plan, generate every target and check ``name``'s production profile."""
    project, config, instances = _open(name, into)
    profile = load_profile(project.root, "production")
    plan = plan_deploy(project, profile, config, instances)
    files = {target: render(plan, target) for target in TARGETS}
    every = [file for target in TARGETS for file in files[target]]
    results = check(every, project, profile)
    return Shipped(name, project, profile, config, plan, files, results)
