"""What a project's own files say about how it is launched, read, never run.

Each :class:`Launch` is one place that names the app: ``[tool.fastapi] entrypoint``,
a ``uvicorn``/``gunicorn``/``hypercorn``/``granian``/``daphne``/``fastapi run|dev``
command in a Makefile, Procfile, shell script, ``Dockerfile`` ``CMD``/``ENTRYPOINT``
or docker-compose ``command:``/``entrypoint:``, ``wsgi_app`` in ``gunicorn.conf.py``,
or ``uvicorn.run("m:a")`` / ``uvicorn.run(app)`` in Python source. A command runs in
its file's folder (the build context for a Dockerfile), moved by ``cd X &&``,
``--chdir``/``--working-dir`` and ``--app-dir``.
"""

from __future__ import annotations

import ast
import json
import re
import shlex
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "LAUNCH_FILES",
    "Launch",
    "is_launch_file",
    "launches_in_file",
    "launches_in_python",
    "parse_command",
]

SPEC = re.compile(r"^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*):([A-Za-z_]\w*)(\(\))?$")
SERVERS = frozenset({"uvicorn", "gunicorn", "hypercorn", "granian", "daphne", "fastapi"})
LAUNCH_FILES = frozenset(
    {"Makefile", "makefile", "GNUmakefile", "Procfile", "justfile", "Justfile", "Taskfile.yml"}
)
GUNICORN_CONFIGS = frozenset({"gunicorn.conf.py", "gunicorn_conf.py", "gunicorn_config.py"})
_COMPOSE = re.compile(r"^(docker-)?compose([.-][\w.-]+)?\.ya?ml$")
_SEPARATORS = re.compile(r"\s*(?:&&|\|\||;)\s*")


@dataclass(frozen=True)
class Launch:
    """One place naming the app. ``spec`` is ``module:attr``; else ``path`` is a file (or
    package folder) to import as fastapi-cli does, with ``attr`` (None = find it);
    neither = fastapi-cli's default search in ``workdir``."""

    workdir: Path
    where: str  # "backend/Dockerfile:7"
    what: str  # "CMD fastapi run app/main.py"
    spec: str | None = None
    path: str | None = None
    attr: str | None = None
    factory: bool | None = None
    app_dir: str | None = None


def is_launch_file(path: Path) -> bool:
    name = path.name
    return (
        name in LAUNCH_FILES
        or name in GUNICORN_CONFIGS
        or name == "Dockerfile"
        or name.startswith("Dockerfile.")
        or name.endswith(".Dockerfile")
        or name.endswith(".dockerfile")
        or name.endswith(".sh")
        or _COMPOSE.match(name) is not None
    )


def parse_command(text: str, workdir: Path, where: str, what: str) -> list[Launch]:
    """Launches in one shell command line (``cd X && uv run uvicorn m:a --reload``)."""
    found: list[Launch] = []
    for segment in _SEPARATORS.split(text):
        try:
            words = shlex.split(segment, comments=True)
        except ValueError:
            words = segment.split()
        if len(words) >= 2 and words[0] == "cd":
            workdir = workdir / words[1] if not words[1].startswith("/") else workdir
            continue
        launch = _server_command(words, workdir, where, what)
        if launch is not None:
            found.append(launch)
    return found


def _server_command(words: list[str], workdir: Path, where: str, what: str) -> Launch | None:
    index = next((i for i, w in enumerate(words) if Path(w).name in SERVERS), None)
    if index is None:
        return None
    server, args = Path(words[index]).name, words[index + 1 :]
    if server == "fastapi":
        return _fastapi_command(args, workdir, where, what)
    spec: str | None = None
    factory: bool | None = None
    app_dir: str | None = None
    config: str | None = None
    i = 0
    while i < len(args):
        arg = args[i]
        option, eq, inline = arg.partition("=")
        value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
        step = 1 if eq else 2
        if option in ("--app-dir",):
            app_dir, i = value, i + step
            continue
        if option in ("--chdir", "--working-dir"):
            workdir, i = workdir / value, i + step
            continue
        if option in ("-c", "--config") and server == "gunicorn":
            config, i = value, i + step
            continue
        if arg == "--factory":
            factory = True
        elif spec is None and SPEC.match(arg):
            spec = arg
        i += 1
    if spec is None and config is not None:
        spec = _gunicorn_conf_app(workdir / config)
    if spec is None:
        return None
    match = SPEC.match(spec)
    if match is None:  # e.g. wsgi_app = "main:create_app(env='prod')": not MODULE:ATTR
        return None
    if match.group(3):
        factory = True
    spec = f"{match.group(1)}:{match.group(2)}"
    return Launch(workdir, where, what, spec=spec, factory=factory, app_dir=app_dir)


def _fastapi_command(args: list[str], workdir: Path, where: str, what: str) -> Launch | None:
    if not args or args[0] not in ("run", "dev"):
        return None
    path: str | None = None
    attr: str | None = None
    spec: str | None = None
    i = 1
    while i < len(args):
        arg = args[i]
        option, eq, inline = arg.partition("=")
        value = inline if eq else (args[i + 1] if i + 1 < len(args) else "")
        if option in ("--app",):
            attr, i = value, i + (1 if eq else 2)
            continue
        if option in ("--entrypoint", "-e"):
            spec, i = value, i + (1 if eq else 2)
            continue
        if option in ("--host", "--port", "--root-path", "--workers", "--proxy-headers"):
            i += 1 if eq or option == "--proxy-headers" else 2
            continue
        if not arg.startswith("-") and path is None:
            path = arg
        i += 1
    if spec is not None and SPEC.match(spec):
        return Launch(workdir, where, what, spec=spec)
    return Launch(workdir, where, what, path=path, attr=attr)


