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
    spawn,
)
from asgideck.runtime.servers._project_servers import (
    LaunchConfig,
    ManagedServer,
    ServerFacts,
    ServerManager,
    build_spec,
    configs_path,
    default_configs,
    load_configs,
    save_configs,
    with_port,
)
from asgideck.runtime.servers._registry import (
    AdoptedServer,
    Entry,
    adopt,
    alive_entries,
    stop_orphan,
)
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._stop_requests import stop_requested, stopping_from_here
from asgideck.runtime.servers._supervisor import Supervisor

__all__ = [
    "LAUNCH_VARS",
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
    "Supervisor",
    "TreeSample",
    "adopt",
    "alive_entries",
    "argv",
    "bind_problem",
    "build_spec",
    "child_env",
    "configs_path",
    "connect_host",
    "default_configs",
    "free_port",
    "interpreter_features",
    "is_port_free",
    "load_configs",
    "next_free_port",
    "port_accepts",
    "port_holder",
    "save_configs",
    "secret_masker",
    "spawn",
    "stop_orphan",
    "stop_requested",
    "stopping_from_here",
    "url",
    "wait_port_open",
    "with_port",
]
