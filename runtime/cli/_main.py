"""The headless ``asgideck`` subcommands, on the same runtime the GUI uses.

``gui.entry`` dispatches here for every name in ``SUBCOMMANDS`` so that a
terminal user never pays for (or needs) Qt.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any, TextIO

from asgideck.runtime.cli import _call as cli_call
from asgideck.runtime.cli import _inspect as cli_inspect
from asgideck.runtime.cli import _servers as cli_servers
from asgideck.runtime.client import RequestFailed
from asgideck.runtime.inspect import readiness_findings, validate_settings
from asgideck.runtime.openapi import OpenAPIError
from asgideck.runtime.profiles import (
    EnvFileError,
    Profile,
    Variable,
    diff_profiles,
    list_profiles,
    load_profile,
    profile_files,
)
from asgideck.runtime.project import ProjectError, open_project

SUBCOMMANDS = ("profiles", "check", "inspect", "run", "ps", "stop", "call")

EXIT_OK, EXIT_ERRORS, EXIT_WARNINGS, EXIT_USAGE = 0, 1, 2, 64


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="asgideck", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    prof = sub.add_parser("profiles", help="list, show or diff a project's .env profiles")
    prof.add_argument("path", type=Path, help="project folder")
    prof.add_argument("--json", action="store_true", help="machine-readable output")
    group = prof.add_mutually_exclusive_group()
    group.add_argument("--show", metavar="NAME", help="print the effective variables of NAME")
    group.add_argument("--diff", nargs=2, metavar=("A", "B"), help="compare two profiles")
    prof.add_argument("--reveal", action="store_true", help="with --show: do not mask secrets")

    check = sub.add_parser("check", help="validate settings and production readiness")
    check.add_argument("path", type=Path, help="project folder")
    check.add_argument("--profile", required=True, metavar="NAME")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    _add_project_options(check)
    cli_inspect.add_parser(sub)
    cli_servers.add_parsers(sub)
    cli_call.add_parser(sub)
    return parser


def _add_project_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    try:
        if args.command == "profiles":
            return _profiles(args, out)
        if args.command == "check":
            return _check(args, out)
        handler = {
            "inspect": cli_inspect.run,
            "run": cli_servers.run,
            "ps": cli_servers.ps,
            "stop": cli_servers.stop,
            "call": cli_call.run,
        }
        return handler[args.command](args, out)
    except (ProjectError, EnvFileError, OpenAPIError, KeyError, ValueError) as exc:
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        print(f"asgideck: {message}", file=sys.stderr)
        return EXIT_USAGE
    except RequestFailed as exc:  # e.g. the history cannot be opened after a request
        print(f"asgideck: {exc}", file=sys.stderr)
        return cli_call.EXIT_FAILED


def _profiles(args: argparse.Namespace, out: TextIO) -> int:
    root = _project_root(args.path)
    if args.show:
        profile = load_profile(root, args.show)
        rows = [_variable_row(v, reveal=args.reveal, root=root) for v in profile.variables.values()]
        if args.json:
            _dump({"profile": profile.name, "variables": rows, "problems": _problems(profile)}, out)
        else:
            for row in rows:
                note = f"  (overrides {', '.join(row['overrides'])})" if row["overrides"] else ""
                print(f"{row['key']}={row['value']}    # {row['source']}{note}", file=out)
            for problem in profile.problems:
                print(f"warning: {problem}", file=out)
        return EXIT_OK
    if args.diff:
        a, b = (load_profile(root, name) for name in args.diff)
        diff = diff_profiles(a, b)
        if args.json:
            _dump(
                {
                    "a": diff.a,
                    "b": diff.b,
                    "only_a": list(diff.only_a),
                    "only_b": list(diff.only_b),
                    "different": [
                        {
                            "key": key,
                            "a": a.variables[key].masked,
                            "b": b.variables[key].masked,
                        }
                        for key in diff.different
                    ],
                },
                out,
            )
        else:
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
    names = list_profiles(root)
    listing = []
    for name in names:
        files = profile_files(root, name)
        listing.append({"name": name, "files": [_rel(f, root) for f in files]})
    if args.json:
        _dump({"root": str(root), "profiles": listing}, out)
    elif not listing:
        print(f"no profiles: {root} has no .env or .env.NAME files", file=out)
    else:
        for item in listing:
            print(f"{item['name']:<16} {' + '.join(item['files'])}", file=out)
    return EXIT_OK


def _check(args: argparse.Namespace, out: TextIO) -> int:
    proj = open_project(args.path, python=args.python, app=args.app)
    profile = load_profile(proj.root, args.profile)
    report = validate_settings(proj, profile)
    findings = readiness_findings(profile, report)
    errors = bool(report.issues or report.error) or any(f.severity == "error" for f in findings)
    warnings = any(f.severity == "warning" for f in findings) or bool(profile.problems)
    status = EXIT_ERRORS if errors else EXIT_WARNINGS if warnings else EXIT_OK
    if args.json:
        _dump(
            {
                "project": str(proj.root),
                "profile": profile.name,
                "interpreter": str(proj.interpreter.path),
                "settings": {
                    "classes": [f"{c.module}:{c.qualname}" for c in report.classes],
                    "issues": [asdict(i) for i in report.issues],
                    "error": report.error,
                },
                "findings": [asdict(f) for f in findings],
                "problems": _problems(profile),
                "status": ["ok", "errors", "warnings"][status],
            },
            out,
        )
        return status
    print(f"{proj.name} · profile {profile.name} · {proj.interpreter.path}", file=out)
    classes = ", ".join(f"{c.module}:{c.qualname}" for c in report.classes) or "none found"
    print(f"\nSettings ({classes})", file=out)
    if report.error:
        print(f"  ERROR   {report.error}", file=out)
    for issue in report.issues:
        print(
            f"  ERROR   {issue.env_var} ({issue.settings_class}.{issue.field}): {issue.message}",
            file=out,
        )
    if report.ok:
        print("  ok: the profile satisfies every settings class", file=out)
    print("\nReadiness", file=out)
    for finding in findings:
        print(f"  {finding.severity.upper():<8}{finding.key}: {finding.message}", file=out)
        print(f"          fix: {finding.fix}", file=out)
    if not findings:
        print("  nothing to report", file=out)
    for problem in profile.problems:
        print(f"\nwarning: {problem}", file=out)
    return status


def _project_root(path: Path) -> Path:
    root = path.expanduser().resolve()
    if not root.is_dir():
        raise ProjectError(f"{path}: not a folder")
    return root


def _variable_row(var: Variable, *, reveal: bool, root: Path) -> dict[str, Any]:
    return {
        "key": var.key,
        "value": (var.value or "") if reveal else var.masked,
        "secret": var.secret,
        "source": f"{_rel(var.origin.file, root)}:{var.origin.line}",
        "overrides": [f"{_rel(e.file, root)}:{e.line}" for e in var.overrides],
    }


def _problems(profile: Profile) -> list[str]:
    return [str(p) for p in profile.problems]


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _dump(data: Any, out: TextIO) -> None:
    json.dump(data, out, indent=2, default=str)
    out.write("\n")
