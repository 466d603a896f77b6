"""The interpreter probe's answer kept across processes (``_probe_cache``): the same
features as a fresh probe, asked again whenever the interpreter, its site-packages or
what the probe's folder holds under a server module's name changes, and a damaged
cache file never matters.

"A new process" is the in-process cache cleared: what is left is the file.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgideck.runtime.servers import _features as features
from asgideck.runtime.servers import _probe_cache as probe_cache
from asgideck.runtime.servers import interpreter_features
from asgideck.runtime.userstate import state_dir

#: the interpreter behind this suite's venv, without its site-packages (-S): it sees the
#: standard library and the fake venv's site-packages only
BASE = os.path.realpath(sys.executable)
#: the probe itself, never cached (the fixture below counts the calls to it)
UNCACHED = features._probe


class FakeVenv:
    """A venv layout whose ``bin/python`` runs the base interpreter on its own site-packages."""

    def __init__(self, root: Path, *, venv: bool = True) -> None:
        self.site = root / "lib" / "python3.11" / "site-packages"
        self.site.mkdir(parents=True)
        self.python = root / "bin" / "python"
        self.python.parent.mkdir()
        if venv:
            (root / "pyvenv.cfg").write_text(
                "home = /usr/bin\ninclude-system-site-packages = false\n"
            )
        self.write_interpreter()

    def write_interpreter(self, comment: str = "") -> None:
        self.python.write_text(
            f'#!/bin/sh\n# {comment}\nPYTHONPATH="{self.site}" exec "{BASE}" -S "$@"\n'
        )
        self.python.chmod(0o755)

    def install(self, name: str) -> None:
        (self.site / name).mkdir()
        (self.site / name / "__init__.py").write_text("")


@pytest.fixture
def probes(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The interpreters really run by the probe, in order; every call is a new process."""
    ran: list[str] = []

    def probe(python: str) -> frozenset[str] | None:
        ran.append(python)
        return UNCACHED(python)

    monkeypatch.setattr(features, "_probe", probe)
    features._modules_of.cache_clear()
    yield ran
    features._modules_of.cache_clear()


def modules(python: Path) -> frozenset[str] | None:
    """``interpreter_features(python).modules`` as a fresh asgideck process finds it."""
    features._modules_of.cache_clear()
    return interpreter_features(python).modules


@pytest.fixture
def venv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> FakeVenv:
    made = FakeVenv(tmp_path / "venv")
    made.install("uvicorn")
    made.install("gunicorn")
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")  # the folder the probe runs in
    return made


def test_a_kept_answer_is_the_one_a_fresh_probe_gives(venv: FakeVenv, probes: list[str]) -> None:
    first = modules(venv.python)
    assert first == {"uvicorn", "gunicorn"}
    assert probes == [str(venv.python)]
    assert (state_dir() / probe_cache.CACHE_NAME).is_file()
    again = modules(venv.python)
    assert probes == [str(venv.python)]  # not run again
    assert again == first == UNCACHED(str(venv.python))  # the uncached answer
    whole = interpreter_features(venv.python)
    assert whole == features.Features(frozenset(), False, first)


@pytest.mark.parametrize(
    "change",
    ["install", "uninstall", "interpreter", "pyvenv.cfg", "module in the folder"],
)
def test_a_change_is_probed_again(venv: FakeVenv, probes: list[str], change: str) -> None:
    before = modules(venv.python)
    expected = set(before or ())
    if change == "install":
        venv.install("granian")
        expected.add("granian")
    elif change == "uninstall":
        shutil.rmtree(venv.site / "gunicorn")
        expected.discard("gunicorn")
    elif change == "interpreter":
        venv.write_interpreter("upgraded")
    elif change == "pyvenv.cfg":
        cfg = venv.python.parent.parent / "pyvenv.cfg"
        cfg.write_text(cfg.read_text() + "version = 3.11.99\n")
    else:
        Path("hypercorn.py").write_text("")  # the probe's folder comes first on its path
        expected.add("hypercorn")
    after = modules(venv.python)
    assert len(probes) == 2, change
    assert after == expected == UNCACHED(str(venv.python))
    assert modules(venv.python) == after and len(probes) == 2  # the new answer is kept


