"""Run servers: ``ServerSpec`` -> argv + environment (pure), one supervisor per server,
the restart policy, ports, the registry of running process trees, and a project's
saved launch configs.
"""

from __future__ import annotations

from asgideck.runtime.servers._events import (
    LaunchFailed,
    PortInUse,
    ReloadDetected,
    ServerEvent,
    StateChanged,
    StatsUpdated,
    Status,
)
from asgideck.runtime.servers._launch import (
    Features,
    ServerSpec,
    argv,
    child_env,
    connect_host,
    interpreter_features,
    url,
)
from asgideck.runtime.servers._output import secret_masker
from asgideck.runtime.servers._ports import (
    free_port,
    is_port_free,
    next_free_port,
    port_accepts,
    port_holder,
    wait_port_open,
)
from asgideck.runtime.servers._project_servers import (
    ConfigError,
    LaunchConfig,
    ServerManager,
    build_spec,
    configs_path,
    default_configs,
    load_configs,
    save_configs,
    with_port,
)
from asgideck.runtime.servers._registry import (
    Entry,
    ManagedServer,
    ProcessTree,
    adopt,
    alive_entries,
    stop_orphan,
)
from asgideck.runtime.servers._restart_policy import RestartPolicy
from asgideck.runtime.servers._supervisor import Supervisor

__all__ = [
    "ConfigError",
    "Entry",
    "Features",
    "LaunchConfig",
    "LaunchFailed",
    "ManagedServer",
    "PortInUse",
    "ProcessTree",
    "ReloadDetected",
    "RestartPolicy",
    "ServerEvent",
    "ServerManager",
    "ServerSpec",
    "StateChanged",
    "StatsUpdated",
    "Status",
    "Supervisor",
    "adopt",
    "alive_entries",
    "argv",
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
    "stop_orphan",
    "url",
    "wait_port_open",
    "with_port",
]
