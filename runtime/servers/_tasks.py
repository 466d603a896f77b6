"""Before-start tasks: commands a server's start runs first (``alembic upgrade head``,
the template's ``bash scripts/prestart.sh``, a seeding script), in order.

Each task runs as the app will: in the project's folder, with the profile's
variables and the project's interpreter (its bin folder first on PATH, so
``alembic`` is the venv's console script; a leading ``python`` is that
interpreter). It is spawned like a server (``_process_tree.spawn``: its own
session, marked), so ending it ends its whole tree, and what it prints goes into
the server's ``LogBuffer`` as it arrives, masked like the server's own output.

The first task that fails stops the start: :class:`TaskFailed` names the command
and its exit code and keeps the last lines it printed. A task that exits leaves
nothing behind: what it left running in its process group is ended with it (its
pipes would otherwise never close).
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from asgideck.runtime.errors import ServerError
from asgideck.runtime.logs import LogBuffer, Stream, pump
from asgideck.runtime.servers._errors import ConfigError
from asgideck.runtime.servers._launch import PARENT_ENV_KEYS
from asgideck.runtime.servers._output import secret_masker
from asgideck.runtime.servers._process_tree import ProcessTree, spawn

if TYPE_CHECKING:
    from asgideck.runtime.project import Project

__all__ = [
    "TAIL_LINES",
    "StopTasks",
    "TaskCancelled",
    "TaskFailed",
    "check_task",
    "run_tasks",
    "suggest_tasks",
    "task_argv",
    "task_env",
]

#: How many of a failed task's last lines its error keeps.
TAIL_LINES = 20
#: Seconds between SIGTERM and SIGKILL when a task is stopped (see :class:`StopTasks`).
DEFAULT_GRACE = 5.0
#: Seconds to let what a finished task left in its group end after SIGTERM.
LEFTOVER_GRACE = 1.0
#: Leading words that mean "the project's interpreter".
PYTHON_WORDS = frozenset({"python", "python3"})
#: Folders never looked into for suggestions.
_SKIP_DIRS = frozenset({"node_modules", "venv", "env", "__pycache__", "scripts", "tests"})


class TaskFailed(ServerError):
    """A before-start task exited with an error (or could not start): the start stops.

    ``str()`` is one line naming the command and the exit code; ``lines`` holds the
    task's last :data:`TAIL_LINES` lines (secrets masked), ``exit_code`` is None when
    the command could not be started at all.
    """

    def __init__(
        self, command: str, exit_code: int | None, lines: Sequence[str], *, why: str = ""
    ) -> None:
        self.command = command
        self.exit_code = exit_code
        self.lines: tuple[str, ...] = tuple(lines)[-TAIL_LINES:]
        last = next((line.strip() for line in reversed(self.lines) if line.strip()), "")
        if exit_code is None:
            text = f"before-start task `{command}` could not start: {why}"
        else:
            how = f"exit {exit_code}" if exit_code >= 0 else f"ended by signal {-exit_code}"
            text = f"before-start task `{command}` failed ({how})"
            if last:
                text += f": {last}"
        super().__init__(text)


class TaskCancelled(ServerError):
    """The tasks were stopped (the server was stopped while one ran): nothing starts."""

    def __init__(self, command: str) -> None:
        self.command = command
        super().__init__(f"before-start task `{command}` was stopped; the server was not started")


class StopTasks(threading.Event):
    """The ``cancel`` of :func:`run_tasks` that also carries the grace period to use."""

    def __init__(self) -> None:
        super().__init__()
        self.grace = DEFAULT_GRACE

    def stop(self, grace: float = DEFAULT_GRACE) -> None:
        self.grace = grace
        self.set()


def check_task(command: object) -> str:
    """``command`` as a task, or ``ConfigError`` naming the field (used by ``LaunchConfig``)."""
    if not isinstance(command, str):
        raise ConfigError(f"tasks: {command!r} is not a command (text)")
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"tasks: `{command}` cannot be read: {exc}") from None
    if not words:
        raise ConfigError("tasks: a task must not be empty")
    if "\0" in command or "\n" in command:
        raise ConfigError(f"tasks: `{command.splitlines()[0]}…` must be one line")
    return command


def task_env(
    python: Path, env: Mapping[str, str], parent: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A task's environment: what a server gets (``_launch.child_env``'s small parent set
    and the profile's variables), with ``python``'s bin folder first on PATH (and
    ``VIRTUAL_ENV`` when it is a venv's), so console scripts are the project's."""
    source = os.environ if parent is None else parent
    out = {k: v for k, v in source.items() if k in PARENT_ENV_KEYS or k.startswith("LC_")}
    bin_dir = str(python.parent)
    venv = python.parent.parent
    if (venv / "pyvenv.cfg").is_file():
        out["VIRTUAL_ENV"] = str(venv)
    out.update(env)
    rest = [p for p in out.get("PATH", "").split(os.pathsep) if p and p != bin_dir]
    out["PATH"] = os.pathsep.join([bin_dir, *rest])
    out["PYTHONUNBUFFERED"] = "1"
    return out