def test_an_unrelated_file_in_the_folder_keeps_the_answer(
    venv: FakeVenv, probes: list[str]
) -> None:
    first = modules(venv.python)
    Path("notes.txt").write_text("not a module\n")
    Path("uvicorn_notes").mkdir()  # another name: not what `uvicorn` could be found as
    assert modules(venv.python) == first and len(probes) == 1


@pytest.mark.parametrize(
    "damage",
    [
        b"\xff\xfe not utf-8",
        b"{ not json",
        b"[]",
        b'{"version": 1, "entries": []}',
        b'{"version": 999, "entries": {}}',
        "entry",  # the right key, modules not a list of names
        "folder",  # a folder where the file should be
    ],
)
def test_a_damaged_cache_is_ignored_and_replaced(
    venv: FakeVenv, probes: list[str], damage: bytes | str
) -> None:
    first = modules(venv.python)
    path = state_dir() / probe_cache.CACHE_NAME
    if damage == "entry":
        data = json.loads(path.read_text())
        data["entries"][str(venv.python)]["modules"] = "uvicorn"
        path.write_text(json.dumps(data))
    elif damage == "folder":
        path.unlink()
        path.mkdir()
    else:
        assert isinstance(damage, bytes)
        path.write_bytes(damage)
    assert modules(venv.python) == first and len(probes) == 2  # probed again, same answer
    if damage != "folder":  # replaced by a good one: the next process need not ask
        assert modules(venv.python) == first and len(probes) == 2
    else:
        assert path.is_dir()  # left alone: a cache is never worth a fight


def test_an_interpreter_outside_a_venv_is_always_asked(tmp_path: Path, probes: list[str]) -> None:
    bare = FakeVenv(tmp_path / "bare", venv=False)
    bare.install("uvicorn")
    assert modules(bare.python) == modules(bare.python)
    assert len(probes) == 2
    assert not (state_dir() / probe_cache.CACHE_NAME).exists()


@pytest.mark.parametrize(
    "line",
    [
        "include-system-site-packages=true",  # no spaces: site.py still reads it
        "Include-System-Site-Packages =  TRUE ",
        "include-system-site-packages = false\ninclude-system-site-packages = true",  # last wins
    ],
)
def test_a_venv_that_sees_the_system_site_packages_is_always_asked(
    venv: FakeVenv, probes: list[str], line: str
) -> None:
    cfg = venv.python.parent.parent / "pyvenv.cfg"
    cfg.write_text(f"home = /usr/bin\n{line}\n")
    assert modules(venv.python) == modules(venv.python) == {"uvicorn", "gunicorn"}
    assert len(probes) == 2
    assert not (state_dir() / probe_cache.CACHE_NAME).exists()


def test_a_pth_that_runs_code_means_asking_every_time(venv: FakeVenv, probes: list[str]) -> None:
    """An editable install's finder hook maps source folders in code: a moved checkout
    would not change any stamp, so such a venv is never answered from the file."""
    (venv.site / "__editable__.demo-0.1.pth").write_text("import __editable___demo_finder\n")
    (venv.site / "__editable___demo_finder.py").write_text("")
    assert modules(venv.python) == modules(venv.python)
    assert len(probes) == 2
    assert not (state_dir() / probe_cache.CACHE_NAME).exists()


def test_a_pth_of_folders_only_keeps_the_answer(
    venv: FakeVenv, probes: list[str], tmp_path: Path
) -> None:
    (tmp_path / "src").mkdir()
    (venv.site / "demo.pth").write_text(f"# a comment\n{tmp_path / 'src'}\n")
    first = modules(venv.python)
    assert modules(venv.python) == first and len(probes) == 1
