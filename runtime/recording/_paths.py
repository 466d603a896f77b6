"""Where a server's recorded requests live: asgideck's state folder, never the project.

One folder per (project root, server name), named by a hash so any name is safe on
disk. A start of the server empties it (:func:`begin_records`) and leaves a small
``asgideck-server.json`` beside the agent's files naming the root and the server,
so ``asgideck requests`` finds every recorded server of a project, ``run``'s too.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.userstate import state_dir, state_location

__all__ = [
    "MARKER",
    "RECORD_SUFFIX",
    "RecordedServer",
    "begin_records",
    "clear_records",
    "record_files",
    "recorded_servers",
    "records_dir",
    "records_root",
]

#: the agent's files: ``<pid>.jsonl`` and, rotated, ``<pid>.1.jsonl``
RECORD_SUFFIX = ".jsonl"
#: asgideck's note in a records folder: whose folder it is
MARKER = "asgideck-server.json"


def _key(root: Path, server: str) -> str:
    text = f"{Path(root).resolve()}\0{server}"
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def records_root() -> Path:
    """The folder holding every server's records folder (created with the state folder)."""
    return state_dir() / "requests"


def records_dir(root: Path, server: str) -> Path:
    """The folder the agent of ``server`` (a launch config's name) of the project at
    ``root`` writes to. Not created here: :func:`begin_records` does, at a start."""
    return state_dir() / "requests" / _key(root, server)


def record_files(directory: Path) -> list[Path]:
    """The agent's files in ``directory`` (none when it does not exist)."""
    try:
        entries = list(os.scandir(directory))
    except OSError:
        return []
    return sorted(Path(e.path) for e in entries if e.name.endswith(RECORD_SUFFIX) and e.is_file())


def clear_records(directory: Path) -> None:
    """Remove the agent's files of an earlier run (the folder itself stays)."""
    for path in record_files(directory):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def begin_records(root: Path, server: str) -> Path:
    """A start of a recorded server: its folder, created (owner-only) and emptied, with
    the note saying whose it is. Returns the folder for ``ServerSpec.record``."""
    directory = records_dir(root, server)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    clear_records(directory)
    note = {"root": str(Path(root).resolve()), "server": server}
    tmp = directory / f".{MARKER}.{os.getpid()}"
    tmp.write_text(json.dumps(note), encoding="utf-8")
    tmp.replace(directory / MARKER)
    return directory


@dataclass(frozen=True)
class RecordedServer:
    """A server of a project that has a records folder."""

    name: str
    directory: Path

    @property
    def has_files(self) -> bool:
        return bool(record_files(self.directory))


def recorded_servers(root: Path, names: tuple[str, ...] | list[str] = ()) -> list[RecordedServer]:
    """The servers of the project at ``root`` with a records folder: those named (launch
    configs) and any other a start marked as this project's (``asgideck run``'s), by name.

    Reads asgideck's state folder without creating it."""
    base = state_location() / "requests"
    resolved = str(Path(root).resolve())
    found: dict[str, Path] = {}
    for name in names:
        folder = base / _key(root, name)
        if folder.is_dir():
            found[name] = folder
    try:
        folders = list(os.scandir(base))
    except OSError:
        folders = []
    for entry in folders:
        try:
            note = json.loads(Path(entry.path, MARKER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if not isinstance(note, dict) or note.get("root") != resolved:
            continue
        server = note.get("server")
        if isinstance(server, str) and server not in found:
            found[server] = Path(entry.path)
    return [RecordedServer(name, folder) for name, folder in sorted(found.items())]
