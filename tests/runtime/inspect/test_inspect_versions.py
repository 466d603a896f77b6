"""The inspect probe under an older FastAPI (before 0.137's private include_router entries).

The same checks as the other inspect tests run again with the interpreter of a venv
holding FastAPI 0.115 (built once per machine by fastapi_versions.py, then cached),
and the order proof serves the app with that venv's uvicorn.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

from asgideck.runtime.inspect import Dependency, RouteInfo
from asgideck.runtime.probe import PROBE_SCRIPT
from support.fastapi_versions import OLD_FASTAPI, venv_python
from support.inspecting import (
    check_factory,
    check_layered,
    check_routers,
    check_starlette,
    inspect,
    prove_layered_order,
)


@pytest.fixture(scope="module")
def old_python() -> Path:
    return venv_python(OLD_FASTAPI)


def test_the_venv_really_has_the_old_fastapi(old_python: Path) -> None:
    info = inspect("routers", python=old_python)
    assert info.fastapi == OLD_FASTAPI
    assert info.starlette is not None and info.starlette.startswith("0.")
    assert info.python.startswith("3.")


def test_layered_and_its_real_order(old_python: Path) -> None:
    info = inspect("layered", python=old_python)
    check_layered(info)
    prove_layered_order(info, python=old_python)


def test_routers(old_python: Path) -> None:
    check_routers(inspect("routers", python=old_python))


def test_factory(old_python: Path) -> None:
    check_factory(inspect("factory", python=old_python))


def test_starlette(old_python: Path) -> None:
    check_starlette(inspect("starlette_only", python=old_python))


def _shape(dep: Dependency) -> tuple[object, ...]:
    children = tuple(_shape(d) for d in dep.dependencies)
    source = dep.source if dep.source and not Path(dep.source).is_absolute() else "library"
    return (dep.name, dep.call, source, dep.use_cache, dep.is_generator, dep.scopes, children)


def _route(route: RouteInfo) -> tuple[object, ...]:
    deps = tuple(_shape(d) for d in route.dependencies)
    if route.endpoint and route.endpoint.startswith("fastapi."):
        return (route.kind, route.path, route.methods)  # FastAPI's own docs routes
    return (route.kind, route.path, route.methods, route.endpoint, route.source, route.tags, deps)


def test_both_versions_report_the_same_app(old_python: Path) -> None:
    for name in ("routers", "layered"):
        old, new = inspect(name, python=old_python), inspect(name)
        assert [_route(r) for r in old.all_routes()] == [_route(r) for r in new.all_routes()]
        assert [(m.name, m.options) for m in old.middleware if m.user] == [
            (m.name, m.options) for m in new.middleware if m.user
        ]
    # ...while FastAPI's own layers differ between the versions: they are read, not assumed
    builtin_old = [m.name for m in old.middleware if not m.user]
    builtin_new = [m.name for m in new.middleware if not m.user]
    assert builtin_old == ["ServerErrorMiddleware", "ExceptionMiddleware", "APIRouter"]
    assert builtin_new != builtin_old and "AsyncExitStackMiddleware" in builtin_new


# the probe script and the sibling files it loads by path (not the package's __init__,
# which only asgideck's own process imports)
PROBE_FILES = sorted(PROBE_SCRIPT.parent.glob("_[!_]*.py"))


@pytest.mark.parametrize("path", PROBE_FILES, ids=lambda path: path.name)
def test_probe_files_parse_as_python_38(path: Path) -> None:
    ast.parse(path.read_text(encoding="utf-8"), feature_version=(3, 8))


@pytest.mark.parametrize("path", PROBE_FILES, ids=lambda path: path.name)
def test_probe_files_import_only_stdlib_and_each_other(path: Path) -> None:
    siblings = {p.stem for p in PROBE_FILES}
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots = {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            assert node.level == 1 and node.module in siblings, ast.dump(node)
            continue
        elif isinstance(node, ast.ImportFrom):
            roots = {(node.module or "").split(".")[0]}
        else:
            continue
        assert roots <= set(sys.stdlib_module_names) | {"__future__"}, (path.name, roots)
