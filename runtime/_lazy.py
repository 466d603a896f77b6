"""Lazy public names for a package ``__init__`` (PEP 562).

A headless command imports only what it uses: a package's ``__init__`` names where each
public name lives, and the module holding it is imported the first time the name is
asked for. The ``__init__`` keeps a ``TYPE_CHECKING`` import of the same names for mypy.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    namespace: dict[str, Any], homes: Mapping[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The ``(__getattr__, __dir__)`` pair for the package whose ``globals()`` is
    ``namespace``; ``homes`` maps each lazy name to its private module in the package."""
    package = namespace["__name__"]

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f"{package}.{home}"), name)
        namespace[name] = value  # the next look-up is a plain module attribute
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(namespace.get("__all__", ())))

    return __getattr__, __dir__
