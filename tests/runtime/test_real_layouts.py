"""Issue 9, done-means 1, across the runtime: each real-world layout, with its venv where
the real project keeps it, opened as a new user would (no ``--python``).

For every layout: opening any of its folders finds the same app, the layout's own
interpreter (never asgideck's) and the same profiles; ``check``'s verdict equals the
project's own construction of its settings, both ways round; ``inspect`` lists exactly
the routes that importing the app lists; and ``run`` serves, then stops with nothing
left. The reference side of each comparison runs the project's own code under its own
interpreter as a launched server would (:mod:`support.parity`), never through the probe.

Each layout is copied and given its venv once per module; its extra files add a profile
the settings accept and one they reject (and, for layouts that read no settings, the
settings module a real project of that shape has).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import httpx
import pytest

from asgideck.runtime.inspect import inspect_project
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.servers import LaunchConfig, ManagedServer, ServerManager, free_port
from support.cli import run_cli
from support.files import write_files
from support.parity import import_routes, own_verdict
from support.projects import copy_project, make_venv
from support.servers import assert_tree_gone

pytestmark = pytest.mark.integration

TIMEOUT = 60.0  # any one probe, construction or start; each is about a second


@dataclass(frozen=True)
class Layout:
    """A fixture layout and what the real project of that shape does."""

    venv: str  # where the project keeps its venv, relative to the layout's root
    only_here: str  # the module only that venv has (the app imports it)
    folders: tuple[str, ...]  # folders a user may open ("" = the layout's root)
    app: str  # the import string every folder must find
    profiles: tuple[str, ...]  # what every folder must list
    passing: str  # a profile the settings accept: inspected and run with it
    route: tuple[str, Any]  # a GET route and what it answers under ``passing``
    failing: str | None = None  # a profile the settings reject
    construct: str | None = None  # the project's own construction of its settings
    extra: dict[str, str] = field(default_factory=dict)  # files added to the copy
    fails_on: tuple[str, str] = ("", "")  # the failing profile's problem: variable, file:line
    without: tuple[str, ...] = ()  # suite packages the venv must lack
    server: dict[str, Any] = field(default_factory=dict)  # changes to the default launch


CHECKED_SETTINGS = """\
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")
    api_key: str
    workers: int = 1


settings = Settings()
"""

ADMIN_SETTINGS = """\
from pydantic_settings import BaseSettings


class AdminSettings(BaseSettings):
    admin_token: str
    debug: bool = False


