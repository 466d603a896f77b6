"""What opening a project yields: the app target, the interpreter, the project itself.

Every decision carries a ``reason`` so the UI can say *why* it chose what it shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.errors import AsgideckError

__all__ = ["AppNotFound", "AppTarget", "Interpreter", "Project", "ProjectError"]


class ProjectError(AsgideckError):
    """The folder cannot be used as a project (the message names the path or option)."""


class AppNotFound(ProjectError):
    """No app target found; the message lists every place that was looked at."""


@dataclass(frozen=True)
class AppTarget:
    """What uvicorn is told to run: ``module:attr`` (a factory when ``factory``).

    ``app_dir`` is the folder (relative to the project root, "" = the root) that
    must be on ``sys.path`` for ``module`` to import, i.e. uvicorn's ``--app-dir``.
    """

    module: str
    attr: str
    factory: bool
    file: Path
    line: int
    reason: str
    app_dir: str = ""

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attr}"


@dataclass(frozen=True)
class Interpreter:
    path: Path
    reason: str


@dataclass(frozen=True)
class Project:
    root: Path
    name: str
    app: AppTarget | None
    app_error: str | None
    interpreter: Interpreter
    env_files: tuple[Path, ...]
    profiles: tuple[str, ...]
