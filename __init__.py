"""asgideck: a desktop control panel for FastAPI/ASGI projects.

Installed, this repository is one package (``pyproject.toml`` maps its folders):
``asgideck.runtime`` (headless: projects, profiles, servers, logs, probe, inspect,
openapi, client, workbench, cli), ``asgideck.gui`` (the Qt window over it) and
``asgideck.resources`` (icons and stylesheet); the bundled ``sample_app`` ships as
package data.
"""

from __future__ import annotations

from typing import Any

__all__ = ["__version__"]


def __getattr__(name: str) -> Any:
    """``__version__``, read from the installed metadata on first use (PEP 562):
    ``importlib.metadata`` costs tens of milliseconds, which every headless command
    would pay at start-up for a string only ``--version`` and the window show."""
    if name != "__version__":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from importlib.metadata import PackageNotFoundError, version

    try:
        found = version("asgideck")
    except PackageNotFoundError:  # imported from a source tree that was never installed
        found = "0+unknown"
    globals()["__version__"] = found  # the next look-up is a plain module attribute
    return found


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
