"""A project's servers: launch configs saved per project, one ``Supervisor`` each,
and the orphans an earlier asgideck left running.

Configs live in the user config dir (never in the project). A config names a
profile, not its values: the spec is built fresh at every start, so an edited
``.env`` takes effect on the next (re)start and secrets never reach disk.
Events of every supervisor are re-published as ``(server name, event)`` on the
supervisor's event thread.

A config says whether its server records requests (``record``; None: the default
for its style, :func:`records_by_default`). A recorded start empties the server's
records folder (``runtime.recording``, in asgideck's state folder, never the
project) and the spec names it (``ServerSpec.record``): the agent writes there.

A config may list before-start tasks (``_tasks``): every start runs them first, on
the starting thread, and says so as ``StateChanged`` events of its own ("starting"
while they run, "crashed" when one fails, "stopped" when a stop ended them), since
no supervisor process exists yet. ``stop``/``close`` end a task that is running.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any, get_args

from asgideck.runtime.errors import NotFound, ServerError
from asgideck.runtime.events import Event
from asgideck.runtime.logs import LogBuffer
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Project, ProjectError
from asgideck.runtime.recording import begin_records, records_dir
from asgideck.runtime.servers._errors import AlreadyRunning, ConfigError
from asgideck.runtime.servers._events import ServerEvent, ServerState, StateChanged, Status
from asgideck.runtime.servers._launch import (
    AUTO_WORKER,
    LogLevel,
    ServerKind,
    ServerSpec,
    WorkerClass,
)
from asgideck.runtime.servers._process_tree import EndResult
from asgideck.runtime.servers._registry import Entry
from asgideck.runtime.servers._registry import orphans as orphan_entries
from asgideck.runtime.servers._supervisor import Supervisor
from asgideck.runtime.servers._tasks import (
    StopTasks,
    TaskCancelled,
    TaskFailed,
    check_task,
    run_tasks,
)
from asgideck.runtime.userstate import StateError, config_dir, notify, read_state, write_state

__all__ = [
    "LaunchConfig",
    "ManagedServer",
    "ServerFacts",
    "ServerManager",
    "begin_run",
    "build_spec",
    "configs_path",
    "default_configs",
    "load_configs",
    "records_by_default",
    "save_configs",
]

BASE_PORT = 8000


@dataclass(frozen=True)
class ServerFacts:
    """What a launch config says that the readiness rules judge (reload on, one worker)."""

    reload: bool
    workers: int


@dataclass(frozen=True)
class LaunchConfig:
    """What the user chose for one server; field names follow uvicorn/gunicorn options."""

    name: str
    profile: str
    kind: ServerKind = "uvicorn"
    host: str = "127.0.0.1"
    port: int = BASE_PORT
    reload: bool = False
    workers: int = 1
    worker_class: WorkerClass = AUTO_WORKER  # "auto": gunicorn.conf.py, else what is installed
    log_level: LogLevel = "info"
    access_log: bool = True
    root_path: str = ""
    auto_restart: bool = False
    #: before-start tasks, run in order by every start (shlex-split commands)
    tasks: tuple[str, ...] = ()
    #: record requests (the agent); None: what suits the server's style (records_by_default)
    record: bool | None = None

    def __post_init__(self) -> None:
        if self.record is not None and not isinstance(self.record, bool):
            raise ConfigError(f"record: expected true, false or null, got {self.record!r}")
        if isinstance(self.tasks, str) or not isinstance(self.tasks, (list, tuple)):
            raise ConfigError(f"tasks: expected a list of commands, got {self.tasks!r}")
        object.__setattr__(self, "tasks", tuple(check_task(t) for t in self.tasks))
        if not self.name.strip():
            raise ConfigError("name: must not be empty")
        if not self.profile:
            raise ConfigError("profile: choose a profile")
        if self.kind not in get_args(ServerKind):
            raise ConfigError(f"kind: {self.kind!r} is not one of {get_args(ServerKind)}")
        if not 1 <= self.port <= 65535:
            raise ConfigError(f"port: {self.port} is not between 1 and 65535")
        if self.workers < 1:
            raise ConfigError(f"workers: {self.workers} must be at least 1")
        if self.reload and self.workers > 1:
            raise ConfigError("reload: cannot be combined with more than one worker")
        if self.reload and self.kind in ("gunicorn", "daphne"):
            raise ConfigError(f"reload: {self.kind} does not reload here; use uvicorn")
        if self.kind == "daphne" and self.workers > 1:
            raise ConfigError("workers: Daphne runs a single process")

    @property
    def recording(self) -> bool:
        """Whether a start records requests: the user's choice, else the style's default."""
        return records_by_default(self) if self.record is None else self.record

    @property
    def facts(self) -> ServerFacts:
        return ServerFacts(reload=self.reload, workers=self.workers)

    def describe(self) -> str:
        parts = [self.kind, f"{self.host}:{self.port}", f"profile {self.profile}"]
        if self.reload:
            parts.append("reload")
        if self.workers > 1:
            parts.append(f"{self.workers} workers")
        if self.tasks:
            parts.append(f"{len(self.tasks)} before-start task{'s' if len(self.tasks) > 1 else ''}")
        return " · ".join(parts)

    @classmethod
    def from_json(cls, raw: Any) -> LaunchConfig:
        if not isinstance(raw, dict):
            raise ConfigError(f"expected an object, got {type(raw).__name__}")
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in raw.items() if k in known})

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["tasks"] = list(self.tasks)
        return data


def _production_profile(profile: str) -> bool:
    """The profile's name says production (as ``default_configs`` and the readiness
    checks read it: "prod", "production", "prod-eu"...)."""
    return "prod" in profile.lower()


def records_by_default(config: LaunchConfig) -> bool:
    """Record requests unless the server is production-style: on for uvicorn with
    ``--reload`` and for one process on a non-production profile; off for gunicorn,
    more than one worker, or a production profile (recording costs a little per
    request and keeps bodies on disk in asgideck's state folder)."""
    if config.reload:
        return True
    if config.kind == "gunicorn" or config.workers > 1:
        return False
    return not _production_profile(config.profile)


def default_configs(profiles: Sequence[str]) -> list[LaunchConfig]:
    """One server per profile: auto-reload for development, gunicorn with workers for prod."""
    configs = []
    for offset, profile in enumerate(profiles):
        if _production_profile(profile):
            config = LaunchConfig(profile, profile, "gunicorn", port=BASE_PORT + offset, workers=2)
        else:
            config = LaunchConfig(profile, profile, "uvicorn", port=BASE_PORT + offset, reload=True)
        configs.append(config)
    return configs


def configs_path(root: Path) -> Path:
    digest = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return config_dir() / "projects" / f"{root.name}-{digest}.json"


def _valid_file(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("servers"), list)


def _parse_entry(item: Any) -> LaunchConfig | str:
    """The config an entry of the file says, or why it cannot be used."""
    try:
        return LaunchConfig.from_json(item)
    except ConfigError as exc:
        return str(exc)
    except (TypeError, ValueError, AttributeError) as exc:
        return f"a field is missing or of the wrong type ({exc})"


def load_configs(root: Path, profiles: Sequence[str]) -> list[LaunchConfig]:
    """The saved configs, or defaults.

    A damaged file is never silently replaced by defaults: it is kept aside, its
    backup restored when there is one, and one line says which (``userstate``'s
    notices, shown by the window and the CLI). An entry that no longer parses inside
    a good file is skipped with one line each, and kept in the file: :func:`save_configs`
    writes it back untouched. Raises ``StateError`` when the file cannot be read at
    all (a folder in its place).
    """
    path = configs_path(root)
    raw = read_state(
        path,
        None,
        valid=_valid_file,
        what=f"the saved servers of {root.name}",
        fallback="defaults are shown",
    ).data
    if raw is None:
        return default_configs(profiles)
    configs = []
    for number, item in enumerate(raw["servers"], 1):
        parsed = _parse_entry(item)
        if isinstance(parsed, LaunchConfig):
            configs.append(parsed)
            continue
        name = item.get("name") if isinstance(item, dict) else None
        label = f"server {number}" + (f" ({name!r})" if isinstance(name, str) else "")
        notify(f"{path}: {label} cannot be used: {parsed}; not shown, kept in the file")
    return configs or default_configs(profiles)


def _unusable_entries(path: Path) -> list[Any]:
    """The entries of the saved file that do not parse, to be written back as they are."""
    try:
        raw = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return []  # gone or damaged: load_configs already set it aside and said so
    if not _valid_file(raw):
        return []
    return [item for item in raw["servers"] if not isinstance(_parse_entry(item), LaunchConfig)]


def save_configs(root: Path, configs: Iterable[LaunchConfig]) -> None:
    """Save ``configs``, keeping the file's entries that did not parse (see load_configs)."""
    path = configs_path(root)
    servers = [c.to_json() for c in configs] + _unusable_entries(path)
    data = {"root": str(root), "servers": servers}
    write_state(path, json.loads(json.dumps(data)))


def build_spec(project: Project, config: LaunchConfig) -> ServerSpec:
    """The spec for a start: the profile's variables as they are on disk right now, and
    the records folder when the config records requests (emptied by :func:`begin_run`,
    not here: building a spec changes nothing on disk)."""
    if project.app is None:
        raise ProjectError(project.app_error or f"{project.root}: no ASGI app found")
    profile = load_profile(project.root, config.profile)
    return ServerSpec(
        kind=config.kind,
        app=project.app.import_string,
        root=project.root,
        python=project.interpreter.path,
        env=profile.environ(),
        host=config.host,
        port=config.port,
        reload=config.reload,
        workers=config.workers,
        log_level=config.log_level,
        access_log=config.access_log,
        factory=project.app.factory,
        app_dir=Path(project.app.app_dir) if project.app.app_dir else None,
        root_path=config.root_path,
        worker_class=config.worker_class,
        record=records_dir(project.root, config.name) if config.recording else None,
    )


def begin_run(project: Project, config: LaunchConfig, spec: ServerSpec) -> None:
    """A start of ``spec`` (built from ``config``) is about to happen: a recorded one
    begins with an empty records folder (the requests of the run before are gone)."""
    if spec.record is not None:
        begin_records(project.root, config.name)


class ManagedServer:
    """One launch config and the supervisor that runs it (its before-start tasks first)."""

    def __init__(self, manager: ServerManager, config: LaunchConfig) -> None:
        self.manager = manager
        self.config = config
        self.buffer = LogBuffer()
        self.supervisor: Supervisor | None = None
        self._tasks_lock = threading.Lock()
        #: set while a start runs its tasks (and starts the supervisor after them)
        self._stop_tasks: StopTasks | None = None
        self._tasks_done = threading.Event()
        self._tasks_done.set()
        #: the status the tasks said last (None once the supervisor started)
        self._task_status: Status | None = None

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def tasks_running(self) -> bool:
        """A start is running the before-start tasks (stop ends them)."""
        return not self._tasks_done.is_set()

    @property
    def state(self) -> str:
        if self.tasks_running:
            return "starting"
        if self._task_status is not None:
            return self._task_status.state
        return self.supervisor.state if self.supervisor is not None else "stopped"

    @property
    def running(self) -> bool:
        """A process tree exists (also a --reload server waiting for a fix after a crash,
        and a start still running its before-start tasks)."""
        return self.tasks_running or (self.supervisor is not None and self.supervisor.alive)

    def start(self) -> None:
        """Build the spec from the profile on disk, run the before-start tasks, start;
        raises PortInUse, TaskFailed etc. Returns quietly when a stop ended the tasks.

        The supervisor starts under the manager's lock, so a start still in flight when
        the project closes either finishes before :meth:`ServerManager.close` stops
        everything or is refused. The tasks run outside it (a migration may take a
        while): closing ends them instead.
        """
        if not self.config.tasks:
            with self.manager.lock:
                if self.manager.closed:
                    raise ServerError(f"{self.name}: not started, the project is closing")
                self._start()
            return
        with self.manager.lock:
            if self.manager.closed:
                raise ServerError(f"{self.name}: not started, the project is closing")
            stop = self._begin_tasks()
        said: int | None = None  # the supervisor's status version when "starting" was said
        final: dict[str, Any] | None = None  # what to say once the tasks are over
        try:
            spec = build_spec(self.manager.project, self.config)
            said = self.supervisor.status.version if self.supervisor is not None else 0
            self._say("starting", message="running before-start tasks")
            try:
                run_tasks(
                    self.manager.project, self.config.tasks, spec.env, self.buffer, cancel=stop
                )
            except TaskCancelled:
                final = {"state": "stopped", "message": "stopped during before-start tasks"}
                final["cause"] = "stop"
                return
            except TaskFailed as exc:
                final = {
                    "state": "crashed",
                    "message": "before-start task failed",
                    "error": "\n".join([str(exc), *exc.lines]),
                    "exit_code": exc.exit_code,
                }
                raise
            with self.manager.lock:
                if stop.is_set():  # stopped between the last task and now
                    final = {"state": "stopped", "message": "stopped", "cause": "stop"}
                    return
                if self.manager.closed:
                    raise ServerError(f"{self.name}: not started, the project is closing")
                self._start_supervisor(spec)
        except BaseException as exc:
            spoke = self._task_status is not None and self._task_status.state == "starting"
            if final is None and said is not None and spoke:
                if self.supervisor is not None and self.supervisor.status.version != said:
                    self._task_status = None  # the supervisor said why (LaunchFailed)
                else:  # nobody did (a port in use): say the start is over
                    final = {"state": "stopped", "message": "not started", "error": str(exc)}
            raise
        finally:
            with self._tasks_lock:
                self._stop_tasks = None
                self._tasks_done.set()
            if final is not None:  # after the phase ended: a listener sees it over
                self._say(**final)

    def _begin_tasks(self) -> StopTasks:
        """Mark a start with tasks under way (refused while one runs or the server does)."""
        with self._tasks_lock:
            if self.tasks_running or (self.supervisor is not None and self.supervisor.alive):
                raise AlreadyRunning(f"{self.name} is already {self.state}")
            stop = StopTasks()
            self._stop_tasks = stop
            self._tasks_done.clear()
            return stop

    def _start(self) -> None:
        self._start_supervisor(build_spec(self.manager.project, self.config))

    def _start_supervisor(self, spec: ServerSpec) -> None:
        begin_run(self.manager.project, self.config, spec)
        if self.supervisor is None:
            self.supervisor = Supervisor(
                spec,
                buffer=self.buffer,
                name=self.config.name,
                auto_restart=self.config.auto_restart,
                on_event=lambda event: self.manager.events.emit((self.name, event)),
            )
        else:
            self.supervisor.spec = spec
            self.supervisor.auto_restart = self.config.auto_restart
        self.supervisor.start()
        self._task_status = None  # the supervisor speaks from here on

    def _say(self, state: ServerState, **changes: Any) -> None:
        """A ``StateChanged`` of the task phase, published like the supervisor's events."""
        if self.supervisor is not None:
            self.supervisor.flush_events(2.0)  # its earlier events go first
            base = self.supervisor.status
        else:
            base = Status()
        previous = self._task_status if self._task_status is not None else base
        fresh: dict[str, Any] = {
            "pid": None,
            "url": None,
            "exit_code": None,
            "error": None,
            "diagnosis": None,
            "cause": "",
            "next_restart_in": None,
            "reload_waiting": False,
        }
        fresh.update(changes)
        version = max(previous.version, base.version) + 1
        status = replace(previous, state=state, version=version, **fresh)
        self._task_status = status
        self.manager.events.emit((self.name, StateChanged(status, previous.state)))

    def stop_tasks(self, grace: float = 5.0) -> None:
        """End the before-start task that runs now, if any (the start then returns)."""
        with self._tasks_lock:
            if self._stop_tasks is not None:
                self._stop_tasks.stop(grace)

    def _end_tasks(self, grace: float) -> None:
        """End the running tasks and wait until their start has returned."""
        self.stop_tasks(grace)
        self._tasks_done.wait(grace + 30.0)

    def stop(self, grace: float = 5.0) -> EndResult | None:
        self._end_tasks(grace)
        return self.supervisor.stop(grace) if self.supervisor is not None else None

    def restart(self, grace: float = 5.0) -> None:
        if self.config.tasks:  # a restart is a start: the tasks run again
            self.stop(grace)
            self.start()
            return
        if self.supervisor is None or not self.running:
            self.start()
            return
        spec = build_spec(self.manager.project, self.config)
        begin_run(self.manager.project, self.config, spec)
        self.supervisor.restart(grace, spec)

    def close(self, grace: float = 5.0) -> None:
        self._end_tasks(grace)
        if self.supervisor is not None:
            self.supervisor.close(grace)


class ServerManager:
    def __init__(self, project: Project, profiles: Sequence[str]) -> None:
        self.project = project
        self.events: Event[tuple[str, ServerEvent]] = Event()
        self.changed: Event[None] = Event()
        try:
            configs = load_configs(project.root, profiles)
        except StateError as exc:  # e.g. a folder where the file goes: say so, show defaults
            notify(f"{exc}; defaults are shown")
            configs = default_configs(profiles)
        self.servers = [ManagedServer(self, c) for c in configs]
        self.lock = threading.Lock()  # held by a start, so close never misses one
        self.closed = False

    def server(self, name: str) -> ManagedServer:
        for server in self.servers:
            if server.name == name:
                return server
        raise NotFound(f"no server named {name!r}")

    def facts_for(self, profile: str) -> ServerFacts | None:
        """Launch facts for the readiness rules: the first server using ``profile``."""
        return next((s.config.facts for s in self.servers if s.config.profile == profile), None)

    def add(self, config: LaunchConfig) -> ManagedServer:
        if any(s.name == config.name for s in self.servers):
            raise ConfigError(f"name: a server named {config.name!r} exists already")
        server = ManagedServer(self, config)
        self.servers.append(server)
        self._save()
        return server

    def update(self, name: str, config: LaunchConfig) -> ManagedServer:
        """Replace a config; it applies at the next start (a running server keeps its spec)."""
        server = self.server(name)
        if config.name != name and any(s.name == config.name for s in self.servers):
            raise ConfigError(f"name: a server named {config.name!r} exists already")
        server.config = config
        self._save()
        return server

    def remove(self, name: str) -> None:
        server = self.server(name)
        if server.running:
            raise ConfigError(f"{name}: stop the server before removing it")
        server.close(0)
        self.servers.remove(server)
        self._save()

    def next_free_name_and_port(self) -> tuple[str, int]:
        names = {s.name for s in self.servers}
        ports = {s.config.port for s in self.servers}
        n = 1
        while f"server-{n}" in names:
            n += 1
        port = BASE_PORT
        while port in ports:
            port += 1
        return f"server-{n}", port

    def orphans(self) -> list[Entry]:
        """Servers of this project still running from an asgideck that is gone."""
        mine = {s.supervisor.id for s in self.servers if s.supervisor is not None}
        root = str(self.project.root)
        return [e for e in orphan_entries(tuple(mine)) if e.root == root]

    def close(self, grace: float = 5.0) -> None:
        """Stop every server (asgideck is closing): nothing may outlive us.

        Running servers stop in parallel (a thread each), so closing waits about one
        ``grace`` period however many there are; the first error is raised at the end.
        """
        for server in self.servers:  # a start running its tasks returns at once
            server.stop_tasks(grace)
        with self.lock:
            self.closed = True
        errors: list[BaseException] = []

        def close_one(server: ManagedServer) -> None:
            try:
                server.close(grace)
            except BaseException as exc:  # re-raised below, after every server is done
                errors.append(exc)

        threads = []
        for server in self.servers:
            if server.running:
                name = f"asgideck-close-{server.name}"
                thread = threading.Thread(target=close_one, args=(server,), name=name, daemon=True)
                thread.start()
                threads.append(thread)
            else:
                close_one(server)  # nothing to wait for: just its event thread
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]

    def _save(self) -> None:
        save_configs(self.project.root, (s.config for s in self.servers))
        self.changed.emit(None)


def with_port(config: LaunchConfig, port: int) -> LaunchConfig:
    return replace(config, port=port)
