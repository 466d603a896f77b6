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

    ``workdir`` is the folder the app runs in (the server's and the probe's cwd; env
    files named relative paths are read from it); ``app_dir`` is the folder, relative
    to ``workdir`` ("" = the workdir itself), that must be on ``sys.path`` for
    ``module`` to import, i.e. uvicorn's ``--app-dir``. ``found`` lists every place
    that names this target (``file:line: what said so``); ``reason`` is the first.
    """

    module: str
    attr: str
    factory: bool
    file: Path
    line: int
    reason: str
    app_dir: str = ""
    workdir: Path | None = None
    found: tuple[str, ...] = ()

    @property
    def import_string(self) -> str:
        return f"{self.module}:{self.attr}"

    @property
    def import_dir(self) -> Path | None:
        """The absolute folder to put first on ``sys.path`` (None without a workdir)."""
        if self.workdir is None:
            return None
        return (self.workdir / self.app_dir).resolve() if self.app_dir else self.workdir


@dataclass(frozen=True)
class Interpreter:
    """The python that runs the project's code, and why it was chosen.

    ``fallback`` means no project interpreter was found and asgideck's own is used:
    every UI shows that as a warning. ``label`` is the short form for a header
    (".venv (workspace, one folder up)"); ``alternatives`` are the other
    interpreters that were found, best first, for the user to pick from.
    """

    path: Path
    reason: str
    fallback: bool = False
    label: str = ""
    alternatives: tuple[Interpreter, ...] = ()


@dataclass(frozen=True)
class Project:
    """An opened project.

    ``root`` is the working directory the app runs in (the server's, the probe's and
    settings validation's cwd) -- for a monorepo opened at its top this is the member
    holding the app (``backend/``). ``workspace`` is the top of the repository or uv
    workspace; ``opened`` is the folder the user gave. ``candidates`` are every app
    found when discovery was ambiguous (``app`` is then the remembered choice, or None
    with ``app_error`` listing them).
    """

    root: Path
    name: str
    app: AppTarget | None
    app_error: str | None
    interpreter: Interpreter
    env_files: tuple[Path, ...]
    profiles: tuple[str, ...]
    workspace: Path | None = None
    opened: Path | None = None
    candidates: tuple[AppTarget, ...] = ()

    @property
    def workdir(self) -> Path:
        """The folder the app runs in (same as ``root``)."""
        return self.root
