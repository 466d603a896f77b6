"""Reading a project's source for env loaders, with :mod:`ast` (never run).

Per file, cached by mtime and size: the classes with their ``model_config`` /
``class Config`` env options, the loader calls (starlette ``Config``, decouple,
environs ``read_env``, python-dotenv ``load_dotenv``) with their path arguments
evaluated as far as possible without running (``Path(__file__).parent / ".env"``,
``os.path.join``, module constants), and whether it uses ``os.environ``. What the
facts mean for the project's layers is ``_sources``' business.

A path value is a str/bool/None constant, ``("path", Path)`` (absolute),
``("rel", str)`` (relative to the working directory), ``("pattern", str)`` (an
f-string prefix), ``("up", start[, filename])`` (the nearest file walking up), a list
of those, or ``("?", source)`` when it cannot be known without running.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["FileFacts", "LoaderCall", "file_facts"]

# Files worth parsing: they subclass BaseSettings or import a loader.
_LOADER_NAMES = (b"starlette.config", b"decouple", b"environs", b"dotenv")
_LOADER_IMPORT = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+(?:starlette\.config|decouple|environs|dotenv)\b", re.MULTILINE
)
_ENVIRON = re.compile(rb"os\.getenv\(|os\.environ\b|\bgetenv\(")
_CONFIG_KEYS = ("env_file", "env_prefix", "env_nested_delimiter", "case_sensitive", "extra")


_cache: dict[Path, tuple[int, int, FileFacts | None]] = {}


@dataclass
class LoaderCall:
    """One loader call: ``files`` are (evaluated path expression, label) pairs."""

    loader: str
    files: list[tuple[Any, str]]  # (evaluated path, label)
    line: int
    override: bool = False


@dataclass
class FileFacts:
    """What one file holds: class name -> (bases, env config, line, how), loader calls,
    and the first line using ``os.environ``/``getenv`` (0: none)."""

    classes: dict[str, tuple[list[str], dict[str, Any], int, str]] = field(default_factory=dict)
    calls: list[LoaderCall] = field(default_factory=list)
    uses_environ: int = 0


def file_facts(file: Path) -> FileFacts | None:
    """The file's facts, cached by mtime and size (None: nothing env-related, or unreadable)."""
    try:
        st = file.stat()
    except OSError:
        return None
    cached = _cache.get(file)
    if cached is not None and cached[:2] == (st.st_mtime_ns, st.st_size):
        return cached[2]
    facts = _read_facts(file, st.st_size)
    _cache[file] = (st.st_mtime_ns, st.st_size, facts)
    return facts


def _reads_env_files(data: bytes) -> bool:
    """Cheap substring checks first: a regex over every file is what makes big trees slow."""
    if b"BaseSettings" in data:
        return True
    if not any(name in data for name in _LOADER_NAMES):
        return False
    return _LOADER_IMPORT.search(data) is not None


def _read_facts(file: Path, size: int) -> FileFacts | None:
    if size > 1_000_000:
        return None
    try:
        data = file.read_bytes()
    except OSError:
        return None
    if not _reads_env_files(data):
        environ = _ENVIRON.search(data) if b"environ" in data or b"getenv" in data else None
        if environ is None:
            return None
        # os.getenv only: say so without parsing the file.
        return FileFacts(uses_environ=data.count(b"\n", 0, environ.start()) + 1)
    try:
        tree = ast.parse(data, filename=str(file))
    except (SyntaxError, ValueError):
        return None
    return _Reader(file, tree).facts


