"""What the project's own files say about building it: its Python version and where its
dependencies are pinned (uv.lock, poetry.lock, requirements files, pyproject).

Read from the files (never by running the project), so a preview is cheap; the only
process is one ``python -c`` when the interpreter's venv does not record its version.
"""

from __future__ import annotations

import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asgideck.runtime.project import Interpreter

__all__ = ["DEFAULT_PYTHON", "Dependencies", "find_dependencies", "python_version"]

#: When nothing says which Python: the oldest one still fully supported upstream.
DEFAULT_PYTHON = "3.12"

_REQUIREMENTS = (
    "requirements.txt",
    "requirements-prod.txt",
    "requirements/prod.txt",
    "requirements/production.txt",
    "requirements/base.txt",
    "requirements.in",
)
#: The server packages the generated command needs, as pip names.
SERVER_PACKAGES = {"gunicorn": "gunicorn", "uvicorn": "uvicorn", "uvicorn_worker": "uvicorn-worker"}


@dataclass(frozen=True)
class Dependencies:
    """How the image installs the project: ``tool`` and the files it reads (relative paths).

    ``package``: pyproject declares a build system, so the project itself is installed too.
    ``text``: the dependency lists as written (to see whether a server package is named).
    """

    tool: Literal["uv", "poetry", "requirements", "pyproject", "none"]
    files: tuple[str, ...]
    package: bool
    text: str

    def names(self, package: str) -> bool:
        """The project's dependency files name ``package`` (pip name, case-insensitive)."""
        pattern = re.escape(package).replace(r"\-", "[-_.]")
        return re.search(rf"(?im)(^|[\s\"',\[]){pattern}(\b|$)", self.text) is not None


def _pyproject(root: Path) -> dict[str, Any]:
    try:
        return tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def find_dependencies(root: Path) -> Dependencies:
    """The best pin the project has: uv.lock, then poetry.lock, then a requirements file,
    then pyproject's own list (unpinned)."""
    data = _pyproject(root)
    package = isinstance(data.get("build-system"), dict)
    pyproject_text = _read(root / "pyproject.toml")
    if (root / "uv.lock").is_file() and pyproject_text:
        return Dependencies("uv", ("pyproject.toml", "uv.lock"), package, pyproject_text)
    if (root / "poetry.lock").is_file() and pyproject_text:
        return Dependencies("poetry", ("pyproject.toml", "poetry.lock"), package, pyproject_text)
    for name in _REQUIREMENTS:
        if (root / name).is_file():
            return _requirements(root, name)
    if pyproject_text:
        return Dependencies("pyproject", ("pyproject.toml",), True, pyproject_text)
    return Dependencies("none", (), False, "")


_INCLUDE = re.compile(r"^\s*(?:-r|-c|--requirement|--constraint)(?:\s*=\s*|\s+)(\S+)")
_LOCAL = re.compile(
    r"^\s*(?:-e\s+|--editable(?:\s*=\s*|\s+))?(?:\.{1,2}(?:/\S*)?|file:\S*)\s*(?:#.*)?$"
)


def _requirements(root: Path, name: str) -> Dependencies:
    """A requirements file and every file it includes (``-r base.txt``, ``-c …``), each
    relative to the root; ``package`` when one installs a local path (``-e .``): the
    image then needs the source before it installs."""
    files: list[str] = []
    texts: list[str] = []
    local = False
    pending = [name]
    while pending:
        current = pending.pop(0)
        if current in files:
            continue
        files.append(current)
        text = _read(root / current)
        texts.append(text)
        folder = Path(current).parent
        for line in text.splitlines():
            match = _INCLUDE.match(line)
            if match:
                included = (folder / match[1]).as_posix()
                inside = (root / included).resolve().is_relative_to(root.resolve())
                if inside and (root / included).is_file() and "://" not in match[1]:
                    pending.append(os.path.normpath(included))
                else:
                    local = True  # outside the build context or remote: copy the source
            elif _LOCAL.match(line):
                local = True
    return Dependencies("requirements", tuple(files), local, "\n".join(texts))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


_VERSION = re.compile(r"(?<![\d.])(3)\.(\d{1,2})(?!\d)")


def _minor(text: str) -> str | None:
    match = _VERSION.search(text)
    return f"{match[1]}.{match[2]}" if match else None


def python_version(root: Path, interpreter: Interpreter) -> tuple[str, str]:
    """(``3.12``, why): ``.python-version``, else the project's interpreter (not asgideck's
    own fallback), else the lowest version ``requires-python`` allows, else the default."""
    pinned = _minor(_read(root / ".python-version"))
    if pinned:
        return pinned, ".python-version"
    if not interpreter.fallback:
        found = _interpreter_minor(interpreter.path)
        if found:
            return found, f"the project's interpreter ({interpreter.path})"
    data = _pyproject(root)
    project = data.get("project")
    requires = project.get("requires-python") if isinstance(project, dict) else None
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if requires is None and isinstance(poetry, dict):
        deps = poetry.get("dependencies")
        requires = deps.get("python") if isinstance(deps, dict) else None
    if isinstance(requires, str):
        lower = re.search(r"(>=|~=|\^|==|~)\s*(3\.\d{1,2})", requires)
        if lower:
            return lower[2], f"requires-python {requires!r}"
    return DEFAULT_PYTHON, "nothing in the project names a Python version"


def _interpreter_minor(python: Path) -> str | None:
    cfg = python.parent.parent / "pyvenv.cfg"
    text = _read(cfg)
    for line in text.splitlines():
        key, _eq, value = line.partition("=")
        if key.strip() in ("version_info", "version"):
            found = _minor(value)
            if found:
                return found
    try:
        done = subprocess.run(
            [str(python), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=15,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return _minor(done.stdout) if done.returncode == 0 else None
