"""Which env files a project reads, in which order, and with which loader -- from its source.

The project's Python files are read with :mod:`ast` (never run) for the loaders FastAPI
projects use, in this order of precedence:

- **pydantic-settings**: a ``BaseSettings`` subclass's ``model_config`` (or v1
  ``class Config``): ``env_file`` (a str, a Path expression such as
  ``Path(__file__).parent / ".env"``, or a tuple/list: later files win),
  ``env_prefix``, ``env_nested_delimiter``, ``case_sensitive``, ``extra``; a
  subclass inherits what it does not set.
- **starlette** ``Config(".env")`` and **python-decouple** (``Config(RepositoryEnv(path))``,
  or ``from decouple import config``: the ``.env`` nearest the calling module, walking
  up): these read a file line by line -- ``KEY=value`` split at the first ``=``,
  stripped, one pair of matching quotes removed, **inline ``# comments`` kept** as part
  of the value, no ``${VAR}`` interpolation (dialect ``plain``).
- **environs** ``env.read_env(path)`` and **python-dotenv** ``load_dotenv(path)``
  (no path: the ``.env`` nearest the calling module, walking up); several
  ``load_dotenv`` calls without ``override=True``: the first loaded wins.
- plain ``os.getenv``/``os.environ``: no file is read by the project.

Relative paths are relative to the working directory (the folder given). When no
loader names a file, asgideck's default applies: ``.env`` in that folder.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from asgideck.runtime.sourcetree import python_files

__all__ = ["EnvLayer", "EnvSources", "SettingsConfig", "env_sources"]

PLAIN, DOTENV = "plain", "dotenv"
# Files worth parsing: they subclass BaseSettings or import a loader.
_LOADER_NAMES = (b"starlette.config", b"decouple", b"environs", b"dotenv")
_LOADER_IMPORT = re.compile(
    rb"^[ \t]*(?:from|import)[ \t]+(?:starlette\.config|decouple|environs|dotenv)\b", re.MULTILINE
)
_ENVIRON = re.compile(rb"os\.getenv\(|os\.environ\b|\bgetenv\(")
_CONFIG_KEYS = ("env_file", "env_prefix", "env_nested_delimiter", "case_sensitive", "extra")


@dataclass(frozen=True)
class EnvLayer:
    """One file a profile layers, and why (``Settings.model_config env_file[0] in …:12``)."""

    path: Path
    reason: str


@dataclass(frozen=True)
class SettingsConfig:
    """A settings class's env options as its source sets them (inherited ones included)."""

    name: str
    file: Path
    line: int
    env_files: tuple[Path, ...] = ()
    env_prefix: str = ""
    env_nested_delimiter: str | None = None
    case_sensitive: bool = False
    extra: str | None = None


@dataclass(frozen=True)
class EnvSources:
    """How the project reads its env files: ``loader`` names it, ``dialect`` says how
    values are parsed (``dotenv`` = python-dotenv, ``plain`` = starlette/decouple),
    ``layers`` are the files read (lowest first), ``variants`` whether ``.env.NAME`` /
    ``NAME.env`` files beside the last layer are profiles layered on top."""

    loader: str
    dialect: str
    layers: tuple[EnvLayer, ...]
    where: str = ""
    settings: tuple[SettingsConfig, ...] = ()
    notes: tuple[str, ...] = ()
    variants: bool = True

    @property
    def primary(self) -> Path:
        """The file profiles vary: the last layer (``.env`` by default)."""
        return self.layers[-1].path

    @property
    def summary(self) -> str:
        how = (
            "values as python-dotenv reads them"
            if self.dialect == DOTENV
            else ("values as read line by line: inline # comments stay in the value, no ${VAR}")
        )
        where = f" ({self.where})" if self.where else ""
        return f"{self.loader}{where}; {how}"


# --------------------------------------------------------------------------- scanning

_cache: dict[Path, tuple[int, int, _FileFacts | None]] = {}


@dataclass
class _Call:
    loader: str
    files: list[tuple[Any, str]]  # (evaluated path, label)
    line: int
    override: bool = False


@dataclass
class _FileFacts:
    classes: dict[str, tuple[list[str], dict[str, Any], int, str]] = field(default_factory=dict)
    calls: list[_Call] = field(default_factory=list)
    uses_environ: int = 0


def _facts(file: Path) -> _FileFacts | None:
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


