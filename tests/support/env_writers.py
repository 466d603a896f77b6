"""Other programs writing a ``.env`` while asgideck edits it, as real processes.

Run as ``python -m support.env_writers writer PATH KEY COUNT`` (edits ``KEY`` through
asgideck's edit API ``COUNT`` times, prints a JSON summary) or
``python -m support.env_writers editor PATH TEXT_FILE CHUNK PAUSE`` (an editor that
saves in place: truncate, then write the text of ``TEXT_FILE`` in ``CHUNK``-byte pieces
``PAUSE`` s apart). Both wait for one line on stdin before they start, so a test can release
several at once; the editor prints ``truncated`` once the file is empty.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from support import REPO

__all__ = ["editor_cmd", "spawn", "writer_cmd"]


def writer_cmd(path: Path, key: str, count: int) -> list[str]:
    return [sys.executable, "-m", "support.env_writers", "writer", str(path), key, str(count)]


def editor_cmd(path: Path, text_file: Path, chunk: int, pause: float) -> list[str]:
    return [
        *(sys.executable, "-m", "support.env_writers", "editor"),
        *(str(path), str(text_file), str(chunk), str(pause)),
    ]


def spawn(cmd: list[str]) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO / "tests")}
    return subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def _writer(path: Path, key: str, count: int) -> None:
    from asgideck.runtime.profiles import EnvFileError, set_value

    sys.stdin.readline()
    last_ok, refused = -1, []
    for i in range(count):
        try:
            set_value(path, key, f"{key}-{i}")
            last_ok = i
        except EnvFileError as exc:
            refused.append(str(exc))
    print(json.dumps({"last_ok": last_ok, "refused": refused}), flush=True)


def _editor(path: Path, text_file: Path, chunk: int, pause: float) -> None:
    text = text_file.read_bytes()
    sys.stdin.readline()
    with open(path, "r+b") as out:  # in place: same inode, as vim's 'backupcopy=yes'
        out.truncate(0)
        out.flush()
        print("truncated", flush=True)
        for start in range(0, len(text), chunk):
            time.sleep(pause)  # the fault: a slow in-place save
            out.write(text[start : start + chunk])
            out.flush()
    print("saved", flush=True)


def main(argv: list[str]) -> None:
    kind, path = argv[0], Path(argv[1])
    if kind == "writer":
        _writer(path, argv[2], int(argv[3]))
    else:
        _editor(path, Path(argv[2]), int(argv[3]), float(argv[4]))


if __name__ == "__main__":
    main(sys.argv[1:])
