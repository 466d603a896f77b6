"""Write the files the user confirmed, never over a change made since the preview.

Every confirmed file is compared with what its preview saw (``existing``) before any
is written: one that changed (or appeared, or went away) refuses the whole write,
naming it. Each file is then replaced atomically (a temporary sibling, fsync,
``os.replace``), keeping an existing file's permission bits; a file not confirmed is
never touched.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

from asgideck.runtime.deploy._generate import read_existing
from asgideck.runtime.deploy._model import DeployError, GeneratedFile, WriteConflict

__all__ = ["write"]


def _inside(root: Path, path: Path) -> Path:
    if path.is_absolute() or ".." in path.parts:
        raise DeployError(f"{path}: must be a path inside the project")
    return root / path


def write(files: Sequence[GeneratedFile], root: Path, confirm: Iterable[Path | str]) -> list[Path]:
    """Write the files whose paths are in ``confirm`` into ``root``; returns the paths
    written (an unchanged file is skipped). Raises :class:`WriteConflict` and writes
    nothing when one of them changed on disk since its preview."""
    wanted = {Path(p) for p in confirm}
    chosen = [f for f in files if f.path in wanted]
    unknown = wanted - {f.path for f in files}
    if unknown:
        names = ", ".join(sorted(p.as_posix() for p in unknown))
        raise DeployError(f"not among the generated files: {names}")
    for file in chosen:
        _inside(root, file.path)
    changed = tuple(f.path for f in chosen if read_existing(root, f.path) != f.existing)
    if changed:
        names = ", ".join(p.as_posix() for p in changed)
        raise WriteConflict(
            f"{names} changed since the preview: nothing written (preview again to see it)",
            changed,
        )
    written: list[Path] = []
    for file in chosen:
        if not file.changed:
            continue
        target = _inside(root, file.path)
        try:
            _replace(target, file.text)
        except OSError as exc:  # a read-only folder, a full disk: one line, no traceback
            done = f" (written before it: {', '.join(p.as_posix() for p in written)})"
            raise DeployError(
                f"{target}: cannot be written ({exc.strerror or exc})" + (done if written else "")
            ) from exc
        written.append(file.path)
    return written


def _replace(target: Path, text: str) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = None
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8", errors="surrogateescape"))
            out.flush()
            os.fsync(out.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        else:
            os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
