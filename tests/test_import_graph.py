"""The tree shows the architecture: no import cycles, no stray runtime modules, every
package folder shipped.

import-linter (``make lint``) guards the arrows between packages; these tests guard
what it cannot express: a cycle between any two modules (counting imports inside
functions and under ``TYPE_CHECKING``, which still tie the two files together),
the short list of shared runtime modules, and ``[tool.setuptools] packages``
agreeing with the folders on disk (a folder missing there is missing from the wheel).
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path

from support import REPO

# Folders whose modules the graph covers, and the import names they install as.
ROOTS = {"runtime": "asgideck.runtime", "gui": "asgideck.gui"}
# The only runtime modules that live outside a capability package (DESIGN.md).
SHARED_RUNTIME_MODULES = {
    "__init__",
    "errors",
    "events",
    "userstate",
    "editor",
    "secrets",
    "sourcetree",
    "terminal",
    "_lazy",  # the packages' lazy public names (PEP 562)
}

Graph = Mapping[str, Iterable[str]]


def module_name(path: Path, folder: Path, package: str) -> str:
    """``runtime/servers/_launch.py`` -> ``asgideck.runtime.servers._launch``."""
    parts = list(path.relative_to(folder).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([package, *parts])


def collect_modules(repo: Path, roots: Mapping[str, str]) -> dict[str, Path]:
    modules: dict[str, Path] = {}
    for folder_name, package in roots.items():
        folder = repo / folder_name
        for path in sorted(folder.rglob("*.py")):
            if "__pycache__" not in path.parts:
                modules[module_name(path, folder, package)] = path
    return modules


def imported_modules(source: str, name: str, is_package: bool, known: set[str]) -> set[str]:
    """The modules in ``known`` that ``name``'s source imports, anywhere in the file.

    ``from pkg import x`` counts as importing ``pkg.x`` when that is a module and as
    importing ``pkg`` (its ``__init__``) otherwise.
    """
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base_parts = package.split(".")
                base_parts = base_parts[: len(base_parts) - (node.level - 1)]
                base = ".".join([*base_parts, *([node.module] if node.module else [])])
            else:
                base = node.module or ""
            for alias in node.names:
                child = f"{base}.{alias.name}"
                found.add(child if child in known else base)
    return (found & known) - {name}


def build_graph(modules: Mapping[str, Path]) -> dict[str, set[str]]:
    known = set(modules)
    return {
        name: imported_modules(
            path.read_text(encoding="utf-8"), name, path.name == "__init__.py", known
        )
        for name, path in modules.items()
    }


def find_cycles(graph: Graph) -> list[list[str]]:
    """Every module that is part of a cycle, each shown by its shortest way back to itself.

    Tarjan's strongly connected components find the tangles; a breadth-first search
    per member gives a path short enough to read in a failure message.
    """
    cycles: list[list[str]] = []
    for component in _tangles(graph):
        seen: set[tuple[str, ...]] = set()
        for start in component:
            cycle = _shortest_cycle(graph, set(component), start)
            key = _rotation_key(cycle[:-1])
            if key not in seen:
                seen.add(key)
                cycles.append(cycle)
    return cycles


def _tangles(graph: Graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _shortest_cycle(graph: Graph, members: set[str], start: str) -> list[str]:
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        next_frontier = []
        for node in frontier:
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    return [*paths[node], start]
                if nxt in members and nxt not in paths:
                    paths[nxt] = [*paths[node], nxt]
                    next_frontier.append(nxt)
        frontier = next_frontier
    raise AssertionError(f"{start} is in a tangle but no path leads back to it")


def _rotation_key(cycle: list[str]) -> tuple[str, ...]:
    """The same cycle entered at another module compares equal."""
    turn = cycle.index(min(cycle))
    return tuple(cycle[turn:] + cycle[:turn])


def package_problems(listed: Iterable[str], on_disk: Iterable[str]) -> list[str]:
    listed_set, disk_set = set(listed), set(on_disk)
    return [
        *(
            f"{name}: a package folder missing from packages"
            for name in sorted(disk_set - listed_set)
        ),
        *(
            f"{name}: listed in packages but has no __init__.py"
            for name in sorted(listed_set - disk_set)
        ),
    ]


def _setuptools_config() -> dict[str, object]:
    with (REPO / "pyproject.toml").open("rb") as handle:
        config: dict[str, object] = tomllib.load(handle)["tool"]["setuptools"]
    return config


def _packages_on_disk(package_dir: Mapping[str, str]) -> set[str]:
    """Every folder with an ``__init__.py`` under a mapped folder, as its import name."""
    found = set()
    for package, folder_name in package_dir.items():
        folder = (REPO / folder_name).resolve()
        if folder == REPO:
            found.add(package)  # the root maps to asgideck itself; its subfolders are mapped
            continue
        for init in folder.rglob("__init__.py"):
            if "__pycache__" not in init.parts:
                found.add(module_name(init, folder, package))
    return found


def test_no_module_imports_a_module_that_imports_it_back() -> None:
    cycles = find_cycles(build_graph(collect_modules(REPO, ROOTS)))
    assert not cycles, "import cycles:\n" + "\n".join(" -> ".join(c) for c in cycles)


def test_the_cycle_finder_names_a_cycle_in_a_synthetic_tree(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "views").mkdir(parents=True)
    (pkg / "__init__.py").write_text("")
    (pkg / "views" / "__init__.py").write_text("")
    (pkg / "views" / "try_view.py").write_text("from .helpers import fill\n")
    (pkg / "views" / "helpers.py").write_text(
        "def fill():\n    from asgideck.pkg.views import try_view\n"
    )
    (pkg / "leaf.py").write_text("import asgideck.pkg.views.helpers\n")
    graph = build_graph(collect_modules(tmp_path, {"pkg": "asgideck.pkg"}))
    assert graph["asgideck.pkg.leaf"] == {"asgideck.pkg.views.helpers"}
    views = "asgideck.pkg.views"
    assert find_cycles(graph) == [[f"{views}.helpers", f"{views}.try_view", f"{views}.helpers"]]


def test_every_module_of_a_tangle_is_named() -> None:
    graph = {"v": {"a", "b"}, "a": {"v"}, "b": {"v"}, "leaf": {"v"}}
    assert find_cycles(graph) == [["a", "v", "a"], ["b", "v", "b"]]


def test_from_package_import_name_resolves_to_the_module_or_the_package() -> None:
    known = {"a.p", "a.p.mod", "a.q"}
    source = "from a.p import mod, CONSTANT\nfrom . import q\n"
    assert imported_modules(source, "a.x", False, known) == {"a.p", "a.p.mod", "a.q"}
    # Inside a package __init__, one leading dot is the package itself.
    assert imported_modules("from .mod import f\n", "a.p", True, known) == {"a.p.mod"}


def test_runtime_modules_live_in_capability_packages() -> None:
    stray = sorted(p.stem for p in (REPO / "runtime").glob("*.py"))
    stray = [name for name in stray if name not in SHARED_RUNTIME_MODULES]
    assert stray == [], f"runtime modules outside a capability package: {stray}"


def test_every_source_folder_is_a_package() -> None:
    """A folder of modules without ``__init__.py`` would be a namespace package, never shipped."""
    loose = sorted(
        str(folder.relative_to(REPO))
        for root in ROOTS
        for folder in {p.parent for p in (REPO / root).rglob("*.py")}
        if "__pycache__" not in folder.parts and not (folder / "__init__.py").is_file()
    )
    assert loose == []


def test_every_package_folder_is_listed_in_pyproject() -> None:
    config = _setuptools_config()
    package_dir = config["package-dir"]
    listed = config["packages"]
    assert isinstance(package_dir, dict) and isinstance(listed, list)
    assert set(ROOTS.values()) <= set(package_dir), "runtime/gui must be mapped by package-dir"
    assert package_problems(listed, _packages_on_disk(package_dir)) == []


def test_a_missing_or_extra_package_is_reported() -> None:
    assert package_problems(["a", "a.gone"], ["a", "a.new"]) == [
        "a.new: a package folder missing from packages",
        "a.gone: listed in packages but has no __init__.py",
    ]
