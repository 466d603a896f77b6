"""Find the project: its app target (entrypoint, AST scan of modules), its interpreter,
and the project object the rest of asgideck opens.
"""

from __future__ import annotations

from asgideck.runtime.project._choice import forget_app, remember_app, remembered_app
from asgideck.runtime.project._discover import SeveralApps, discover, find_app
from asgideck.runtime.project._install import (
    InstallPlan,
    MissingModule,
    diagnose_missing,
    install_plans,
    interpreter_notes,
    missing_module_in,
)
from asgideck.runtime.project._interpreter import (
    find_interpreter,
    forget_interpreter,
    remember_interpreter,
    remembered_interpreter,
    workspace_folders,
)
from asgideck.runtime.project._module_names import module_for
from asgideck.runtime.project._project import open_project
from asgideck.runtime.project._types import (
    AppNotFound,
    AppTarget,
    Interpreter,
    Project,
    ProjectError,
)
from asgideck.runtime.project._workspace import Workspace, find_workspace

__all__ = [
    "AppNotFound",
    "AppTarget",
    "InstallPlan",
    "Interpreter",
    "MissingModule",
    "Project",
    "ProjectError",
    "SeveralApps",
    "Workspace",
    "diagnose_missing",
    "discover",
    "find_app",
    "find_interpreter",
    "find_workspace",
    "forget_app",
    "forget_interpreter",
    "install_plans",
    "interpreter_notes",
    "missing_module_in",
    "module_for",
    "open_project",
    "remember_app",
    "remember_interpreter",
    "remembered_app",
    "remembered_interpreter",
    "workspace_folders",
]
