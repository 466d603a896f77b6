"""asgideck: a desktop control panel for FastAPI/ASGI projects.

Installed, this repository is one package (``pyproject.toml`` maps its folders):
``asgideck.runtime`` (headless: projects, profiles, servers, logs, probe, inspect,
openapi, client, workbench, cli), ``asgideck.gui`` (the Qt window over it) and
``asgideck.resources`` (icons and stylesheet); the bundled ``sample_app`` ships as
package data.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("asgideck")
except PackageNotFoundError:  # imported from a source tree that was never installed
    __version__ = "0+unknown"

__all__ = ["__version__"]
