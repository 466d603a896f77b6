"""What the project's app is, seen through the probe: the app model (middleware in run
order, routes, OpenAPI), settings validation, readiness checks, the routes index, and
the session (the open project with its selected profile's findings), and what a
reload changed in a running server's API.
"""

from __future__ import annotations

from asgideck.runtime.inspect._api_changes import (
    API_CHANGED_PREFIX,
    ReloadApiWatch,
    ReloadChanges,
    api_changes_after_reload,
    api_changes_line,
    changes_after_reload,
)
from asgideck.runtime.inspect._app import (
    AppInfo,
    Dependency,
    MiddlewareLayer,
    RouteInfo,
    app_info_json,
    inspect_project,
)
from asgideck.runtime.inspect._checks import RULES, Finding, readiness_findings
from asgideck.runtime.inspect._inspection import Inspection, Snapshot, compute
from asgideck.runtime.inspect._install import CANCELLED, InstallError, InstallRun
from asgideck.runtime.inspect._live_openapi import best_openapi, fetch_openapi
from asgideck.runtime.inspect._routes import (
    GroupBy,
    RouteEntry,
    build_index,
    filter_entries,
    group_entries,
)
from asgideck.runtime.inspect._runner import (
    PROBE_OWN,
    ProbeError,
    launch_sys_path,
    probe_environment,
    run_probe,
    working_dir,
)
from asgideck.runtime.inspect._session import ProjectSession, Validation
from asgideck.runtime.inspect._settings import (
    SecretFact,
    SettingsIssue,
    SettingsReport,
    validate_settings,
)
from asgideck.runtime.inspect._settings_scan import (
    ConfigModule,
    SettingsClass,
    find_config_modules,
    find_settings_classes,
)

__all__ = [
    "API_CHANGED_PREFIX",
    "CANCELLED",
    "PROBE_OWN",
    "RULES",
    "AppInfo",
    "ConfigModule",
    "Dependency",
    "Finding",
    "GroupBy",
    "Inspection",
    "InstallError",
    "InstallRun",
    "MiddlewareLayer",
    "ProbeError",
    "ProjectSession",
    "ReloadApiWatch",
    "ReloadChanges",
    "RouteEntry",
    "RouteInfo",
    "SecretFact",
    "SettingsClass",
    "SettingsIssue",
    "SettingsReport",
    "Snapshot",
    "Validation",
    "api_changes_after_reload",
    "api_changes_line",
    "app_info_json",
    "best_openapi",
    "build_index",
    "changes_after_reload",
    "compute",
    "fetch_openapi",
    "filter_entries",
    "find_config_modules",
    "find_settings_classes",
    "group_entries",
    "inspect_project",
    "launch_sys_path",
    "probe_environment",
    "readiness_findings",
    "run_probe",
    "validate_settings",
    "working_dir",
]
