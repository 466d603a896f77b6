"""What deploy hands out: a generated file (a preview with its diff), a check's result,
and the errors deploy raises."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal, get_args

from asgideck.runtime.errors import AsgideckError

__all__ = [
    "TARGETS",
    "CheckResult",
    "DeployError",
    "FileKind",
    "GeneratedFile",
    "Target",
    "WriteConflict",
]

#: What can be generated (the CLI's ``--target`` names).
Target = Literal["gunicorn", "docker", "compose", "nginx", "systemd", "k8s"]
TARGETS: tuple[Target, ...] = get_args(Target)

#: What a file is, so its check knows which tool to run.
FileKind = Literal[
    "gunicorn", "dockerfile", "dockerignore", "compose", "nginx", "systemd", "k8s"
]  # fmt: skip


class DeployError(AsgideckError):
    """A deployment file cannot be generated, checked or written as asked."""


class WriteConflict(DeployError):
    """A file changed on disk since its preview was made: nothing was written."""

    def __init__(self, message: str, paths: tuple[Path, ...]) -> None:
        super().__init__(message)
        self.paths = paths


@dataclass(frozen=True)
class GeneratedFile:
    """One generated file: ``path`` relative to the project root, the text to write, and
    the text already there when the preview was made (None: no such file)."""

    path: Path
    text: str
    existing: str | None
    kind: FileKind
    #: what the user should know about this file (a placeholder to fill, a guess made)
    notes: tuple[str, ...] = field(default=())

    @property
    def changed(self) -> bool:
        """Writing it would change the project (a new file, or other text)."""
        return self.existing != self.text

    def diff(self) -> str:
        """A unified diff from the file in the project (or nothing) to the generated text."""
        old = (self.existing or "").splitlines(keepends=True)
        new = self.text.splitlines(keepends=True)
        before = f"a/{self.path.as_posix()}" if self.existing is not None else "/dev/null"
        lines = difflib.unified_diff(old, new, before, f"b/{self.path.as_posix()}")
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass(frozen=True)
class CheckResult:
    """What one real tool said about one generated file; ``output`` has no secret value."""

    path: Path
    tool: str
    ok: bool
    output: str = ""

    def line(self) -> str:
        verdict = "ok" if self.ok else "FAILED"
        first = self.output.strip().splitlines()[0] if self.output.strip() else ""
        return f"{self.path.as_posix()}: {self.tool}: {verdict}" + (f" — {first}" if first else "")
