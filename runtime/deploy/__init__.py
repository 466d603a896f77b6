"""From a profile to production: generated server, container and proxy files, checked
with the real tools.

``generate`` previews a target's files (each a :class:`GeneratedFile` with its diff
against the project), ``check`` runs the real tools on them (``nginx -t``, ``gunicorn
--check-config``, the Compose and Kubernetes schemas, Docker's Dockerfile parser),
``write`` writes the confirmed ones and never over a change made since the preview, and
``readiness`` runs ``asgideck check``'s production checks on the profile being shipped;
``ScaledGroup`` runs N instances behind a real nginx with the generated upstream.
No secret value of the profile is ever written into a generated file.
"""

from __future__ import annotations

from asgideck.runtime.deploy._checks import (
    check,
    compose_problems,
    find_nginx,
    k8s_problems,
    systemd_problems,
)
from asgideck.runtime.deploy._dockerfile_check import dockerfile_problems
from asgideck.runtime.deploy._generate import generate, render
from asgideck.runtime.deploy._handoff import HANDOFF_TARGETS, Handoff, HandoffRun, handoff
from asgideck.runtime.deploy._kubernetes import PLACEHOLDER
from asgideck.runtime.deploy._model import (
    TARGETS,
    CheckResult,
    DeployError,
    FileKind,
    GeneratedFile,
    Target,
    WriteConflict,
)
from asgideck.runtime.deploy._nginx import nginx_main, nginx_site
from asgideck.runtime.deploy._plan import DeployPlan, ServicePlan, plan_deploy
from asgideck.runtime.deploy._readiness import blocking, readiness
from asgideck.runtime.deploy._scaled import (
    InstanceStatus,
    ScaledGroup,
    ScaledState,
    ScaledStatus,
    scaled_prefix,
)
from asgideck.runtime.deploy._write import write

__all__ = [
    "HANDOFF_TARGETS",
    "PLACEHOLDER",
    "TARGETS",
    "CheckResult",
    "DeployError",
    "DeployPlan",
    "FileKind",
    "GeneratedFile",
    "Handoff",
    "HandoffRun",
    "InstanceStatus",
    "ScaledGroup",
    "ScaledState",
    "ScaledStatus",
    "ServicePlan",
    "Target",
    "WriteConflict",
    "blocking",
    "check",
    "compose_problems",
    "dockerfile_problems",
    "find_nginx",
    "generate",
    "handoff",
    "k8s_problems",
    "nginx_main",
    "nginx_site",
    "plan_deploy",
    "readiness",
    "render",
    "scaled_prefix",
    "systemd_problems",
    "write",
]
