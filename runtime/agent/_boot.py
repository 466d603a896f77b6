"""The agent's start: what to import, importing it as the server would, wrapping it.

Loaded by ``boot/_asgideck_agent.py`` (the module the server imports) as part of a
private package; stdlib only, Python 3.8 syntax. The real app is imported with the
importing server's own function (uvicorn's ``import_from_string``, gunicorn's
``import_app``) so a missing module or attribute fails with that server's own
message and exit code, and an error in the app shows the app's own traceback.
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any

from ._app import AgentApp
from ._config import Config
from ._recorder import Recorder


def target() -> str:
    """The project's app target (``module:attr``) the server would have imported."""
    value = os.environ.get("ASGIDECK_AGENT_APP", "")
    if not value:
        raise RuntimeError(
            "asgideck's recording agent: ASGIDECK_AGENT_APP is not set "
            "(start the server from asgideck, or import your app directly)"
        )
    return value


def _importer() -> str:
    """Which server is importing us: the first caller outside importlib and the agent."""
    frame: Any = sys._getframe(1)
    for _ in range(60):
        if frame is None:
            break
        name = str(frame.f_globals.get("__name__", ""))
        if name.startswith(("gunicorn.", "uvicorn.", "hypercorn.", "granian", "daphne")):
            return name.split(".", 1)[0]
        frame = frame.f_back
    return ""


def importer() -> Any:
    """The importing server's own ``module:attr`` import function (uvicorn's
    ``import_from_string``, gunicorn's ``import_app``), else a plain one: a missing
    module or attribute fails with that server's own message and exit code."""
    server = _importer()
    if server == "uvicorn" and "uvicorn.importer" in sys.modules:
        return sys.modules["uvicorn.importer"].import_from_string
    if server == "gunicorn" and "gunicorn.util" in sys.modules:
        return sys.modules["gunicorn.util"].import_app
    return _plain_import


def _plain_import(app_target: str) -> Any:
    module_name, _, attrs = app_target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for attr in attrs.split("."):
        obj = getattr(obj, attr)
    return obj


def wrap(real: Any, app_target: str) -> Any:
    """The agent's ``app``: the real app wrapped, or (factory) a factory that wraps what
    the real factory returns. Recording that cannot start leaves the app as it is."""
    try:
        config = Config.from_environ(app_target)
        recorder = Recorder(config)
    except Exception as exc:  # never break the app for the recorder's sake
        sys.stderr.write(f"asgideck: request recording is off: {type(exc).__name__}: {exc}\n")
        return real
    if config.factory:

        def app(*args: Any, **kwargs: Any) -> Any:
            return AgentApp(real(*args, **kwargs), recorder)

        app.__name__ = getattr(real, "__name__", "app")
        app.__doc__ = getattr(real, "__doc__", None)
        return app
    return AgentApp(real, recorder)
