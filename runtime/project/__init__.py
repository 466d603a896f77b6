"""Find the project: its app target (entrypoint, AST scan of modules), its interpreter,
and the project object the rest of asgideck opens.
"""

from __future__ import annotations

from asgideck.runtime.project._discover import find_app
from asgideck.runtime.project._interpreter import find_interpreter
from asgideck.runtime.project._module_names import module_for
from asgideck.runtime.project._project import open_project
from asgideck.runtime.project._types import AppNotFound, Interpreter, Project, ProjectError

__all__ = [
    "AppNotFound",
    "Interpreter",
    "Project",
    "ProjectError",
    "find_app",
    "find_interpreter",
    "module_for",
    "open_project",
]
