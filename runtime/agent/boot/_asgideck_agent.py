"""asgideck's request-recording agent: the server imports this module instead of your app.

It imports the app named by ``ASGIDECK_AGENT_APP`` the way the server would (same
errors, same messages), wraps it and records each request into
``ASGIDECK_AGENT_RECORDS``; nothing is written into the project. The work is done by
the private files one folder up (loaded by path: asgideck itself is not importable
here). Standard library only, Python 3.8 syntax.
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import os
import sys
from typing import Any

_PACKAGE = "_asgideck_agent_impl"  # exists only in sys.modules, mapped onto runtime/agent/


def _impl(name: str) -> Any:
    if _PACKAGE not in sys.modules:
        spec = importlib.machinery.ModuleSpec(_PACKAGE, None, is_package=True)
        here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        spec.submodule_search_locations = [here]
        sys.modules[_PACKAGE] = importlib.util.module_from_spec(spec)
    return importlib.import_module(_PACKAGE + "." + name)


# Only as the server's top-level module: imported as part of asgideck (a package walk,
# a tool) this file does nothing.
if __name__ == "_asgideck_agent":
    _boot = _impl("_boot")
    _target = _boot.target()
    _import = _boot.importer()

    # Your app is imported on the next line, by the server's own import function: an
    # error reported below this line is your app's own.
    try:
        _real = _import(_target)
    except BaseException as _error:  # shown from the agent's line straight to your code
        _error.with_traceback(_boot.user_traceback(_error.__traceback__))
        raise

    app = _boot.wrap(_real, _target)
