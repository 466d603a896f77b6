"""A Dockerfile read by Docker's own parser (BuildKit's, through the ``dockerfile``
package), then held to what a production image needs: known instructions, a FROM
first, stages that exist, an unprivileged final USER, an exec-form CMD."""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["dockerfile_problems"]

_INSTRUCTIONS = frozenset(
    {
        "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK",
        "LABEL", "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME",
        "WORKDIR",
    }
)  # fmt: skip


def dockerfile_problems(text: str) -> list[str]:
    """Every problem found, ``line N: …``; [] for a good Dockerfile."""
    dockerfile: Any = importlib.import_module("dockerfile")  # a compiled module, no stubs
    try:
        commands = dockerfile.parse_string(text)
    except dockerfile.GoParseError as exc:
        return [f"parse error: {exc}"]
    problems: list[str] = []
    stages: list[str] = []
    final_user: str | None = None
    final_cmd: Any = None
    seen_from = False
    for command in commands:
        name = command.cmd.upper()
        where = f"line {command.start_line}"
        if name not in _INSTRUCTIONS:
            problems.append(f"{where}: unknown instruction {command.cmd}")
            continue
        if not seen_from and name not in ("FROM", "ARG"):
            problems.append(f"{where}: {name} before the first FROM")
        if name == "FROM":
            seen_from = True
            value = [v.lower() for v in command.value]
            stages.append(value[2] if len(value) >= 3 and value[1] == "as" else "")
            final_user, final_cmd = None, None
        elif name == "COPY":
            for flag in command.flags:
                if flag.startswith("--from="):
                    source = flag.split("=", 1)[1].lower()
                    image = any(c in source for c in ":/.")
                    if not image and not source.isdigit() and source not in stages[:-1]:
                        problems.append(f"{where}: COPY --from={source}: no earlier stage")
        elif name == "USER":
            final_user = command.value[0] if command.value else ""
        elif name == "CMD":
            final_cmd = command
        elif name == "HEALTHCHECK":
            kind = command.value[0].upper() if command.value else ""
            if kind not in ("CMD", "NONE"):
                problems.append(f"{where}: HEALTHCHECK needs CMD or NONE")
    if not seen_from:
        problems.append("no FROM instruction")
    if final_user is None or final_user.split(":")[0] in ("", "root", "0"):
        problems.append("the final stage runs as root (no USER with another user)")
    if final_cmd is None:
        problems.append("the final stage has no CMD")
    elif not final_cmd.json:
        problems.append(
            f"line {final_cmd.start_line}: CMD in shell form: signals do not reach the server"
        )
    return problems
