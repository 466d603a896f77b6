"""The interpreter probe's answer kept across asgideck processes.

Running the project's interpreter to ask which server modules it can import costs
30-100 ms, before every ``asgideck run`` spawns its server. Its answer only changes
when what the interpreter would find changes, and for a virtualenv that sees nothing
but its own site-packages that is all on disk: the interpreter binary, ``pyvenv.cfg``,
the site-packages folders (installing, upgrading or removing a package adds or
replaces entries there), the ``.pth`` files in them and the folders they add (a
``.pth`` that runs code, like an editable install's finder hook, means probing every
time), and
what could be a server module in the folder the probe runs in (``python -c`` looks
there first). ``probe_key`` reads those stamps (a few ``stat`` calls); an answer
stored under the same key is reused.
Any other interpreter (a system Python, a venv with the system's site-packages: the
user's own site-packages and ``HOME`` count there) is probed every time, as before.

The file (``interpreter-probe.json`` in the state folder) is a cache: one that cannot
be read or is not what it should be is ignored and replaced, never reported.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import zlib
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from asgideck.runtime.userstate import state_dir

__all__ = ["CACHE_NAME", "load", "probe_key", "store"]

CACHE_NAME = "interpreter-probe.json"
#: bump when what a key holds changes: older entries then never match
VERSION = 1
#: interpreters remembered (the oldest entries go first)
MAX_ENTRIES = 32

Key = list[Any]


def probe_key(
    python: Path, site_dirs: Sequence[Path], probe: str, names: Iterable[str]
) -> Key | None:
    """What the probe's answer for ``python`` depends on (``probe``: what it runs, looking
    for the modules ``names``), or None when the disk alone cannot tell (not a venv, or
    one that sees the system's site-packages)."""
    venv = python.parent.parent
    cfg = venv / "pyvenv.cfg"
    try:
        text = cfg.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    if _sees_system_site(text) or not site_dirs:
        return None
    real = os.path.realpath(python)
    tops = {name.partition(".")[0] for name in names}
    cwd = os.getcwd()
    sites = []
    for site in site_dirs:
        pths = _pth_stamps(site)
        if pths is None:  # code run at startup: what it adds is not on disk to stamp
            return None
        sites.append([str(site), _stamp(site), pths])
    return [
        VERSION,
        zlib.crc32(probe.encode()),
        real,
        _stamp(real),
        _stamp(cfg),
        # the folder the probe runs in, first on its sys.path: only what could be one of
        # the modules counts (the folder itself changes whenever any file comes or goes)
        [cwd, _named(cwd, tops)],
        sites,
    ]


def load(python: Path, key: Key) -> frozenset[str] | None:
    """The stored answer for ``python`` under ``key``; None when there is none."""
    entry = _read().get(str(python))
    if not isinstance(entry, dict) or entry.get("key") != key:
        return None
    modules = entry.get("modules")
    if not isinstance(modules, list) or not all(isinstance(m, str) for m in modules):
        return None
    return frozenset(modules)


def store(python: Path, key: Key, modules: frozenset[str]) -> None:
    """Keep ``modules`` as the answer for ``python`` under ``key`` (best effort)."""
    entries = _read()
    entries.pop(str(python), None)
    entries[str(python)] = {"key": key, "modules": sorted(modules)}
    while len(entries) > MAX_ENTRIES:
        entries.pop(next(iter(entries)))
    with contextlib.suppress(OSError):  # no cache this time: the next start probes again
        _write(state_dir() / CACHE_NAME, {"version": VERSION, "entries": entries})


def _sees_system_site(cfg: str) -> bool:
    """``pyvenv.cfg`` says include-system-site-packages is true, read as site.py does
    (``key = value`` split at the first ``=``, both stripped, case-insensitive; the
    last such line wins)."""
    system_site = "true"  # site.py's default when the key is absent
    for line in cfg.splitlines():
        key, eq, value = line.partition("=")
        if eq and key.strip().lower() == "include-system-site-packages":
            system_site = value.strip().lower()
    return system_site == "true"


def _stamp(path: str | Path) -> list[int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_mtime_ns, st.st_size, st.st_ino]


def _named(folder: str, tops: set[str]) -> list[Any] | None:
    """Each entry of ``folder`` that ``find_spec`` could take for one of ``tops``
    (``NAME/``, ``NAME.py``, ``NAME.cpython-311-x86_64-linux-gnu.so``…)."""
    try:
        entries = sorted(e.name for e in os.scandir(folder) if e.name.partition(".")[0] in tops)
    except OSError:
        return None
    return [[name, _stamp(os.path.join(folder, name))] for name in entries]


def _pth_stamps(site: Path) -> list[Any] | None:
    """Each ``.pth`` file in ``site`` and each folder it adds to ``sys.path``; None when
    one has an ``import`` line (an editable install's finder hook, say: the folders it
    maps live in code, not in the file, so a moved checkout would keep a stale answer)."""
    try:
        names = sorted(e.name for e in os.scandir(site) if e.name.endswith(".pth"))
    except OSError:
        return []
    found: list[Any] = []
    for name in names:
        path = site / name
        found.append([name, _stamp(path)])
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for line in lines:
            if line.startswith(("import ", "import\t")):  # as site.py tests it: unstripped
                return None
            line = line.strip()
            if line and not line.startswith("#"):
                folder = str(site / line)  # as site.py does: relative to site-packages
                found.append([folder, _stamp(folder)])
    return found


def _read() -> dict[str, Any]:
    try:
        data = json.loads((state_dir() / CACHE_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):  # missing, unreadable, not UTF-8 or not JSON: no cache
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    entries = data.get("entries")
    return dict(entries) if isinstance(entries, dict) else {}


def _write(path: Path, data: Any) -> None:
    """Replace the file atomically (a reader sees the old one or the new one); no fsync:
    a cache lost in a crash only costs one probe."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
