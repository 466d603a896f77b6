"""The Try tab's headless state: the draft composer contents, prefill from OpenAPI,
security schemes, and the workbench that ties server, auth, sender and history together.
"""

from __future__ import annotations

from asgideck.runtime.workbench._draft import draft_from_spec
from asgideck.runtime.workbench._model import Draft, Field, path_placeholders
from asgideck.runtime.workbench._prefill import body_kind_for, draft_from_operation
from asgideck.runtime.workbench._schemes import Scheme, auth_hint, security_schemes
from asgideck.runtime.workbench._workbench import SESSION_TOKENS, Target, Workbench

__all__ = [
    "SESSION_TOKENS",
    "Draft",
    "Field",
    "Scheme",
    "Target",
    "Workbench",
    "auth_hint",
    "body_kind_for",
    "draft_from_operation",
    "draft_from_spec",
    "path_placeholders",
    "security_schemes",
]
