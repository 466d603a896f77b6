"""Read tool over the project's ``.env`` profiles: their layers and their values, masked.

Values pass the product's one secret rule (``Variable.masked``: by name and by
shape, URL passwords included) exactly as ``asgideck profiles --show`` prints them;
there is no way to reveal one from here.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from asgideck.runtime.assist._desk import Desk
from asgideck.runtime.profiles import env_sources, list_profiles, load_profile, profile_layers

__all__ = ["show_profiles"]


def _rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def show_profiles(desk: Desk, name: str | None = None) -> dict[str, Any]:
    """The profiles, their files (lowest layer first) and the servers using each; with
    ``name``, that profile's variables too (secret values masked)."""
    root = desk.root
    sources = env_sources(root)
    names = list_profiles(root)
    chosen = load_profile(root, name) if name is not None else None  # unknown: names the known
    users: dict[str, list[str]] = {}
    for server in desk.servers:
        users.setdefault(server.config.profile, []).append(server.name)
    profiles = []
    for profile_name in names:
        layers = profile_layers(root, profile_name)
        profiles.append(
            {
                "name": profile_name,
                "files": [{"file": _rel(x.path, root), "reason": x.reason} for x in layers],
                "used_by_servers": users.get(profile_name, []),
            }
        )
    answer: dict[str, Any] = {
        "root": str(root),
        "loader": sources.summary,
        "notes": list(sources.notes),
        "profiles": profiles,
    }
    if chosen is not None:
        profile = chosen
        answer["variables"] = {
            "profile": profile.name,
            "items": [
                {
                    "key": var.key,
                    "value": var.masked,
                    "secret": var.secret,
                    "source": f"{_rel(var.origin.file, root)}:{var.origin.line}",
                    "overrides": [f"{_rel(e.file, root)}:{e.line}" for e in var.overrides],
                }
                for var in profile.variables.values()
            ],
            "problems": [str(p) for p in profile.problems],
        }
    return answer