def _read_facts(file: Path, size: int) -> _FileFacts | None:
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
        return _FileFacts(uses_environ=data.count(b"\n", 0, environ.start()) + 1)
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
        self.facts = _FileFacts()
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
                    _Call("starlette", [(self.value(arg), "Config")], node.lineno)
                )
        elif last == "RepositoryEnv" and full.startswith("decouple"):
            if first is not None:
                call = _Call("python-decouple", [(self.value(first), "RepositoryEnv")], node.lineno)
                self.facts.calls.append(call)
        elif full in ("decouple.config", "decouple.AutoConfig") and last in (
            "config",
            "AutoConfig",
        ):
            search = keywords.get("search_path") or first if last == "AutoConfig" else None
            start = self.value(search) if search is not None else ("path", self.file.parent)
            self.facts.calls.append(
                _Call("python-decouple", [(("up", start), "AutoConfig")], node.lineno)
            )
        elif last == "read_env" and any(v.startswith("environs") for v in self.imports.values()):
            arg = first if first is not None else keywords.get("path")
            found = self.value(arg) if arg is not None else ("up", ("path", self.file.parent))
            self.facts.calls.append(_Call("environs", [(found, "env.read_env")], node.lineno))
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
                _Call(
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


# --------------------------------------------------------------------------- deciding


def env_sources(root: Path) -> EnvSources:
    """How the project whose code runs in ``root`` reads env files (see module docstring)."""
    root = root.resolve()
    classes: dict[str, tuple[list[str], dict[str, Any], int, str, Path]] = {}
    calls: list[tuple[_Call, Path]] = []
    environ: tuple[Path, int] | None = None
    for file in python_files(root):
        facts = _facts(file)
        if facts is None:
            continue
        for name, (bases, config, line, how) in facts.classes.items():
            classes.setdefault(name, (bases, config, line, how, file))
        calls.extend((call, file) for call in facts.calls)
        if facts.uses_environ and environ is None:
            environ = (file, facts.uses_environ)
    settings = _settings_classes(classes, root)
    notes: list[str] = []
    with_files = [s for s in settings if s[0].env_files or s[2]]
    if with_files:
        return _from_settings(root, settings, with_files, notes)
    for loader in ("starlette", "python-decouple", "environs", "python-dotenv"):
        mine = [(c, f) for c, f in calls if c.loader == loader]
        if mine:
            return _from_calls(root, loader, mine, tuple(s[0] for s in settings))
    loader, where = "none", ""
    if settings:
        first = settings[0][0]
        loader, where = (
            "pydantic-settings",
            f"{first.name} in {_shown(first.file, root)}:{first.line}",
        )
    elif environ is not None:
        loader, where = "os.environ", f"{_shown(environ[0], root)}:{environ[1]}"
    reason = "asgideck's default: .env in the project folder (the project names no env file)"
    return EnvSources(
        loader, DOTENV, (EnvLayer(root / ".env", reason),), where, tuple(s[0] for s in settings)
    )


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return os.path.relpath(path, root)


def _settings_classes(
    classes: dict[str, tuple[list[str], dict[str, Any], int, str, Path]], root: Path
) -> list[tuple[SettingsConfig, list[tuple[Path, str]], list[tuple[str, str]], str]]:
    """(config, env file layers with labels, patterns, how) of each BaseSettings subclass."""

    def is_settings(name: str, seen: frozenset[str] = frozenset()) -> bool:
        if name not in classes or name in seen:
            return False
        return any(
            b.rsplit(".", 1)[-1] == "BaseSettings"
            or is_settings(b.rsplit(".", 1)[-1], seen | {name})
            for b in classes[name][0]
        )

    def merged(name: str, seen: frozenset[str] = frozenset()) -> dict[str, Any]:
        if name not in classes or name in seen:
            return {}
        out: dict[str, Any] = {}
        for base in reversed(classes[name][0]):
            out.update(merged(base.rsplit(".", 1)[-1], seen | {name}))
        out.update({k: (v, name) for k, v in classes[name][1].items()})
        return out

    result = []
    for name, (_bases, _own, line, how, file) in classes.items():
        if not is_settings(name):
            continue
        config = merged(name)
        files: list[tuple[Path, str]] = []
        patterns: list[tuple[str, str]] = []
        if "env_file" in config:
            (value, cline), owner = config["env_file"]
            owner_file = classes[owner][4]
            owner_how = classes[owner][3]
            items = value if isinstance(value, list) else [value]
            indexed = isinstance(value, list)
            for i, item in enumerate(items):
                label = f"{owner}.{owner_how} env_file{f'[{i}]' if indexed else ''}"
                label += f" in {_shown(owner_file, root)}:{cline}"
                if isinstance(item, tuple) and item[0] == "path":
                    files.append((Path(item[1]), label))
                elif isinstance(item, tuple) and item[0] == "rel":
                    files.append((root / item[1], label))
                elif isinstance(item, tuple) and item[0] == "pattern":
                    patterns.append((str(item[1]), label))

        def plain(key: str, default: Any, config: dict[str, Any] = config) -> Any:
            if key not in config:
                return default
            (value, _line), _owner = config[key]
            if isinstance(value, tuple) and value[0] == "rel":
                return value[1]
            return value if isinstance(value, str | bool) or value is None else default

        settings = SettingsConfig(
            name=name,
            file=file,
            line=line,
            env_files=tuple(p for p, _ in files),
            env_prefix=str(plain("env_prefix", "") or ""),
            env_nested_delimiter=plain("env_nested_delimiter", None),
            case_sensitive=bool(plain("case_sensitive", False)),
            extra=plain("extra", None),
        )
        result.append((settings, files, patterns, how))
    result.sort(key=lambda s: (str(s[0].file), s[0].line))
    return result


def _from_settings(
    root: Path,
    settings: list[tuple[SettingsConfig, list[tuple[Path, str]], list[tuple[str, str]], str]],
    with_files: list[tuple[SettingsConfig, list[tuple[Path, str]], list[tuple[str, str]], str]],
    notes: list[str],
) -> EnvSources:
    chosen, files, patterns, _how = with_files[0]
    for other in with_files[1:]:
        if [p for p, _ in other[1]] != [p for p, _ in files]:
            names = ", ".join(str(_shown(p, root)) for p, _ in other[1])
            notes.append(
                f"{other[0].name} reads other files ({names}); profiles follow {chosen.name}"
            )
    layers = [EnvLayer(path.resolve() if path.is_absolute() else path, why) for path, why in files]
    if not layers:
        base = Path(patterns[0][0]).parent if patterns else Path(".")
        folder = base if base.is_absolute() else root / base
        layers = [EnvLayer(folder / ".env", f"the file {patterns[0][1]} varies by profile")]
    where = f"{chosen.name} in {_shown(chosen.file, root)}:{chosen.line}"
    return EnvSources(
        "pydantic-settings",
        DOTENV,
        tuple(_normal(layer) for layer in layers),
        where,
        tuple(s[0] for s in settings),
        tuple(notes),
        variants=layers[-1].path.name == ".env" or bool(patterns),
    )


def _normal(layer: EnvLayer) -> EnvLayer:
    return EnvLayer(Path(os.path.normpath(layer.path)), layer.reason)


def _from_calls(
    root: Path, loader: str, calls: list[tuple[_Call, Path]], settings: tuple[SettingsConfig, ...]
) -> EnvSources:
    layers: list[EnvLayer] = []
    for call, file in calls:
        for value, label in call.files:
            reason = f"{label}(...) in {_shown(file, root)}:{call.line}"
            path = _locate(value, root)
            if path is None:
                continue
            layer = _normal(EnvLayer(path, reason))
            if any(existing.path == layer.path for existing in layers):
                continue
            # python-dotenv without override: a file loaded earlier wins, so it goes on top.
            if loader == "python-dotenv" and not call.override:
                layers.insert(0, layer)
            else:
                layers.append(layer)
    if not layers:
        call, file = calls[0]
        reason = (
            f"asgideck's default: .env ({loader} in {_shown(file, root)}:{call.line} names no file)"
        )
        layers = [EnvLayer(root / ".env", reason)]
    call, file = calls[0]
    dialect = PLAIN if loader in ("starlette", "python-decouple") else DOTENV
    return EnvSources(
        loader,
        dialect,
        tuple(layers),
        f"{_shown(file, root)}:{call.line}",
        settings,
        variants=layers[-1].path.name == ".env",
    )


def _locate(value: Any, root: Path) -> Path | None:
    if not isinstance(value, tuple):
        return None
    if value[0] == "path":
        return Path(str(value[1]))
    if value[0] == "rel":
        return root / str(value[1])
    if value[0] == "up":
        start = value[1]
        filename = value[2] if len(value) > 2 else ".env"
        folder = _locate(start, root)
        while folder is not None:
            if (folder / filename).is_file():
                return folder / filename
            if folder.parent == folder:
                break
            folder = folder.parent
        return (_locate(start, root) or root) / filename
    return None
