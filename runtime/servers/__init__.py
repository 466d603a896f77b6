"""Run servers: ``ServerSpec`` -> argv + environment (pure), one supervisor per server
(with the monitor it holds), the restart policy, ports, the one way to spawn and end
a process tree, the registry of running trees (and orphans), and a project's saved
launch configs.
"""

from __future__ import annotations

from asgideck.runtime.servers._argv import argv
from asgideck.runtime.servers._errors import (
    AlreadyRunning,
    ConfigError,
    LaunchFailed,
    PortInUse,
)
from asgideck.runtime.servers._events import (
    Notice,
    ReloadDetected,
    ServerEvent,
    StateChanged,
    StatsUpdated,
    Status,
    StopCause,
)
from asgideck.runtime.servers._features import Features, interpreter_features
from asgideck.runtime.servers._launch import ServerSpec, child_env, connect_host, url
from asgideck.runtime.servers._output import secret_masker
from asgideck.runtime.servers._ports import (
    bind_problem,
    free_port,
    is_port_free,
    next_free_port,
    port_accepts,
    port_holder,
    wait_port_open,
)
from asgideck.runtime.servers._process_tree import (
    LAUNCH_VARS,
    EndResult,
    LaunchTooLarge,
    ProcessTree,
    TreeSample,
    create_time_of,
    spawn,
)
from asgideck.runtime.servers._project_servers import (
    LaunchConfig,
    ManagedServer,
    ServerFacts,
    ServerManager,
    begin_run,
    build_spec,
    configs_path,
    default_configs,
    load_configs,
    records_by_default,
    save_configs,
    with_port,
)
from asgideck.runtime.servers._registry import (
    SERVICE_KINDS,
    AdoptedServer,
    Entry,
    adopt,
    alive_entries,
    check_state,
    entry_holding,
    new_id,
    register,
    stop_orphan,
    stop_signal_of,
    unregister,
)
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._stop_requests import stop_requested, stopping_from_here
from asgideck.runtime.servers._supervisor import Supervisor
from asgideck.runtime.servers._tasks import (
    StopTasks,
    TaskCancelled,
    TaskFailed,
    run_tasks,
    suggest_tasks,
)

__all__ = [
    "LAUNCH_VARS",
    "SERVICE_KINDS",
    "AdoptedServer",
    "AlreadyRunning",
    "ConfigError",
    "EndResult",
    "Entry",
    "Features",
    "LaunchConfig",
    "LaunchFailed",
    "LaunchTooLarge",
    "ManagedServer",
    "Notice",
    "PortInUse",
    "ProcessTree",
    "ReloadDetected",
    "RestartPolicy",
    "ServerEvent",
    "ServerFacts",
    "ServerManager",
    "ServerSpec",
    "StateChanged",
    "StatsUpdated",
    "Status",
    "StopCause",
    "StopTasks",
    "Supervisor",
    "TaskCancelled",
    "TaskFailed",
    "TreeSample",
    "adopt",
    "alive_entries",
    "argv",
    "begin_run",
    "bind_problem",
    "build_spec",
    "check_state",
    "child_env",
    "configs_path",
    "connect_host",
    "create_time_of",
    "default_configs",
    "entry_holding",
    "free_port",
    "interpreter_features",
    "is_port_free",
    "load_configs",
    "new_id",
    "next_free_port",
    "port_accepts",
    "port_holder",
    "records_by_default",
    "register",
    "run_tasks",
    "save_configs",
    "secret_masker",
    "spawn",
    "stop_orphan",
    "stop_requested",
    "stop_signal_of",
    "stopping_from_here",
    "suggest_tasks",
    "unregister",
    "url",
    "wait_port_open",
    "with_port",
]