def _gunicorn_conf_app(path: Path) -> str | None:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return None
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "wsgi_app" for t in node.targets)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            return node.value.value
    return None


# ------------------------------------------------------------------------ file formats


def launches_in_file(path: Path, shown: str) -> list[Launch]:
    """Every launch ``path`` names (``shown`` is how messages name the file)."""
    folder = path.parent
    if path.name in GUNICORN_CONFIGS:
        return _gunicorn_conf(path, shown)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if len(text) > 500_000 or not any(s in text for s in SERVERS):
        return []
    lines = _logical_lines(text)
    found: list[Launch] = []
    is_docker = "ockerfile" in path.name
    is_compose = _COMPOSE.match(path.name) is not None
    for number, line in lines:
        stripped = line.strip()
        where = f"{shown}:{number}"
        if is_docker:
            keyword, _, rest = stripped.partition(" ")
            if keyword.upper() in ("CMD", "ENTRYPOINT"):
                command = _exec_form(rest)
                what = f"{keyword.upper()} {command}"
                found.extend(parse_command(command, folder, where, what))
        elif is_compose:
            key, colon, rest = stripped.partition(":")
            if colon and key.strip().lstrip("- ") in ("command", "entrypoint"):
                command = _compose_value(rest.strip(), lines, number)
                found.extend(parse_command(command, folder, where, f"{key.strip()}: {command}"))
        else:
            if path.name == "Procfile":
                stripped = stripped.partition(":")[2].strip()
            stripped = stripped.lstrip("@-+\t ")
            if stripped.startswith("#"):
                continue
            found.extend(parse_command(stripped, folder, where, stripped))
    return found


def _logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with ``\\``-continuations joined, each with its first line number."""
    out: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        out.append((start, pending + line))
        pending = ""
    if pending:
        out.append((start, pending))
    return out


def _exec_form(rest: str) -> str:
    rest = rest.strip()
    if rest.startswith("["):
        try:
            items = json.loads(rest)
        except ValueError:
            return rest
        if not items:  # ENTRYPOINT [] (uv's Docker example): nothing is launched here
            return ""
        if isinstance(items, list) and all(isinstance(x, str) for x in items):
            shell = items[0] in ("sh", "bash", "/bin/sh", "/bin/bash")
            if len(items) >= 3 and shell and items[1] == "-c":
                return " ".join(items[2:])
            return shlex.join(items)
    return rest


def _compose_value(rest: str, lines: list[tuple[int, str]], number: int) -> str:
    """A compose ``command:`` value: a string, a flow list, or a block list below it."""
    if rest and rest not in ("|", ">", "|-", ">-"):
        if rest.startswith("["):
            inner = rest.strip("[]")
            return " ".join(x.strip().strip("'\"") for x in inner.split(","))
        return rest.strip("'\"")
    items: list[str] = []
    indent: int | None = None
    for n, line in lines:
        if n <= number:
            continue
        content = line.strip()
        if not content:
            continue
        depth = len(line) - len(line.lstrip())
        if indent is None:
            indent = depth
        if depth < indent or (rest == "" and not content.startswith("-")):
            break
        item = content[1:].strip() if content.startswith("-") else content
        items.append(item.strip("'\"") if rest == "" else content)
    return " ".join(items)


def _gunicorn_conf(path: Path, shown: str) -> list[Launch]:
    try:
        tree = ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError):
        return []
    workdir = path.parent
    found: list[Launch] = []
    for node in tree.body:
        if not isinstance(node, ast.Assign) or not isinstance(node.value, ast.Constant):
            continue
        names = [t.id for t in node.targets if isinstance(t, ast.Name)]
        value = node.value.value
        if "chdir" in names and isinstance(value, str):
            workdir = path.parent / value
        if "wsgi_app" in names and isinstance(value, str) and (match := SPEC.match(value)):
            found.append(
                Launch(
                    workdir,
                    f"{shown}:{node.lineno}",
                    f"wsgi_app = {value!r}",
                    spec=f"{match.group(1)}:{match.group(2)}",
                    factory=True if match.group(3) else None,
                )
            )
    return found


def launches_in_python(tree: ast.Module, file: Path, shown: str, workdir: Path) -> list[Launch]:
    """``uvicorn.run("m:a")`` / ``uvicorn.run(app)`` / ``uvicorn.Config(...)`` calls."""
    found: list[Launch] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        base = func.value if isinstance(func, ast.Attribute) else None
        if name not in ("run", "Config") or not (
            isinstance(base, ast.Name) and base.id == "uvicorn"
        ):
            continue
        first = node.args[0]
        keywords = {k.arg: k.value for k in node.keywords if k.arg}
        factory = keywords.get("factory")
        is_factory = bool(factory.value) if isinstance(factory, ast.Constant) else None
        app_dir_node = keywords.get("app_dir")
        app_dir = (
            app_dir_node.value
            if isinstance(app_dir_node, ast.Constant) and isinstance(app_dir_node.value, str)
            else None
        )
        where = f"{shown}:{node.lineno}"
        what = f"uvicorn.{name}({ast.unparse(first)}, ...)"
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            match = SPEC.match(first.value)
            if match:
                spec = f"{match.group(1)}:{match.group(2)}"
                found.append(
                    Launch(workdir, where, what, spec=spec, factory=is_factory, app_dir=app_dir)
                )
        elif isinstance(first, ast.Name):
            found.append(
                Launch(workdir, where, what, path=str(file), attr=first.id, factory=is_factory)
            )
    return found
