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
    ``import_from_string``, gunicorn's ``import_app``, hypercorn's lookup), else a plain
    one: a missing module or attribute fails with that server's own message and exit code."""
    server = _importer()
    if server == "uvicorn" and "uvicorn.importer" in sys.modules:
        return sys.modules["uvicorn.importer"].import_from_string
    if server == "gunicorn" and "gunicorn.util" in sys.modules:
        return sys.modules["gunicorn.util"].import_app
    if server == "hypercorn" and "hypercorn.utils" in sys.modules:
        return _hypercorn_import
    return _plain_import


def _hypercorn_import(app_target: str) -> Any:
    """Hypercorn's ``load_application`` lookup (its ``NoAppError`` messages; the name is
    evaluated in the module, so ``create_app()`` works as it does there), without the
    wrapping hypercorn does afterwards to the agent's own app."""
    no_app = sys.modules["hypercorn.utils"].NoAppError
    module_name, _, name = app_target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            # hypercorn's own words, chained as hypercorn chains them
            raise no_app(f"Cannot load application from '{app_target}', module not found.")  # noqa: B904
        raise
    try:
        return eval(name or "app", vars(module))
    except NameError:
        raise no_app(  # noqa: B904
            f"Cannot load application from '{app_target}', application not found."
        )


def _plain_import(app_target: str) -> Any:
    module_name, _, attrs = app_target.partition(":")
    obj: Any = importlib.import_module(module_name)
    for attr in attrs.split("."):
        obj = getattr(obj, attr)
    return obj


#: the servers' import functions' files (a frame there is not the app's)
_SERVER_IMPORTERS = tuple(
    os.sep + os.path.join(*parts)
    for parts in (("uvicorn", "importer.py"), ("gunicorn", "util.py"), ("hypercorn", "utils.py"))
)


def _machinery(filename: str) -> bool:
    return (
        filename == __file__
        or filename.startswith("<frozen importlib")
        or filename.endswith(_SERVER_IMPORTERS)
        or (os.sep + "importlib" + os.sep) in filename
    )


def user_traceback(tb: Any) -> Any:
    """``tb`` with the app's own frames right after the agent's: the server's import
    function and importlib's frames in between (the server's traceback shows them
    once already, above the agent) are left out. Unchanged when the error was raised
    in those frames themselves (a missing module or attribute)."""
    current = tb.tb_next if tb is not None else None  # tb: the agent module's frame
    while current is not None and _machinery(current.tb_frame.f_code.co_filename):
        current = current.tb_next
    if current is None or tb is None:
        return tb
    tb.tb_next = current
    return tb


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
