"""The request-recording agent: STDLIB ONLY, it runs inside the *project's* interpreter.

A recorded server imports :data:`AGENT_APP` instead of the project's app: the
folder :data:`BOOT_DIR` goes first on ``PYTHONPATH`` and holds one importable
module, ``_asgideck_agent.py``, which imports the real app (named by
``ASGIDECK_AGENT_APP``), wraps it and writes one JSON line per request to
``<records>/<pid>.jsonl`` (the format ``runtime.recording`` reads). The rest of the
agent lives in this folder's private ``_*.py`` files, loaded by path as a private
package (like the probe), so nothing here imports asgideck and nothing is written
into the project.

This module is asgideck's side: where the agent is and what to put into the
server's environment (:func:`agent_environment`).
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AGENT_APP",
    "BOOT_DIR",
    "DEFAULT_BODY_LIMIT",
    "RECORD_SUFFIX",
    "agent_environment",
]

_HERE = Path(__file__).resolve().parent
#: The only folder put on the server's import path: it holds ``_asgideck_agent.py`` alone.
BOOT_DIR = _HERE / "boot"
#: The app target a recorded server imports instead of the project's.
AGENT_APP = "_asgideck_agent:app"
#: Each process writes ``<pid>.jsonl`` (rotated to ``<pid>.1.jsonl``).
RECORD_SUFFIX = ".jsonl"
#: Request and response bodies are kept up to this many bytes.
DEFAULT_BODY_LIMIT = 65536

_SECRETS_MODULE = _HERE.parent / "secrets.py"
_PROBE_DIR = _HERE.parent / "probe"


def agent_environment(
    app: str, *, factory: bool, records: Path, root: Path, body_limit: int = DEFAULT_BODY_LIMIT
) -> dict[str, str]:
    """The variables that tell the agent what to load and where to write.

    ``app`` is the project's own target (``app.main:app``); ``factory`` says it is a
    factory the agent's ``app`` must call; ``root`` is the project root (frames and
    sources under it are the project's own).
    """
    return {
        "ASGIDECK_AGENT_APP": app,
        "ASGIDECK_AGENT_FACTORY": "1" if factory else "0",
        "ASGIDECK_AGENT_RECORDS": str(records),
        "ASGIDECK_AGENT_ROOT": str(root),
        "ASGIDECK_AGENT_BODY_LIMIT": str(int(body_limit)),
        "ASGIDECK_AGENT_SECRETS": str(_SECRETS_MODULE),
        "ASGIDECK_AGENT_PROBE": str(_PROBE_DIR),
    }
