"""The project's own way, as reference: code run under the project's interpreter exactly
as a server started by ``run`` would import the app (not through asgideck's probe).

Parity tests compare what asgideck *says* (``check``, ``inspect``) with what this
reports; both sides must see the same interpreter, working directory, environment and
``sys.path``, or a difference would be the harness's, not the runtime's.
"""

from __future__ import annotations

import json
import subprocess

from asgideck.runtime.project import Project
from asgideck.runtime.servers import LaunchConfig, build_spec, child_env

__all__ = ["ROUTES", "import_routes", "own_verdict", "run_as_launched"]

#: Imports the app (building it when it is a factory) and prints its routes as JSON:
#: ``[[path, [methods…]], …]`` from ``app.routes`` -- through FastAPI's own
#: ``iter_route_contexts`` where it has one (0.137+ keeps an ``include_router`` as one
#: lazy entry in ``app.routes`` and that function lists the routes it stands for).
ROUTES = """\
import importlib, json
module, _, attr = {target!r}.partition(":")
app = getattr(importlib.import_module(module), attr)
if {factory!r}:
    app = app()
try:
    from fastapi.routing import iter_route_contexts
except ImportError:
    routes = list(app.routes)
else:
    routes = list(iter_route_contexts(app.routes))
print(json.dumps([[r.path, sorted(getattr(r, "methods", None) or [])] for r in routes]))
"""


def run_as_launched(
    project: Project, profile: str, code: str, *, timeout: float = 60.0
) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``python -c`` where a server for ``profile`` runs: the project's
    interpreter, the launch's working directory and environment (``child_env``), and the
    app's ``--app-dir`` first on ``sys.path`` as uvicorn puts it."""
    spec = build_spec(project, LaunchConfig(profile, profile))
    prelude = ""
    if spec.app_dir is not None:
        prelude = f"import sys; sys.path.insert(0, {str(spec.root / spec.app_dir)!r})\n"
    return subprocess.run(
        [str(spec.python), "-c", prelude + code],
        cwd=spec.root,
        env=child_env(spec),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def own_verdict(project: Project, profile: str, construct: str) -> tuple[bool, str]:
    """(fails, stderr) of the project's own settings construction ``construct``."""
    done = run_as_launched(project, profile, construct)
    return done.returncode != 0, done.stderr


def import_routes(project: Project, profile: str) -> list[tuple[str, tuple[str, ...]]]:
    """``(path, methods)`` of every route in ``app.routes`` after importing the app the
    project's way; fails the test with the app's traceback when it does not import."""
    assert project.app is not None, project.app_error
    code = ROUTES.format(target=project.app.import_string, factory=project.app.factory)
    done = run_as_launched(project, profile, code)
    assert done.returncode == 0, done.stderr
    return [(path, tuple(methods)) for path, methods in json.loads(done.stdout)]
