"""One summary for ``make bench``: each bench files its headline ratios here as it prints them.

A figure is a ratio measured side by side in the same run (asgideck against a raw floor
or a peer), with the issue's target and which way is better. ``run.py`` prints every
filed figure in one table at the end, and every peer or tool that was skipped, with why.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Figure", "file", "filed", "find_peer", "skip", "skipped"]


@dataclass(frozen=True)
class Figure:
    """``ratio`` = ours ÷ reference (times: lower is better; rates: higher is better)."""

    bench: str
    measure: str
    ours: str  # the figure as printed, with its unit ("4.1 s", "703 req/s")
    reference: str  # what it was measured against, with its figure ("raw drain 1.5 s")
    ratio: float
    target: float | None  # the bound on ``ratio``; None = context only
    higher_is_better: bool = False

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "—"
        met = self.ratio >= self.target if self.higher_is_better else self.ratio <= self.target
        return "OK" if met else "MISSED"

    @property
    def target_text(self) -> str:
        if self.target is None:
            return ""
        return f"{'≥' if self.higher_is_better else '≤'} {self.target:g}"


_filed: list[Figure] = []
_skipped: list[tuple[str, str]] = []


def file(figure: Figure) -> Figure:
    _filed.append(figure)
    return figure


def skip(what: str, why: str) -> None:
    """A peer, tool or figure left out of this run, and why (printed in the summary)."""
    _skipped.append((what, why))
    print(f"         skipped {what}: {why}")


def filed() -> list[Figure]:
    return list(_filed)


def skipped() -> list[tuple[str, str]]:
    return list(_skipped)


def peers_venv() -> Path:
    """Where ``../shared/peers``' README installs the Python peers (``PEERS_VENV``)."""
    return Path(os.environ.get("PEERS_VENV", "/tmp/peers-venv"))


def find_peer(command: str) -> str | None:
    """A peer's executable: the peers venv first, then PATH; None when not installed."""
    candidate = peers_venv() / "bin" / command
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return str(candidate)
    return shutil.which(command)