settings = AdminSettings()
"""

LAYOUTS = {
    # uv workspace: the app in backend/, .env and .venv at the root, env_file="../.env"
    "monorepo": Layout(
        venv=".venv",
        only_here="fixture_only_monorepo",
        folders=("", "backend", "backend/app", "backend/app/core"),
        app="app.main:app",
        profiles=("broken", "production"),
        passing="production",
        route=("/api/v1/utils/health-check/", True),
        failing="broken",
        construct="import app.core.config",
        fails_on=("POSTGRES_PORT", "../.env.broken:1"),
        extra={".env.broken": "POSTGRES_PORT=not-a-port\n"},
    ),
    # src/ layout, starlette Config: its own .env keeps "6379 # default" for an int cast
    "src_starlette": Layout(
        venv=".venv",
        only_here="fixture_only_src_starlette",
        folders=("", "src", "src/bookshelf"),
        app="bookshelf.main:app",
        profiles=("local",),
        passing="local",
        route=("/books", []),
        failing="default",
        construct="import bookshelf.config",
        fails_on=("REDIS_PORT", ".env:3"),
        extra={".env.local": "REDIS_PORT=6379\n"},
    ),
    # env_prefix + nested delimiter + (".env.template", ".env"); the venv one folder up
    "prefixed_template": Layout(
        venv="../.venv",
        only_here="fixture_only_prefixed",
        folders=("", "app"),
        app="app.application:get_app",
        profiles=("broken",),
        passing="default",
        route=("/health", {"db": "localhost"}),
        failing="broken",
        construct="from app.settings import AppSettings; AppSettings()",
        fails_on=("APP_CONFIG__DB__PORT", ".env.broken:1"),
        extra={".env.broken": "APP_CONFIG__DB__PORT=fivefour\n"},
    ),
    # create_app() in app/server.py, no main.py
    "factory_server": Layout(
        venv=".venv",
        only_here="fixture_only_factory",
        folders=("", "app", "app/routes"),
        app="app.server:create_app",
        profiles=("broken",),
        passing="default",
        route=("/ping", "pong"),
        failing="broken",
        construct="import app.config",
        fails_on=("WORKERS", ".env.broken:1"),
        extra={
            "app/config.py": CHECKED_SETTINGS,
            ".env": "API_KEY=k-0123456789\n",
            ".env.broken": "WORKERS=many\n",
        },
    ),
    # FastAPI's "bigger applications": a package with relative imports; the venv is venv/
    "relative_pkg": Layout(
        venv="venv",
        only_here="fixture_only_relative",
        folders=("", "app", "app/routers", "app/internal"),
        app="app.main:app",
        profiles=("dev", "prod"),
        passing="dev",
        route=("/", {"message": "Hello Bigger Applications!"}),
        failing="prod",  # no ADMIN_TOKEN anywhere: Field required
        construct="import app.internal.settings",
        fails_on=("ADMIN_TOKEN", ""),  # missing: no line to name
        extra={
            "app/internal/settings.py": ADMIN_SETTINGS,
            ".env.dev": "ADMIN_TOKEN=dev-token-0123\n",
            ".env.prod": "DEBUG=false\n",
        },
    ),
    # gunicorn.conf.py says uvicorn.workers.UvicornWorker; uvicorn-worker is not installed
    "gunicorn_uvicorn_workers": Layout(
        venv=".venv",
        only_here="fixture_only_gunicorn",
        folders=("", "app"),
        app="app.main:app",
        profiles=("default",),
        passing="default",
        route=("/health", {"status": "ok"}),
        without=("uvicorn_worker",),
        server={"kind": "gunicorn", "workers": 2, "reload": False},
    ),
}
CHECKED = sorted(name for name, layout in LAYOUTS.items() if layout.failing is not None)


@dataclass(frozen=True)
class Built:
    layout: Layout
    root: Path  # the layout's copy
    venv: Path  # its venv, where the real project keeps it

    def open(self, folder: str = "") -> Project:
        return open_project(self.root / folder)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[[str], Built]]:
    """Each layout copied (into its own folder: a venv one folder up is nobody else's)
    with its extra files and its venv, once per module and only when a test needs it."""
    cache: dict[str, Built] = {}

    def get(name: str) -> Built:
        if name not in cache:
            layout = LAYOUTS[name]
            root = copy_project(name, tmp_path_factory.mktemp(name))
            write_files(root, layout.extra)
            venv = Path(os.path.normpath(root / layout.venv))
            make_venv(venv, only_here=[layout.only_here], without=layout.without)
            cache[name] = Built(layout, root, venv)
        return cache[name]

    yield get


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_any_folder_finds_the_same_app_interpreter_and_profiles(
    built: Callable[[str], Built], name: str
) -> None:
    copy = built(name)
    seen = set()
    for folder in copy.layout.folders:
        project = copy.open(folder)
        assert project.app is not None, (folder, project.app_error)
        interpreter = project.interpreter
        assert not interpreter.fallback, (folder, interpreter.reason)
        seen.add((project.app.import_string, interpreter.path, project.profiles, project.root))
    assert len(seen) == 1, seen
    [(app, python, profiles, _root)] = seen
    assert (app, profiles) == (copy.layout.app, copy.layout.profiles)
    assert python.parent.parent.resolve() == copy.venv.resolve()


@pytest.mark.parametrize(
    ("name", "verdict"),
    [(name, verdict) for name in CHECKED for verdict in ("passing", "failing")],
)
def test_check_says_what_constructing_the_settings_says(
    built: Callable[[str], Built], name: str, verdict: str
) -> None:
    """Both ways round: the passing profile constructs and checks ok, the failing one
    fails both ways -- and the reference is checked first, so the fixture is honest."""
    copy = built(name)
    profile = getattr(copy.layout, verdict)
    assert copy.layout.construct is not None
    fails, output = own_verdict(copy.open(), profile, copy.layout.construct)
    assert fails == (verdict == "failing"), output
    for folder in copy.layout.folders:
        code, out = run_cli("check", str(copy.root / folder), "--profile", profile, "--json")
        settings = json.loads(out)["settings"]
        said = [(issue["env_var"], issue["source"]) for issue in settings["issues"]]
        assert (said, settings["error"]) == (
            [copy.layout.fails_on] if fails else [],
            None,
        ), (folder, settings, output)
        if fails:  # a passing profile may still exit 1 on readiness (docs open in production)
            assert code == 1, (folder, out)


def test_a_key_the_settings_forbid_is_named_with_its_line(built: Callable[[str], Built]) -> None:
    """prefixed_template's class has ``extra="forbid"``: a stray prefixed key in the .env
    it loads itself fails its construction, and check names that key and its line.
    (A second checkout beside the first: both share the venv one folder up.)"""
    copy = built("prefixed_template")
    root = copy.root.parent / "prefixed_template_stray"
    shutil.copytree(copy.root, root)
    with (root / ".env").open("a", encoding="utf-8") as env:
        env.write("APP_CONFIG__STRAY=1\n")
    assert copy.layout.construct is not None
    fails, output = own_verdict(open_project(root), "default", copy.layout.construct)
    assert fails and "extra_forbidden" in output, output
    code, out = run_cli("check", str(root / "app"), "--profile", "default", "--json")
    [issue] = json.loads(out)["settings"]["issues"]
    assert code == 1
    assert (issue["env_var"], issue["kind"], issue["source"]) == (
        "APP_CONFIG__STRAY",
        "extra_forbidden",
        ".env:2",
    )


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_inspect_lists_the_routes_importing_the_app_lists(
    built: Callable[[str], Built], name: str
) -> None:
    copy = built(name)
    project = copy.open(copy.layout.folders[-1])
    info = inspect_project(project, copy.layout.passing, timeout=TIMEOUT)
    assert info.ok, info.errors
    listed = sorted((r.path, tuple(sorted(r.methods))) for r in info.all_routes())
    imported = sorted(import_routes(project, copy.layout.passing))
    assert listed == imported
    assert copy.layout.route[0] in {path for path, _ in imported}


@pytest.mark.parametrize("name", sorted(LAYOUTS))
def test_run_serves_and_stops_with_nothing_left(built: Callable[[str], Built], name: str) -> None:
    """Started the way the window starts it: the project's default server for the profile
    (``--reload`` for development, gunicorn workers for production) on a free port."""
    copy = built(name)
    want = copy.layout
    project = copy.open()
    manager = ServerManager(project, project.profiles)
    default = next((s.config for s in manager.servers if s.config.profile == want.passing), None)
    config = replace(
        default or LaunchConfig(want.passing, want.passing), port=free_port(), **want.server
    )
    server = manager.add(replace(config, name="matrix"))
    pids: list[int] = []
    try:
        server.start()
        assert server.supervisor is not None
        status = server.supervisor.wait_for("running", "crashed", timeout=TIMEOUT)
        assert status.state == "running", (status.error, _tail(server))
        pids = server.supervisor.pids
        assert server.supervisor.spec.python == project.interpreter.path
        path, answer = want.route
        response = httpx.get(f"{status.url}{path}", timeout=5)
        assert (response.status_code, response.json()) == (200, answer)
    finally:
        result = server.stop(grace=5)
        manager.close(grace=5)
    assert result is not None and result.clean, result
    assert_tree_gone(pids, config.port)


def _tail(server: ManagedServer) -> str:
    """The server's last output lines, for a failure message."""
    return "\n".join(line.text for line in server.buffer.snapshot()[-30:])
