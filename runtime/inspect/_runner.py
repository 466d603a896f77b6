"""The parent side of the probe: run ``probe/_main.py`` under the project's interpreter.

The child gets the environment a server started by ``run`` gets for the same
profile (:func:`probe_environment` calls the launch's own ``child_env``: the
profile's variables, the same small passthrough of asgideck's environment, never
the rest of the user's shell) plus :data:`PROBE_OWN`, runs where the server runs
(:func:`working_dir`), with its ``sys.path`` (:func:`launch_sys_path`), in its own
session (``servers.spawn``) so a timeout can kill everything it started
(``ProcessTree.end`` with no grace), and answers with one JSON document behind
:data:`asgideck.runtime.probe.SENTINEL`. Every way this can go wrong
becomes a :class:`ProbeError` whose message names the interpreter and says what
happened (exit code, stderr tail), so the UI can show it as it is.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from asgideck.runtime import secrets
from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.probe import PROBE_SCRIPT, SENTINEL
from asgideck.runtime.project import Project
from asgideck.runtime.servers import ProcessTree, ServerSpec, child_env, spawn

__all__ = [
    "PROBE_OWN",
    "ProbeError",
    "launch_sys_path",
    "probe_environment",
    "run_probe",
    "working_dir",
]

SECRETS_MODULE = Path(secrets.__file__).resolve()
TAIL = 3000
POLL = 0.2  # how often a running probe is checked for having exited
#: What the probe sets for itself on top of the launch environment (and nothing else).
PROBE_OWN = {"PYTHONDONTWRITEBYTECODE": "1"}


class ProbeError(AsgideckError):
    """The probe gave no usable result; ``kind`` is one of :data:`KINDS`."""

    KINDS = ("interpreter", "timeout", "no-result", "bad-result", "request")

    def __init__(self, kind: str, message: str, *, stderr: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.stderr = stderr


def working_dir(project: Project) -> Path:
    """Where the server runs, so where the probe runs and settings resolve ``env_file``.

    The one place to switch when the project gains its own working-directory setting.
    """
    return project.root


def launch_sys_path(project: Project) -> tuple[str, ...]:
    """Folders (relative to :func:`working_dir`) the server puts before it on ``sys.path``:
    the app's ``--app-dir``."""
    target = project.app
    return (target.app_dir,) if target is not None and target.app_dir else ()