#: Shell syntax outside quotes: operators, redirections, expansions, subshells (``~``
#: and globs are not: a plain command keeps its exec path and its "not found" message).
_SHELL_CHARS = frozenset("&|;<>$`()")


def needs_shell(command: str) -> bool:
    """Whether ``command`` uses shell syntax (``&&``, ``|``, ``;``, a redirection,
    ``$VAR``, backquotes, a subshell) outside single quotes, so only ``/bin/sh -c``
    runs it as written (shlex-split, the operators would be literal arguments)."""
    quote = ""
    escaped = False
    for char in command:
        if escaped:
            escaped = False
        elif quote == "'":
            quote = "" if char == "'" else quote
        elif char == "\\":
            escaped = True
        elif quote == '"':
            if char == '"':
                quote = ""
            elif char in "$`":
                return True  # expanded inside double quotes too
        elif char in "'\"":
            quote = char
        elif char in _SHELL_CHARS:
            return True
    return False


def task_argv(command: str, python: Path, root: Path, path: str) -> list[str]:
    """The argv of ``command``: with shell syntax (:func:`needs_shell`) ``/bin/sh -c
    COMMAND`` (PATH, the project's interpreter's bin first, finds its programs);
    otherwise shlex-split, where a leading ``python`` is the project's interpreter, a
    ``.sh`` file runs with bash, a relative path is the project's, and a bare name is
    looked up on ``path`` (the task's PATH). Raises ``FileNotFoundError`` saying where
    it looked."""
    if needs_shell(check_task(command)):
        return ["/bin/sh", "-c", command]
    words = shlex.split(command)
    first = words[0]
    if first in PYTHON_WORDS:
        return [str(python), *words[1:]]
    if first.endswith(".sh"):
        words = ["bash", *words]
        first = "bash"
    if os.sep in first or (os.altsep is not None and os.altsep in first):
        target = Path(first) if Path(first).is_absolute() else root / first
        if not target.is_file():
            raise FileNotFoundError(f"{first} is not a file in {root}")
        return [str(target), *words[1:]]
    found = shutil.which(first, path=path)
    if found is None:
        raise FileNotFoundError(
            f"{first} was not found in {python.parent} (the project's interpreter) or on PATH"
        )
    return [found, *words[1:]]


def run_tasks(
    project: Project,
    tasks: Sequence[str],
    env: Mapping[str, str],
    buffer: LogBuffer,
    *,
    on_line: Callable[[Stream, str], None] | None = None,
    cancel: threading.Event | None = None,
) -> None:
    """Run ``tasks`` (a launch config's) in order in the project's folder with the profile's ``env``
    (``load_profile(...).environ()``) and the project's interpreter.

    Every chunk of output goes into ``buffer`` (stdout/stderr, secrets masked) and to
    ``on_line`` (``asgideck run``'s terminal) with asgideck's own lines (stream
    "event"). Blocks until the last task ends. Raises :class:`TaskFailed` at the first
    failure, :class:`TaskCancelled` when ``cancel`` is set (the running task's tree is
    ended: SIGTERM, :attr:`StopTasks.grace`, SIGKILL).
    """
    root, python = project.root, project.interpreter.path
    full_env = task_env(python, env)
    mask = secret_masker(env)

    def say(text: str, level: str = "info") -> None:
        prefix = {"warning": "WARNING: ", "error": "ERROR: "}.get(level, "")
        line = f"asgideck: {prefix}{mask(text) if mask is not None else text}"
        buffer.append("event", line)
        if on_line is not None:
            on_line("event", line)

    total = len(tasks)
    for number, command in enumerate(tasks, 1):
        shown = mask(command) if mask is not None else command
        if cancel is not None and cancel.is_set():
            raise TaskCancelled(shown)
        say(f"before-start task {number}/{total}: {shown}  (in {root})")
        began = time.monotonic()
        try:
            _run_one(command, root, python, full_env, buffer, mask, on_line, cancel)
        except TaskFailed as exc:
            say(str(exc), "error")
            raise
        except TaskCancelled:
            say(f"before-start task {number}/{total} stopped: the server is not started", "warning")
            raise
        say(f"before-start task {number}/{total} done in {time.monotonic() - began:.1f} s")


