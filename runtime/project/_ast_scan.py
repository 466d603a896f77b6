"""Finding the app object in a module's AST: instances first, then app factories.

Factories imported from elsewhere in the project are followed (a few levels deep)
by reading their source, never by importing it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path
from typing import NamedTuple

from asgideck.runtime.project._module_names import module_file, parse_source

__all__ = ["APP_CLASSES", "FACTORY_NAMES", "PREFERRED_NAMES", "AppScanner", "definition_of"]

APP_CLASSES = frozenset(
    {"fastapi.FastAPI", "fastapi.applications.FastAPI", "starlette.applications.Starlette"}
)
PREFERRED_NAMES = ("app", "api")
FACTORY_NAMES = ("create_app", "get_app", "make_app", "build_app", "get_application")


def definition_of(tree: ast.Module, name: str) -> tuple[int, bool]:
    """(line, is a function) of the module-level binding of ``name``; (0, False) if none."""
    for node in _module_statements(tree.body):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == name:
            return node.lineno, True
        if name in _assigned_names(node):
            return node.lineno, False
    return 0, False


def _module_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Module-level statements, including those nested in if/try/with blocks."""
    for node in body:
        yield node
        if isinstance(node, ast.If | ast.With):
            yield from _module_statements(node.body)
            yield from _module_statements(getattr(node, "orelse", []))
        elif isinstance(node, ast.Try):
            for block in (node.body, node.orelse, node.finalbody):
                yield from _module_statements(block)
            for handler in node.handlers:
                yield from _module_statements(handler.body)


def _assigned_names(node: ast.stmt) -> list[str]:
    if isinstance(node, ast.Assign):
        return [t.id for t in node.targets if isinstance(t, ast.Name)]
    if isinstance(node, ast.AnnAssign) and node.value is not None:
        return [node.target.id] if isinstance(node.target, ast.Name) else []
    return []


class _Found(NamedTuple):
    attr: str
    line: int
    factory: bool
    snippet: str
    verified: bool


class AppScanner:
    """Finds the app in one module's AST, following factories imported from the project."""

    def __init__(
        self, root: Path, module: str, *, is_package: bool, app_dir: str = "", depth: int = 0
    ) -> None:
        self.root, self.module, self.depth, self.app_dir = root, module, depth, app_dir
        self.package = module if is_package else module.rpartition(".")[0]
        self.aliases: dict[str, str] = {}
        self.functions: dict[str, ast.FunctionDef] = {}
        self.app_classes: set[str] = set()

    def _index(self, tree: ast.Module) -> None:
        package = self.package
        for node in _module_statements(tree.body):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    local = alias.asname or alias.name.split(".")[0]
                    self.aliases[local] = alias.name if alias.asname else local
            elif isinstance(node, ast.ImportFrom):
                source = node.module or ""
                if node.level:
                    parts = package.split(".") if package else []
                    parts = parts[: len(parts) - (node.level - 1)] if node.level > 1 else parts
                    source = ".".join([*parts, *([source] if source else [])])
                for alias in node.names:
                    self.aliases[alias.asname or alias.name] = f"{source}.{alias.name}"
            elif isinstance(node, ast.FunctionDef):
                self.functions[node.name] = node
            elif isinstance(node, ast.ClassDef) and any(
                self._is_app_class(base) for base in node.bases
            ):
                self.app_classes.add(node.name)

    def _qualified(self, expr: ast.expr) -> str | None:
        if isinstance(expr, ast.Name):
            return self.aliases.get(expr.id, f"{self.module}.{expr.id}")
        if isinstance(expr, ast.Attribute):
            base = self._qualified(expr.value)
            return f"{base}.{expr.attr}" if base else None
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return self._qualified(ast.Name(id=expr.value.strip()))
        return None

    def _is_app_class(self, expr: ast.expr) -> bool:
        if isinstance(expr, ast.Name) and expr.id in self.app_classes:
            return True
        return self._qualified(expr) in APP_CLASSES

    def _returns_app(self, func: ast.FunctionDef) -> bool:
        """True for a callable-without-arguments function annotated or returning an app."""
        args = func.args
        if len(args.defaults) < len(args.posonlyargs) + len(args.args):
            return False
        if any(default is None for default in args.kw_defaults):
            return False
        if func.returns is not None and self._is_app_class(func.returns):
            return True
        built: set[str] = set()
        for node in ast.walk(func):
            if isinstance(node, ast.Assign) and self._is_app_call(node.value):
                built.update(t.id for t in node.targets if isinstance(t, ast.Name))
            if isinstance(node, ast.Return) and node.value is not None:
                if self._is_app_call(node.value):
                    return True
                if isinstance(node.value, ast.Name) and node.value.id in built:
                    return True
        return False

    def _is_app_call(self, expr: ast.expr) -> bool:
        return isinstance(expr, ast.Call) and self._is_app_class(expr.func)

    def _is_factory(self, expr: ast.expr) -> bool:
        """``expr`` names a function (here or imported from the project) returning an app."""
        if isinstance(expr, ast.Name) and expr.id in self.functions:
            return self._returns_app(self.functions[expr.id])
        qualified = self._qualified(expr)
        if qualified is None or "." not in qualified or self.depth >= 3:
            return False
        module, _, name = qualified.rpartition(".")
        located = module_file(self.root, module, self.app_dir)
        if located is None or module == self.module:
            return False
        tree = parse_source(located[0])
        if isinstance(tree, str):
            return False
        other = AppScanner(
            self.root,
            module,
            is_package=located[0].name == "__init__.py",
            app_dir=located[1],
            depth=self.depth + 1,
        )
        other._index(tree)
        if name in other.functions:
            return other._returns_app(other.functions[name])
        return name in other.aliases and other._is_factory(ast.Name(id=name))

    def find(self, tree: ast.Module) -> _Found | None:
        """The best candidate in the module, preferring instances over factories."""
        self._index(tree)
        strong: list[tuple[str, int, str]] = []
        weak: list[tuple[str, int, str]] = []
        for node in _module_statements(tree.body):
            value = getattr(node, "value", None)
            if not isinstance(value, ast.Call):
                continue
            callee = ast.unparse(value.func)
            snippet_call = f"{callee}({'...' if value.args or value.keywords else ''})"
            for name in _assigned_names(node):
                candidate = (name, node.lineno, f"{name} = {snippet_call}")
                if self._is_app_call(value) or self._is_factory(value.func):
                    strong.append(candidate)
                elif name in PREFERRED_NAMES and "app" in callee.lower():
                    weak.append(candidate)
        best = _prefer(strong)
        if best is not None:
            return _Found(best[0], best[1], False, best[2], verified=True)
        factories = sorted(
            (name not in FACTORY_NAMES, func.lineno, name)
            for name, func in self.functions.items()
            if self._returns_app(func)
        )
        if factories:
            _, line, name = factories[0]
            return _Found(name, line, True, f"def {name}()", verified=True)
        best = _prefer(weak)
        if best is not None:
            return _Found(best[0], best[1], False, best[2], verified=False)
        return None


def _prefer(candidates: list[tuple[str, int, str]]) -> tuple[str, int, str] | None:
    """``app`` first, then ``api``, then the first in the file (fastapi-cli's order)."""
    for preferred in PREFERRED_NAMES:
        for candidate in candidates:
            if candidate[0] == preferred:
                return candidate
    return candidates[0] if candidates else None