def probe_environment(
    env: Mapping[str, str],
    python: Path | None = None,
    parent: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """What a server for a profile with ``env`` run by ``python`` gets, plus :data:`PROBE_OWN`.

    It is the launch's own function (``servers.child_env``) on a spec that differs from
    a real one only in what does not reach the environment (app, port), so the probe,
    settings validation and ``run`` can never drift apart.
    """
    spec = ServerSpec(
        kind="uvicorn",
        app="asgideck:probe",
        root=Path("."),  # where the server runs is cwd=, not the environment
        python=Path(os.path.abspath(python if python is not None else sys.executable)),
        env=dict(env),
    )
    return {**child_env(spec, parent), **PROBE_OWN}


def run_probe(
    interpreter: Path,
    root: Path,
    env: dict[str, str],
    tasks: list[dict[str, Any]],
    timeout: float = 30.0,
    *,
    sys_path: tuple[str, ...] = (),
) -> dict[str, Any]:
    """Run ``tasks`` in the project's interpreter and return the probe's result document.

    ``root`` is the working directory (:func:`working_dir`); ``sys_path`` holds folders
    relative to it that come first on ``sys.path`` (``--app-dir``, src/ layouts).
    The result gains ``output`` (what the app printed on stdout) and ``stderr`` tails.
    """
    request = {
        "root": str(root),
        "sys_path": list(sys_path),
        "secrets_module": str(SECRETS_MODULE),
        "tasks": tasks,
    }
    try:
        proc = spawn(
            # absolute (cwd changes) but not resolved: a venv's python is a symlink
            [os.path.abspath(interpreter), str(PROBE_SCRIPT)],
            cwd=root,
            env=probe_environment(env, interpreter),
            stdin=subprocess.PIPE,
            die_with_parent=True,  # an app spinning at import never outlives inspect
            parent_waits=True,  # run_probe waits for it: safe from the window's threads
        )
    except OSError as exc:
        raise ProbeError("interpreter", f"cannot run the interpreter {interpreter}: {exc}") from exc
    tree = ProcessTree.started(proc)
    try:
        stdout, stderr, timed_out = _communicate(proc, tree, json.dumps(request).encode(), timeout)
    finally:
        _kill(tree)  # whatever the app started in the background goes too
    out = stdout.decode("utf-8", "replace")
    err = stderr.decode("utf-8", "replace")
    result = _parse(out)
    if result is None:
        if timed_out:
            raise ProbeError(
                "timeout",
                f"the probe did not finish within {timeout:g} s (interpreter {interpreter}, "
                f"project {root}); it was stopped with everything it started" + _tail_note(err),
                stderr=err[-TAIL:],
            )
        raise ProbeError(
            "no-result",
            f"the probe exited with code {proc.returncode} without a result "
            f"(interpreter {interpreter})" + _tail_note(err),
            stderr=err[-TAIL:],
        )
    if not isinstance(result, dict):
        raise ProbeError("bad-result", f"the probe's result is not valid JSON: {result}")
    if not result.get("ok", False):
        error = result.get("error") or {}
        raise ProbeError("request", f"the probe rejected the request: {error.get('message')}")
    result["output"] = out[: out.rfind(SENTINEL)].rstrip("\n")[-TAIL:]
    result["stderr"] = err[-TAIL:]
    return result


def _parse(out: str) -> dict[str, Any] | str | None:
    """The JSON after the last sentinel; an error text when it is broken; None when absent."""
    at = out.rfind(SENTINEL)
    if at < 0:
        return None
    line = out[at + len(SENTINEL) :].split("\n", 1)[0]
    try:
        data = json.loads(line)
    except ValueError as exc:
        return str(exc)
    return data if isinstance(data, dict) else "not a JSON object"


def _tail_note(stderr: str) -> str:
    tail = stderr.strip()[-TAIL:]
    return f"\n--- stderr (last lines) ---\n{tail}" if tail else ""


def _communicate(
    proc: subprocess.Popen[bytes], tree: ProcessTree, request: bytes, timeout: float
) -> tuple[bytes, bytes, bool]:
    """(stdout, stderr, timed out). Returns as soon as the probe exits, even when
    something it started still holds the pipes open."""
    deadline = time.monotonic() + timeout
    data: bytes | None = request
    while True:
        remaining = deadline - time.monotonic()
        try:
            stdout, stderr = proc.communicate(data, timeout=max(0.0, min(POLL, remaining)))
            return stdout, stderr, False
        except subprocess.TimeoutExpired:
            data = None  # sent once; communicate() keeps what it has read so far
        exited = proc.poll() is not None
        if exited or remaining <= POLL:
            _kill(tree)
            stdout, stderr = _drain(proc)
            return stdout, stderr, not exited


def _drain(proc: subprocess.Popen[bytes]) -> tuple[bytes, bytes]:
    """The output after a kill; a process that escaped the session may hold the pipe open."""
    try:
        return proc.communicate(timeout=5)
    except subprocess.TimeoutExpired as exc:
        for pipe in (proc.stdout, proc.stderr):
            if pipe is not None:
                pipe.close()
        return _as_bytes(exc.stdout), _as_bytes(exc.stderr)


def _as_bytes(data: bytes | str | None) -> bytes:
    if data is None:
        return b""
    return data.encode() if isinstance(data, str) else data


def _kill(tree: ProcessTree) -> None:
    """SIGKILL the probe, its process group and any descendant that left the group."""
    tree.end(0)
    if tree.popen is not None:
        tree.popen.wait()
