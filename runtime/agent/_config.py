"""What the agent was told (``ASGIDECK_AGENT_*``) and the product's files it loads by path.

``secrets.py`` is asgideck's one secret rule and the probe's middleware reader is the
Middleware tab's truth: both are loaded from asgideck's own folders (paths in the
environment), under private module names, never by ``import asgideck``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import os
import sys
from typing import Any

DEFAULT_BODY_LIMIT = 65536
_HERE = os.path.dirname(os.path.abspath(__file__))
PROBE_PACKAGE = "_asgideck_probe"  # the probe's own private package name (its _main.SIBLINGS)


class Config:
    """The agent's settings for this process."""

    def __init__(
        self,
        app: str,
        records: str,
        root: str,
        *,
        factory: bool = False,
        body_limit: int = DEFAULT_BODY_LIMIT,
        secrets_path: str = "",
        probe_dir: str = "",
    ) -> None:
        self.app = app
        self.records = records
        self.root = os.path.abspath(root)
        self.factory = factory
        self.body_limit = max(0, body_limit)
        self.secrets_path = secrets_path or os.path.join(os.path.dirname(_HERE), "secrets.py")
        self.probe_dir = probe_dir or os.path.join(os.path.dirname(_HERE), "probe")

    @classmethod
    def from_environ(cls, app: str, environ: Any = None) -> Config:
        env = os.environ if environ is None else environ
        records = env.get("ASGIDECK_AGENT_RECORDS", "")
        if not records:
            raise RuntimeError("ASGIDECK_AGENT_RECORDS is not set")
        try:
            limit = int(env.get("ASGIDECK_AGENT_BODY_LIMIT", "") or DEFAULT_BODY_LIMIT)
        except ValueError:
            limit = DEFAULT_BODY_LIMIT
        return cls(
            app,
            records,
            env.get("ASGIDECK_AGENT_ROOT", "") or os.getcwd(),
            factory=env.get("ASGIDECK_AGENT_FACTORY", "0") == "1",
            body_limit=limit,
            secrets_path=env.get("ASGIDECK_AGENT_SECRETS", ""),
            probe_dir=env.get("ASGIDECK_AGENT_PROBE", ""),
        )


def load_secrets(path: str) -> Any:
    """asgideck's ``secrets.py`` as a private module (cached in ``sys.modules``)."""
    name = "_asgideck_agent_secrets"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    return module


def load_probe(probe_dir: str, name: str) -> Any:
    """``<probe_dir>/<name>.py`` as ``_asgideck_probe.<name>`` (the probe's private package)."""
    if PROBE_PACKAGE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(PROBE_PACKAGE, None, is_package=True)
        spec.submodule_search_locations = [probe_dir]
        sys.modules[PROBE_PACKAGE] = importlib.util.module_from_spec(spec)
    return importlib.import_module(PROBE_PACKAGE + "." + name)
