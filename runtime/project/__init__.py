"""Find the project: its app target (entrypoint, AST scan of modules), its interpreter,
and the project object the rest of asgideck opens.

The names are loaded on first use (PEP 562): opening a project does not import the
install advice, and a command that only reads the registry pays for none of it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
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
    from asgideck.runtime.project._project import locate_project, open_project
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
    "locate_project",
    "missing_module_in",
    "module_for",
    "open_project",
    "remember_app",
    "remember_interpreter",
    "remembered_app",
    "remembered_interpreter",
    "workspace_folders",
]

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "AppNotFound": "_types",
    "AppTarget": "_types",
    "InstallPlan": "_install",
    "Interpreter": "_types",
    "MissingModule": "_install",
    "Project": "_types",
    "ProjectError": "_types",
    "SeveralApps": "_discover",
    "Workspace": "_workspace",
    "diagnose_missing": "_install",
    "discover": "_discover",
    "find_app": "_discover",
    "find_interpreter": "_interpreter",
    "find_workspace": "_workspace",
    "forget_app": "_choice",
    "forget_interpreter": "_interpreter",
    "install_plans": "_install",
    "interpreter_notes": "_install",
    "locate_project": "_project",
    "missing_module_in": "_install",
    "module_for": "_module_names",
    "open_project": "_project",
    "remember_app": "_choice",
    "remember_interpreter": "_interpreter",
    "remembered_app": "_choice",
    "remembered_interpreter": "_interpreter",
    "workspace_folders": "_interpreter",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
