"""Which env files a project reads, in which order, and with which loader: deciding the
layers from what ``_loader_scan`` found in its source.

Loaders FastAPI projects use, in this order of precedence:

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

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from asgideck.runtime.profiles._loader_scan import LoaderCall, file_facts
from asgideck.runtime.sourcetree import python_files

__all__ = ["EnvLayer", "EnvSources", "SettingsConfig", "env_sources"]

PLAIN, DOTENV = "plain", "dotenv"


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


def env_sources(root: Path) -> EnvSources:
    """How the project whose code runs in ``root`` reads env files (see module docstring)."""
    root = root.resolve()
    classes: dict[str, tuple[list[str], dict[str, Any], int, str, Path]] = {}
    calls: list[tuple[LoaderCall, Path]] = []
    environ: tuple[Path, int] | None = None
    for file in python_files(root):
        facts = file_facts(file)
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
    root: Path,
    loader: str,
    calls: list[tuple[LoaderCall, Path]],
    settings: tuple[SettingsConfig, ...],
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
