"""Run servers: ``ServerSpec`` -> argv + environment (pure), one supervisor per server
(with the monitor it holds), the restart policy, ports, the one way to spawn and end
a process tree, the registry of running trees (and orphans), and a project's saved
launch configs.

The names are loaded on first use (PEP 562): ``asgideck call`` and ``ps`` read the
registry without importing the supervisor, the monitor or psutil's process tree.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
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

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "LAUNCH_VARS": "_process_tree",
    "SERVICE_KINDS": "_registry",
    "AdoptedServer": "_registry",
    "AlreadyRunning": "_errors",
    "ConfigError": "_errors",
    "EndResult": "_process_tree",
    "Entry": "_registry",
    "Features": "_features",
    "LaunchConfig": "_project_servers",
    "LaunchFailed": "_errors",
    "LaunchTooLarge": "_process_tree",
    "ManagedServer": "_project_servers",
    "Notice": "_events",
    "PortInUse": "_errors",
    "ProcessTree": "_process_tree",
    "ReloadDetected": "_events",
    "RestartPolicy": "_restart_policy",
    "ServerEvent": "_events",
    "ServerFacts": "_project_servers",
    "ServerManager": "_project_servers",
    "ServerSpec": "_launch",
    "StateChanged": "_events",
    "StatsUpdated": "_events",
    "Status": "_events",
    "StopCause": "_events",
    "StopTasks": "_tasks",
    "Supervisor": "_supervisor",
    "TaskCancelled": "_tasks",
    "TaskFailed": "_tasks",
    "TreeSample": "_process_tree",
    "adopt": "_registry",
    "alive_entries": "_registry",
    "argv": "_argv",
    "begin_run": "_project_servers",
    "bind_problem": "_ports",
    "build_spec": "_project_servers",
    "check_state": "_registry",
    "child_env": "_launch",
    "configs_path": "_project_servers",
    "connect_host": "_launch",
    "create_time_of": "_process_tree",
    "default_configs": "_project_servers",
    "entry_holding": "_registry",
    "free_port": "_ports",
    "interpreter_features": "_features",
    "is_port_free": "_ports",
    "load_configs": "_project_servers",
    "new_id": "_registry",
    "next_free_port": "_ports",
    "port_accepts": "_ports",
    "port_holder": "_ports",
    "records_by_default": "_project_servers",
    "register": "_registry",
    "run_tasks": "_tasks",
    "save_configs": "_project_servers",
    "secret_masker": "_output",
    "spawn": "_process_tree",
    "stop_orphan": "_registry",
    "stop_requested": "_stop_requests",
    "stop_signal_of": "_registry",
    "stopping_from_here": "_stop_requests",
    "suggest_tasks": "_tasks",
    "unregister": "_registry",
    "url": "_launch",
    "wait_port_open": "_ports",
    "with_port": "_project_servers",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
