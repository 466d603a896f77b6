"""``asgideck deploy PATH --profile NAME --target T``: the production files of one target,
generated from the project, the profile and a server's settings.

Prints the files (one file: its text alone; several: each after a ``==> PATH <==``
line, as ``head`` does), or ``--diff`` against the project's own. ``--write`` writes them
into the project, ``--out DIR`` into DIR; an existing file with other text is never
replaced without ``--force`` (nothing is written then, and one line names it).
``--check`` runs the real tools on the files (``nginx -t``, ``gunicorn --check-config``,
the Compose and Kubernetes schemas, the Dockerfile parser) and the production readiness
checks of the profile, blocking findings first; a file that fails its check is not
written.

Exit codes of its own: 0 done, 1 ``--check``: a check failed or a blocking readiness
finding, 3 ``--write``/``--out``: a file exists with other text (nothing written; add
``--force``) or changed while generating.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from asgideck.runtime.cli._shared import EXIT_ERRORS, EXIT_OK, add_project_options, relative
from asgideck.runtime.deploy import (
    TARGETS,
    CheckResult,
    GeneratedFile,
    WriteConflict,
    blocking,
    check,
    generate,
    readiness,
    write,
)
from asgideck.runtime.errors import InputError
from asgideck.runtime.inspect import Finding
from asgideck.runtime.profiles import load_profile
from asgideck.runtime.project import Project, open_project
from asgideck.runtime.servers import LaunchConfig, load_configs

__all__ = ["EXIT_WOULD_OVERWRITE", "add_parser", "launch_config", "run"]

#: ``deploy --write/--out``: a file exists with other text (or changed meanwhile)
EXIT_WOULD_OVERWRITE = 3


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "deploy",
        help="generate production files (gunicorn, Docker, Compose, nginx, systemd, "
        "Kubernetes) for a profile; --check runs the real tools on them",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("path", type=Path, help="project folder")
    parser.add_argument("--profile", required=True, metavar="NAME")
    parser.add_argument("--target", required=True, choices=TARGETS)
    parser.add_argument(
        "--server",
        metavar="NAME",
        help="the saved server whose settings to use (kind, workers, port); default: the "
        "first server of the profile, else gunicorn with 2 workers",
    )
    parser.add_argument(
        "--instances", type=int, default=1, metavar="N", help="app instances (replicas)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--write", action="store_true", help="write the files into the project")
    where.add_argument("--out", type=Path, metavar="DIR", help="write the files into DIR")
    parser.add_argument(
        "--force", action="store_true", help="with --write/--out: replace files with other text"
    )
    parser.add_argument("--diff", action="store_true", help="print diffs against the project")
    parser.add_argument("--check", action="store_true", help="check the files and the profile")
    add_project_options(parser)
    parser.set_defaults(run=run)


def launch_config(project: Project, profile: str, server: str | None) -> LaunchConfig:
    """The settings to deploy with: server ``server`` (a saved server's name), else the
    first saved server of ``profile``, else gunicorn with 2 workers."""
    configs = load_configs(project.root, project.profiles)
    if server is not None:
        for config in configs:
            if config.name == server:
                return config
        names = ", ".join(c.name for c in configs) or "none"
        raise InputError(f"--server: no server named {server!r} (servers: {names})")
    for config in configs:
        if config.profile == profile:
            return config
    return LaunchConfig(profile, profile, "gunicorn", workers=2)


def _state(file: GeneratedFile) -> str:
    if file.existing is None:
        return "new"
    return "changed" if file.changed else "unchanged"


def _print_files(files: list[GeneratedFile], out: TextIO, *, diff: bool) -> None:
    for number, file in enumerate(files):
        text = file.diff() if diff else file.text
        if len(files) > 1:
            if number:
                print(file=out)
            print(f"==> {file.path.as_posix()} ({_state(file)}) <==", file=out)
        if diff and not text:
            text = f"{file.path.as_posix()}: no change\n"
        out.write(text if text.endswith("\n") else text + "\n")


def _write(files: list[GeneratedFile], into: Path, *, force: bool) -> list[Path]:
    """Write ``files`` into ``into``; a file there with other text refuses the whole write
    unless ``force`` (then it is replaced, unless it changed since it was read here)."""
    if into.exists() and not into.is_dir():
        raise InputError(f"--out: {into} is not a folder")
    files = [replace(f, existing=_read(into / f.path)) for f in files]
    other = [f for f in files if f.existing is not None and f.changed]
    if other and not force:
        names = ", ".join(f.path.as_posix() for f in other)
        raise WriteConflict(
            f"{names}: already in {into} with other text: nothing written "
            "(--diff shows the change; --force replaces it)",
            tuple(f.path for f in other),
        )
    try:
        into.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InputError(f"--out: {into} cannot be created ({exc.strerror or exc})") from exc
    return write(files, into, [f.path for f in files])


def _read(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8", errors="surrogateescape")
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror})") from exc


def _print_report(findings: list[Finding], results: list[CheckResult], out: TextIO) -> None:
    print("\nReadiness", file=out)
    for finding in sorted(findings, key=lambda f: not blocking(f)):
        label = "BLOCKING" if blocking(finding) else finding.severity.upper()
        print(f"  {label:<9}{finding.key}: {finding.message}", file=out)
        print(f"           fix: {finding.fix}", file=out)
    if not findings:
        print("  nothing to report", file=out)
    print("\nChecks", file=out)
    for result in results:
        verdict = "ok" if result.ok else "FAILED"
        print(f"  {verdict:<9}{result.path.as_posix()}: {result.tool}", file=out)
        if not result.ok:
            for line in result.output.strip().splitlines():
                print(f"           {line}", file=out)
    if not results:
        print("  nothing to check", file=out)


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.instances < 1:
        raise InputError(f"--instances: {args.instances} must be at least 1")
    if args.force and not (args.write or args.out):
        raise InputError("--force: only with --write or --out")
    project = open_project(args.path, python=args.python, app=args.app)
    profile = load_profile(project.root, args.profile)
    config = launch_config(project, profile.name, args.server)
    files = generate(project, profile, config, args.target, args.instances)
    for file in files:
        for note in file.notes:
            print(f"asgideck: note: {file.path.as_posix()}: {note}", file=sys.stderr)
    status = EXIT_OK
    failed: list[CheckResult] = []
    if args.check:
        results = check(files, project, profile)
        findings = readiness(project, profile, config)
        failed = [r for r in results if not r.ok]
        if failed or any(blocking(f) for f in findings):
            status = EXIT_ERRORS
    target_dir = project.root if args.write else args.out
    if target_dir is None:
        _print_files(files, out, diff=args.diff)
    elif failed:
        names = ", ".join(r.path.as_posix() for r in failed)
        print(f"asgideck: {names}: failed its check: nothing written", file=sys.stderr)
    else:
        if args.diff:
            _print_files(files, out, diff=True)
        try:
            written = _write(files, target_dir, force=args.force)
        except WriteConflict as exc:
            print(f"asgideck: {exc}", file=sys.stderr)
            return EXIT_WOULD_OVERWRITE
        shown = {p: relative(target_dir / p, Path.cwd()) for p in written}
        for file in files:
            if file.path in shown:
                print(f"wrote {shown[file.path]}", file=out)
            else:
                print(f"unchanged {relative(target_dir / file.path, Path.cwd())}", file=out)
    if args.check:
        _print_report(findings, results, out)
    return status
