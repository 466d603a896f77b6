"""Throwaway venvs with an older FastAPI, so the probe is tested where it must also work.

``venv_python("0.115.14")`` returns the interpreter of
``.bench-cache/venvs/fastapi-0.115.14`` at the repo root, creating it on first use
with ``python -m venv`` and ``pip install fastapi==VERSION`` plus a uvicorn of the
same era (pip picks the matching Starlette and pydantic), so apps can be served
for real. It is built once per machine: a file lock keeps parallel test runs from
building it twice, a stamp file written last (holding the requirements) marks it
complete, and a half-built or outdated venv is rebuilt. The venv never
sees the dev venv's packages (no ``--system-site-packages``), so its FastAPI is
really the old one.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import TextIO

__all__ = ["CACHE", "OLD_FASTAPI", "VenvError", "venv_python"]

OLD_FASTAPI = "0.115.14"  # before 0.137, whose include_router keeps private route entries
UVICORN = "uvicorn==0.34.3"  # serves the old apps for real (the order proof)
REPO = Path(__file__).resolve().parents[2]
CACHE = REPO / ".bench-cache" / "venvs"
STAMP = ".asgideck-ready"
PIP_TIMEOUT = 600.0


class VenvError(RuntimeError):
    """The venv could not be built; the message carries pip's output."""


def _bin(venv: Path) -> Path:
    return venv / ("Scripts" if sys.platform == "win32" else "bin")


def _base_python() -> str:
    """The interpreter the dev venv was made from (a venv of a venv is fine, but this is tidier)."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}.{sys.version_info[1]}"
    return str(base) if base.exists() else sys.executable


def _run(argv: list[str], what: str) -> None:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=PIP_TIMEOUT)
    except subprocess.TimeoutExpired as exc:
        raise VenvError(f"{what}: no result within {PIP_TIMEOUT:g} s ({' '.join(argv)})") from exc
    if done.returncode != 0:
        tail = (done.stdout + done.stderr).strip()[-3000:]
        raise VenvError(
            f"{what} failed (exit {done.returncode}) while building the test venv of "
            f"test_inspect_versions.py (retry: python tests/support/fastapi_versions.py)\n"
            f"{' '.join(argv)}\n{tail}"
        )


def _lock(handle: TextIO) -> None:
    with contextlib.suppress(ImportError):  # no fcntl on Windows: no lock there
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)


def venv_python(version: str = OLD_FASTAPI) -> Path:
    """The python of a venv holding ``fastapi==version``; built on first call (minutes at most)."""
    venv = CACHE / f"fastapi-{version}"
    python = _bin(venv) / ("python.exe" if sys.platform == "win32" else "python")
    stamp = venv / STAMP
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"fastapi-{version}.lock", "w") as lock:
        _lock(lock)  # a parallel run waits here, then finds the stamp
        requirements = [f"fastapi=={version}", UVICORN]
        if python.exists() and _stamped(stamp) == requirements:
            return python
        shutil.rmtree(venv, ignore_errors=True)  # a half-built venv from an interrupted run
        started = time.monotonic()
        _run([_base_python(), "-m", "venv", str(venv)], f"creating the venv {venv}")
        pip = [str(python), "-m", "pip", "--disable-pip-version-check", "--quiet"]
        _run([*pip, "install", *requirements], f"pip install {' '.join(requirements)}")
        versions = subprocess.run(
            [str(python), "-c", _VERSIONS], capture_output=True, text=True, check=True
        ).stdout
        info = {"requirements": requirements, "seconds": round(time.monotonic() - started, 1)}
        info["installed"] = json.loads(versions)
        tmp = stamp.with_suffix(".tmp")
        tmp.write_text(json.dumps(info), encoding="utf-8")
        os.replace(tmp, stamp)
    return python


def _stamped(stamp: Path) -> list[str] | None:
    try:
        requirements = json.loads(stamp.read_text(encoding="utf-8"))["requirements"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return list(requirements) if isinstance(requirements, list) else None


_VERSIONS = (
    "import json; from importlib.metadata import version as v;"
    "print(json.dumps({d: v(d) for d in ('fastapi', 'starlette', 'pydantic', 'uvicorn')}))"
)


if __name__ == "__main__":  # build it ahead of a test run: python tests/support/fastapi_versions.py
    print(venv_python(sys.argv[1] if len(sys.argv) > 1 else OLD_FASTAPI))