def _run_one(
    command: str,
    root: Path,
    python: Path,
    env: dict[str, str],
    buffer: LogBuffer,
    mask: Callable[[str], str] | None,
    on_line: Callable[[Stream, str], None] | None,
    cancel: threading.Event | None,
) -> None:
    """One task, to its end; raises TaskFailed / TaskCancelled."""
    shown = mask(command) if mask is not None else command
    try:
        args = task_argv(command, python, root, env["PATH"])
        # the calling thread waits for the task until it exits: it may die with asgideck
        proc = spawn(args, cwd=root, env=env, bufsize=0, die_with_parent=True, parent_waits=True)
    except ConfigError as exc:
        raise TaskFailed(shown, None, [], why=str(exc)) from None
    except OSError as exc:
        raise TaskFailed(shown, None, [], why=str(exc)) from None
    tree = ProcessTree.started(proc)
    tail: deque[str] = deque(maxlen=TAIL_LINES)
    lock = threading.Lock()

    def seen(stream: Stream, text: str) -> None:
        with lock:
            tail.extend(text.split("\n"))
        if on_line is not None:
            on_line(stream, text)

    readers = []
    assert proc.stdout is not None and proc.stderr is not None
    for stream, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr)):
        reader = threading.Thread(
            target=pump,
            args=(pipe.fileno(), stream, buffer),
            kwargs={"on_chunk": lambda text, s=stream: seen(s, text), "transform": mask},
            name=f"asgideck-task-{proc.pid}-{stream}",
            daemon=True,
        )
        reader.start()
        readers.append(reader)
    cancelled = False
    try:
        while True:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(0.05)
                break
            tree.refresh()  # record its children while they are still attached
            if cancel is not None and cancel.is_set():
                cancelled = True
                grace = cancel.grace if isinstance(cancel, StopTasks) else DEFAULT_GRACE
                tree.end(grace)
                break
    finally:
        # a task that exited may leave a child holding its pipes: it ends with the task
        tree.end(0 if cancelled else LEFTOVER_GRACE)
        proc.wait()
        for reader in readers:
            reader.join(5.0)
        for pipe in (proc.stdout, proc.stderr):
            with contextlib.suppress(OSError):
                pipe.close()
    if cancelled:
        raise TaskCancelled(shown)
    code = proc.returncode
    if code != 0:
        with lock:
            lines = list(tail)
        raise TaskFailed(shown, code, lines)


def suggest_tasks(root: Path) -> list[str]:
    """Tasks the project's layout suggests: ``alembic upgrade head`` where an
    ``alembic.ini`` is, and the prestart scripts (``prestart.sh``, ``scripts/prestart*``)
    run with bash; in ``root`` or one folder down (full-stack-fastapi-template opened at
    its top: ``backend/alembic.ini``, ``backend/scripts/prestart.sh``), where the
    command first changes into that folder (alembic.ini's paths are relative to it)."""
    found = _suggested_in(root)
    if found:  # the project's own folder has them: a nested one is something else
        return found
    with contextlib.suppress(OSError):
        for folder in sorted(p for p in root.iterdir() if p.is_dir()):
            if folder.name.startswith(".") or folder.name in _SKIP_DIRS:
                continue
            inner = shlex.quote(folder.name)
            for command in _suggested_in(folder):
                nested = "bash -c " + shlex.quote(f"cd {inner} && {command}")
                if nested not in found:
                    found.append(nested)
    return found


def _suggested_in(folder: Path) -> list[str]:
    """The tasks ``folder``'s own files suggest, run from ``folder``."""
    here = _scripts(folder)
    if (folder / "alembic.ini").is_file():
        here.append("alembic upgrade head")
    return here


def _scripts(folder: Path) -> list[str]:
    """The prestart scripts of ``folder`` as commands (bash for shell, python for .py)."""
    candidates = [folder / "prestart.sh"]
    with contextlib.suppress(OSError):
        scripts = folder / "scripts"
        if scripts.is_dir():
            candidates += sorted(scripts.glob("prestart*"))
    out = []
    for path in candidates:
        if not path.is_file():
            continue
        rel = path.relative_to(folder).as_posix()
        if path.suffix == ".py":
            out.append(f"python {shlex.quote(rel)}")
        elif path.suffix in ("", ".sh", ".bash"):
            out.append(f"bash {shlex.quote(rel)}")
    return out
