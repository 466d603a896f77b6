"""``asgideck profiles``: list a project's ``.env`` profiles, show one, or diff two.

The listing says which loader the project reads its env files with, and for each
profile which files are layered in which order and why.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, TextIO

from asgideck.runtime.cli._shared import EXIT_OK, dump_json, relative
from asgideck.runtime.profiles import (
    Profile,
    Variable,
    diff_profiles,
    env_sources,
    list_profiles,
    load_profile,
    profile_layers,
)
from asgideck.runtime.project import ProjectError, discover, find_workspace

__all__ = ["add_parser", "problems", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    prof = sub.add_parser("profiles", help="list, show or diff a project's .env profiles")
    prof.add_argument("path", type=Path, help="project folder")
    prof.add_argument("--json", action="store_true", help="machine-readable output")
    group = prof.add_mutually_exclusive_group()
    group.add_argument("--show", metavar="NAME", help="print the effective variables of NAME")
    group.add_argument("--diff", nargs=2, metavar=("A", "B"), help="compare two profiles")
    prof.add_argument("--reveal", action="store_true", help="with --show: do not mask secrets")
    prof.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    root = _project_root(args.path)
    if args.show:
        return _show(root, args.show, args, out)
    if args.diff:
        return _diff(root, args.diff, args, out)
    names = list_profiles(root)
    sources = env_sources(root)
    listing: list[dict[str, Any]] = []
    for name in names:
        layers = profile_layers(root, name)
        listing.append(
            {
                "name": name,
                "files": [_rel(layer.path, root) for layer in layers],
                "layers": [
                    {"file": _rel(layer.path, root), "reason": layer.reason} for layer in layers
                ],
            }
        )
    loader = {
        "loader": sources.loader,
        "dialect": sources.dialect,
        "where": sources.where,
        "notes": list(sources.notes),
    }
    if args.json:
        dump_json({"root": str(root), "env": loader, "profiles": listing}, out)
        return EXIT_OK
    print(f"{root}: env files read by {sources.summary}", file=out)
    for note in sources.notes:
        print(f"note: {note}", file=out)
    if not listing:
        wanted = " + ".join(_rel(layer.path, root) for layer in sources.layers)
        print(f"no profiles: none of {wanted} (nor a .env.NAME beside it) exists", file=out)
    for item in listing:
        print(f"{item['name']}: {' + '.join(item['files'])}", file=out)
        for number, layer in enumerate(item["layers"], 1):
            print(f"  {number}. {layer['file']:<24} {layer['reason']}", file=out)
    return EXIT_OK


def _show(root: Path, name: str, args: argparse.Namespace, out: TextIO) -> int:
    profile = load_profile(root, name)
    rows = [_variable_row(v, reveal=args.reveal, root=root) for v in profile.variables.values()]
    if args.json:
        dump_json({"profile": profile.name, "variables": rows, "problems": problems(profile)}, out)
    else:
        for row in rows:
            note = f"  (overrides {', '.join(row['overrides'])})" if row["overrides"] else ""
            print(f"{row['key']}={row['value']}    # {row['source']}{note}", file=out)
        for problem in profile.problems:
            print(f"warning: {problem}", file=out)
    return EXIT_OK


def _diff(root: Path, names: list[str], args: argparse.Namespace, out: TextIO) -> int:
    a, b = (load_profile(root, name) for name in names)
    diff = diff_profiles(a, b)
    if args.json:
        different = [
            {"key": key, "a": a.variables[key].masked, "b": b.variables[key].masked}
            for key in diff.different
        ]
        data = {
            "a": diff.a,
            "b": diff.b,
            "only_a": list(diff.only_a),
            "only_b": list(diff.only_b),
            "different": different,
        }
        dump_json(data, out)
        return EXIT_OK
    for key in diff.only_a:
        print(f"- {key}={a.variables[key].masked}    (only in {diff.a})", file=out)
    for key in diff.only_b:
        print(f"+ {key}={b.variables[key].masked}    (only in {diff.b})", file=out)
    for key in diff.different:
        old, new = a.variables[key].masked, b.variables[key].masked
        print(f"~ {key}: {old} -> {new}", file=out)
    if not (diff.only_a or diff.only_b or diff.different):
        print(f"{diff.a} and {diff.b} are identical", file=out)
    return EXIT_OK


def _rel(path: Path, root: Path) -> str:
    """``path`` as seen from ``root`` (``../.env`` for a file one folder up)."""
    return Path(os.path.relpath(path, root)).as_posix()


def _project_root(path: Path) -> Path:
    """The folder the app runs in, whichever folder of the project was given."""
    if not path.expanduser().is_dir():
        raise ProjectError(f"{path}: not a folder")
    found = discover(path.expanduser().resolve())
    if len(found.candidates) >= 1 and found.candidates[0].workdir is not None:
        workdirs = {c.workdir for c in found.candidates}
        if len(workdirs) == 1:
            return found.candidates[0].workdir
    return find_workspace(path.expanduser()).focus


def _variable_row(var: Variable, *, reveal: bool, root: Path) -> dict[str, Any]:
    return {
        "key": var.key,
        "value": (var.value or "") if reveal else var.masked,
        "secret": var.secret,
        "source": f"{relative(var.origin.file, root)}:{var.origin.line}",
        "overrides": [f"{relative(e.file, root)}:{e.line}" for e in var.overrides],
    }


def problems(profile: Profile) -> list[str]:
    """The profile's parse problems as text (``check`` reports them too)."""
    return [str(p) for p in profile.problems]
