"""``asgideck check``: would the project's settings accept a profile, and is it ready
for production? The exit code says: 0 ok, 1 errors, 2 warnings only."""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TextIO

from asgideck.runtime.cli._profiles import problems
from asgideck.runtime.cli._shared import (
    EXIT_ERRORS,
    EXIT_OK,
    EXIT_WARNINGS,
    add_project_options,
    dump_json,
)
from asgideck.runtime.inspect import readiness_findings, validate_settings
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import interpreter_notes, open_project

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check", help="validate settings and production readiness")
    check.add_argument("path", type=Path, help="project folder")
    check.add_argument("--profile", required=True, metavar="NAME")
    check.add_argument("--json", action="store_true", help="machine-readable output")
    add_project_options(check)
    check.set_defaults(run=run)


def run(args: argparse.Namespace, out: TextIO) -> int:
    proj = open_project(args.path, python=args.python, app=args.app)
    profile = load_profile(proj.root, args.profile)
    report = validate_settings(proj, profile)
    findings = readiness_findings(profile, report)
    errors = bool(report.issues or report.error) or any(f.severity == "error" for f in findings)
    warnings = any(f.severity == "warning" for f in findings) or bool(profile.problems)
    status = EXIT_ERRORS if errors else EXIT_WARNINGS if warnings else EXIT_OK
    failures = [report.error or ""] + [f"{i.message}\n{i.detail}" for i in report.issues]
    for note in interpreter_notes(proj, "\n".join(failures)):
        print(f"asgideck: {note}", file=sys.stderr)
    if args.json:
        dump_json(
            {
                "project": str(proj.root),
                "profile": profile.name,
                "interpreter": str(proj.interpreter.path),
                "settings": {
                    "classes": [f"{c.module}:{c.qualname}" for c in report.classes],
                    "config_modules": [asdict(m) for m in report.config_modules],
                    "issues": [asdict(i) for i in report.issues],
                    "error": report.error,
                    "not_built_at_start": list(report.unused),
                },
                "findings": [asdict(f) for f in findings],
                "problems": problems(profile),
                "status": ["ok", "errors", "warnings"][status],
            },
            out,
        )
        return status
    print(f"{proj.name} · profile {profile.name} · {proj.interpreter.path}", file=out)
    checked = [f"{c.module}:{c.qualname}" for c in report.classes]
    checked += [f"{m.module} ({m.loader})" for m in report.config_modules]
    classes = ", ".join(checked) or "none found"
    print(f"\nSettings ({classes})", file=out)
    if report.error:
        print(f"  ERROR   {report.error}", file=out)
    for issue in report.issues:
        print(
            f"  ERROR   {issue.env_var} ({issue.settings_class}.{issue.field}): {issue.message}",
            file=out,
        )
    for label in report.unused:
        print(f"  note    {label}: not built when the app starts (not checked)", file=out)
    if report.ok and checked:
        print("  ok: the settings construct as they will at start", file=out)
    print("\nReadiness", file=out)
    for finding in findings:
        print(f"  {finding.severity.upper():<8}{finding.key}: {finding.message}", file=out)
        print(f"          fix: {finding.fix}", file=out)
    if not findings:
        print("  nothing to report", file=out)
    for problem in profile.problems:
        print(f"\nwarning: {problem}", file=out)
    return status
