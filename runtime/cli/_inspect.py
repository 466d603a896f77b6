"""``asgideck inspect``: the app's true middleware order, routes and OpenAPI — or, with
``--openapi``, the operations of any OpenAPI document (file or URL) without an app,
read within the limits of ``openapi._limits`` (``--max-size``, ``--deadline``,
``--max-depth`` override them)."""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from asgideck.runtime.cli._shared import EXIT_ERRORS, EXIT_OK, dump_json
from asgideck.runtime.inspect import AppInfo, app_info_json, inspect_project
from asgideck.runtime.openapi import (
    DEADLINE,
    MAX_BYTES,
    MAX_DEPTH,
    describe_size,
    document_json,
    load,
)
from asgideck.runtime.project import ProjectError, interpreter_notes, open_project

__all__ = ["add_parser", "run"]


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("inspect", help="middleware in true order, routes, OpenAPI")
    parser.add_argument("path", type=Path, nargs="?", help="project folder")
    parser.add_argument("--openapi", metavar="FILE_OR_URL", help="list a document's operations")
    limits = parser.add_argument_group("limits for --openapi")
    limits.add_argument(
        "--max-size",
        type=_positive(float),
        metavar="MIB",
        default=MAX_BYTES / (1 << 20),
        help=f"read at most this many MiB (default {describe_size(MAX_BYTES)})",
    )
    limits.add_argument(
        "--deadline",
        type=_positive(float),
        metavar="SECONDS",
        default=DEADLINE,
        help=f"give up on a URL (or FIFO) after this long in all (default {DEADLINE:g} s)",
    )
    limits.add_argument(
        "--max-depth",
        type=_positive(int),
        metavar="LEVELS",
        default=MAX_DEPTH,
        help=f"refuse documents nested deeper (default {MAX_DEPTH})",
    )
    parser.add_argument("--app", metavar="MODULE:ATTR", help="the app to use instead of discovery")
    parser.add_argument("--factory", action="store_true", help="--app names a factory to call")
    parser.add_argument("--profile", metavar="NAME", help="environment to import the app with")
    parser.add_argument("--python", metavar="PY", help="the project's interpreter")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(run=run)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    """An argparse type: a number above zero, else a usage error naming the value."""

    def convert(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not 0 < value < math.inf:
            raise argparse.ArgumentTypeError(f"{text!r} is not a finite number above zero")
        return value

    return convert


def run(args: argparse.Namespace, out: TextIO) -> int:
    if args.openapi:
        doc = load(
            args.openapi,
            max_bytes=int(args.max_size * (1 << 20)),
            deadline=args.deadline,
            max_depth=int(args.max_depth),
        )
        if args.json:
            dump_json(document_json(doc), out)
        else:
            print(f"{doc.title} {doc.api_version} (OpenAPI {doc.version})", file=out)
            for op in doc.operations:
                flag = "  (deprecated)" if op.deprecated else ""
                print(f"  {op.method:<7} {op.path}  {op.summary}{flag}", file=out)
        return EXIT_OK
    if args.path is None:
        raise ProjectError("give a project folder, or --openapi FILE_OR_URL")
    project = open_project(
        args.path, python=args.python, app=args.app, factory=True if args.factory else None
    )
    info = inspect_project(project, args.profile)
    if args.json:
        dump_json(app_info_json(info), out)
    else:
        _print(info, out)
    errors = "\n".join(f"{e.type}: {e.message}\n{e.traceback}" for e in info.errors)
    for note in interpreter_notes(project, errors):
        print(f"asgideck: {note}", file=sys.stderr)
    return EXIT_ERRORS if info.errors else EXIT_OK


def _print(info: AppInfo, out: TextIO) -> None:
    print(f"{info.app}  fastapi {info.fastapi or '-'}  starlette {info.starlette or '-'}", file=out)
    for error in info.errors:
        print(f"ERROR  {error.type}: {error.message}  {error.where}", file=out)
    print("\nMiddleware, outermost first (a request goes down this list):", file=out)
    for n, layer in enumerate(info.middleware, start=1):
        mark = "*" if layer.user else " "
        name = layer.function or layer.name
        where = f"  {layer.source}" if layer.source else ""
        print(f" {mark}{n:>2}. {name}{where}", file=out)
    print("   (* added by the project; the one added last runs first)", file=out)
    print("\nRoutes:", file=out)
    for route in info.all_routes():
        methods = ",".join(route.methods) or route.kind.upper()
        where = f"  {route.source}" if route.source else ""
        print(f"  {methods:<12} {route.path}  {route.endpoint or ''}{where}", file=out)
    print(f"\nOpenAPI: {'yes' if info.openapi else 'no'} {info.openapi_note}".rstrip(), file=out)