class _Reader:
    """Evaluates the few expressions env paths are written with, and collects loaders."""

    def __init__(self, file: Path, tree: ast.Module) -> None:
        self.file = file
        self.constants: dict[str, ast.expr] = {}
        self.imports: dict[str, str] = {}
        self.facts = FileFacts()
        for statement in tree.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    self.constants[target.id] = statement.value
        nodes = list(ast.walk(tree))
        for node in nodes:
            if isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    self.imports[alias.asname or alias.name] = f"{node.module}.{alias.name}"
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    self.imports[alias.asname or alias.name.split(".")[0]] = alias.name
        for node in nodes:
            if isinstance(node, ast.ClassDef):
                self._class(node)
            elif isinstance(node, ast.Call):
                self._call(node)
            elif isinstance(node, ast.Attribute) and node.attr in ("getenv", "environ"):
                self.facts.uses_environ = self.facts.uses_environ or node.lineno

    # --- expressions

    def value(self, expr: ast.expr, depth: int = 0) -> Any:
        """A str/bool/None constant, a ("path", Path) / ("rel", str) / ("pattern", str),
        a list of those, or ("?", source) when it cannot be known without running."""
        if depth > 8:
            return ("?", ast.unparse(expr))
        if isinstance(expr, ast.Constant):
            if isinstance(expr.value, str):
                return ("rel", expr.value)
            return expr.value
        if isinstance(expr, ast.Tuple | ast.List):
            return [self.value(e, depth + 1) for e in expr.elts]
        if isinstance(expr, ast.Name):
            if expr.id == "__file__":
                return ("path", self.file)
            if expr.id in self.constants:
                return self.value(self.constants[expr.id], depth + 1)
        if isinstance(expr, ast.JoinedStr):
            head = expr.values[0] if expr.values else None
            prefix = head.value if isinstance(head, ast.Constant) else ""
            return ("pattern", str(prefix))
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Div):
            return _join(self.value(expr.left, depth + 1), self.value(expr.right, depth + 1))
        if isinstance(expr, ast.Attribute):
            base = self.value(expr.value, depth + 1)
            if expr.attr == "parent" and _is_path(base):
                return (base[0], _parent(base))
        if (
            isinstance(expr, ast.Subscript)
            and isinstance(expr.value, ast.Attribute)
            and expr.value.attr == "parents"
            and isinstance(expr.slice, ast.Constant)
        ):
            base = self.value(expr.value.value, depth + 1)
            if _is_path(base) and isinstance(expr.slice.value, int):
                result = base
                for _ in range(expr.slice.value + 1):
                    result = (result[0], _parent(result))
                return result
        if isinstance(expr, ast.Call):
            name = _dotted(expr.func)
            args = [self.value(a, depth + 1) for a in expr.args]
            last = name.rsplit(".", 1)[-1]
            if last in ("Path", "PurePath") and len(args) == 1:
                return args[0]
            if last in ("resolve", "absolute", "realpath", "abspath", "expanduser", "str"):
                if isinstance(expr.func, ast.Attribute) and last in ("resolve", "absolute"):
                    return self.value(expr.func.value, depth + 1)
                return args[0] if args else ("?", ast.unparse(expr))
            if last == "dirname" and len(args) == 1 and _is_path(args[0]):
                return (args[0][0], _parent(args[0]))
            if last == "join" and args:
                result = args[0]
                for arg in args[1:]:
                    result = _join(result, arg)
                return result
            if last == "joinpath" and isinstance(expr.func, ast.Attribute):
                result = self.value(expr.func.value, depth + 1)
                for arg in args:
                    result = _join(result, arg)
                return result
        return ("?", ast.unparse(expr))

    # --- settings classes

    def _class(self, node: ast.ClassDef) -> None:
        bases = [_dotted(b) for b in node.bases]
        if not bases:
            return
        config: dict[str, Any] = {}
        line = node.lineno
        how = "model_config"
        for item in node.body:
            target = None
            if isinstance(item, ast.Assign) and len(item.targets) == 1:
                target, value = item.targets[0], item.value
            elif isinstance(item, ast.AnnAssign) and item.value is not None:
                target, value = item.target, item.value
            if isinstance(target, ast.Name) and target.id == "model_config":
                line = item.lineno
                if isinstance(value, ast.Call):
                    for keyword in value.keywords:
                        if keyword.arg in _CONFIG_KEYS:
                            config[keyword.arg] = (self.value(keyword.value), item.lineno)
                elif isinstance(value, ast.Dict):
                    for key, val in zip(value.keys, value.values, strict=False):
                        if isinstance(key, ast.Constant) and key.value in _CONFIG_KEYS:
                            config[str(key.value)] = (self.value(val), item.lineno)
            if isinstance(item, ast.ClassDef) and item.name == "Config":
                how = "Config"
                for sub in item.body:
                    if (
                        isinstance(sub, ast.Assign)
                        and len(sub.targets) == 1
                        and isinstance(sub.targets[0], ast.Name)
                        and sub.targets[0].id in _CONFIG_KEYS
                    ):
                        config[sub.targets[0].id] = (self.value(sub.value), sub.lineno)
        self.facts.classes[node.name] = (bases, config, line, how)

    # --- loader calls

    def _call(self, node: ast.Call) -> None:
        name = _dotted(node.func)
        last = name.rsplit(".", 1)[-1]
        full = self.imports.get(name.split(".")[0], "")
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        first = node.args[0] if node.args else None
        if last == "Config" and full.startswith("starlette"):
            arg = first if first is not None else keywords.get("env_file")
            if arg is not None:
                self.facts.calls.append(
                    LoaderCall("starlette", [(self.value(arg), "Config")], node.lineno)
                )
        elif last == "RepositoryEnv" and full.startswith("decouple"):
            if first is not None:
                call = LoaderCall(
                    "python-decouple", [(self.value(first), "RepositoryEnv")], node.lineno
                )
                self.facts.calls.append(call)
        elif full in ("decouple.config", "decouple.AutoConfig") and last in (
            "config",
            "AutoConfig",
        ):
            search = keywords.get("search_path") or first if last == "AutoConfig" else None
            start = self.value(search) if search is not None else ("path", self.file.parent)
            self.facts.calls.append(
                LoaderCall("python-decouple", [(("up", start), "AutoConfig")], node.lineno)
            )
        elif last == "read_env" and any(v.startswith("environs") for v in self.imports.values()):
            arg = first if first is not None else keywords.get("path")
            found = self.value(arg) if arg is not None else ("up", ("path", self.file.parent))
            self.facts.calls.append(LoaderCall("environs", [(found, "env.read_env")], node.lineno))
        elif last in ("load_dotenv", "dotenv_values") and full.startswith("dotenv"):
            arg = first if first is not None else keywords.get("dotenv_path")
            override = keywords.get("override")
            where: Any
            if arg is None:
                where = ("up", ("path", self.file.parent), ".env")
            elif isinstance(arg, ast.Call) and _dotted(arg.func).endswith("find_dotenv"):
                inner = arg.args[0] if arg.args else arg.keywords[0].value if arg.keywords else None
                wanted = self.value(inner) if inner is not None else ("rel", ".env")
                filename = wanted[1] if isinstance(wanted, tuple) and wanted[0] == "rel" else ".env"
                where = ("up", ("path", self.file.parent), filename)
            else:
                where = self.value(arg)
            self.facts.calls.append(
                LoaderCall(
                    "python-dotenv",
                    [(where, last)],
                    node.lineno,
                    override=isinstance(override, ast.Constant) and bool(override.value),
                )
            )


def _dotted(expr: ast.expr) -> str:
    if isinstance(expr, ast.Name):
        return expr.id
    if isinstance(expr, ast.Attribute):
        return f"{_dotted(expr.value)}.{expr.attr}"
    if isinstance(expr, ast.Call):
        return _dotted(expr.func)
    return ""


def _is_path(value: Any) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and value[0] in ("path", "rel")


def _parent(value: tuple[str, Any]) -> Any:
    kind, path = value
    return Path(path).parent if kind == "path" else str(Path(path).parent)


def _join(left: Any, right: Any) -> Any:
    if _is_path(left) and isinstance(right, tuple) and right[0] in ("rel", "pattern"):
        if right[0] == "pattern":
            return ("pattern", str(Path(str(left[1])) / right[1]))
        return (
            left[0],
            Path(left[1]) / right[1] if left[0] == "path" else str(Path(left[1]) / right[1]),
        )
    return ("?", f"{left!r} / {right!r}")
