"""Each subcommand imports only what it needs (issue #15), and the lazy parser reads
exactly as the full one.

The import checks run the console script's ``main`` in a child interpreter, as the
``asgideck`` script does, and list ``sys.modules`` at exit: no timing here (that is
tests/bench/bench_cli.py), only what was loaded.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from asgideck.runtime.cli import SUBCOMMANDS
from asgideck.runtime.cli._main import build_parser
from asgideck.runtime.servers import Supervisor
from asgideck.runtime.servers import _features as features
from support.servers import make_spec, write_app

#: Never loaded by a headless command that does not use them.
HEAVY = (
    "PySide6",
    "jsonschema",
    "yaml",
    "mcp",
    "websockets",
    "asgideck.runtime.deploy",
    "asgideck.runtime.inspect",
    "asgideck.runtime.openapi",
    "asgideck.runtime.services",
    # httpx's own command line and HTTP/2: never used by the CLI
    "click",
    "rich",
    "pygments",
    "h2",
)
#: ``call`` with --url and --no-history: no registry (psutil), no history (sqlite)
CALL_URL_ABSENT = (*HEAVY, "asgideck.runtime.servers", "psutil", "sqlite3", "importlib.metadata")
#: a call's start-up (ASGIDECK_HOME set, as in every test): no platform dirs, and the
#: bundled sample's path (importlib.resources' readers) is not looked up
CALL_START_ABSENT = ("platformdirs", "importlib.readers", "importlib.resources.readers")
#: ``call DIR`` only locates the project (root and name): no profiles, no env files
NO_PROFILES = ("asgideck.runtime.profiles", "dotenv")
#: ``run --help`` / ``ps``: no HTTP client
NO_CLIENT = (*HEAVY, "httpx", "httpcore", "asgideck.runtime.client")

_LIST_MODULES = """\
import atexit, json, sys
out = sys.argv.pop(1)
loaded = lambda: sorted(name for name, module in sys.modules.items() if module is not None)
atexit.register(lambda: open(out, "w").write(json.dumps(loaded())))
sys.argv[0] = "asgideck"
from asgideck.gui.entry import main
sys.exit(main())
"""


def loaded_by(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess[str], set[str]]:
    """(the finished ``asgideck ARGS``, the modules it had loaded when it exited)."""
    listing = tmp_path / "modules.json"
    done = subprocess.run(
        [sys.executable, "-c", _LIST_MODULES, str(listing), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=os.environ.copy(),
        check=False,
    )
    modules = set(json.loads(listing.read_text())) if listing.exists() else set()
    listing.unlink(missing_ok=True)
    return done, modules


def loaded_of(modules: set[str], prefixes: tuple[str, ...]) -> list[str]:
    """The modules in ``modules`` that are one of ``prefixes`` or inside one of them."""
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in prefixes))


def gui_modules(modules: set[str]) -> list[str]:
    """asgideck.gui itself and its console-script module are the way in; nothing else."""
    return sorted(
        m
        for m in loaded_of(modules, ("asgideck.gui",))
        if m not in ("asgideck.gui", "asgideck.gui.entry")
    )


@pytest.fixture
def tiny_server(tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A tiny ASGI app served by uvicorn under a Supervisor (registered in this test's
    ASGIDECK_HOME, so ``call DIR`` finds it): (its folder, its base URL)."""
    root = write_app(tmp_path / "proj")
    spec = make_spec(root)
    supervisor = Supervisor(spec, log_to_file=False)
    try:
        supervisor.start()
        status = supervisor.wait_for("running", "crashed", timeout=30)
        assert status.state == "running", status.error
        yield root, f"http://127.0.0.1:{spec.port}"
    finally:
        supervisor.close(3)


# -- the parser


@pytest.mark.parametrize("chosen", [None, "bogus", *SUBCOMMANDS])
def test_lazy_parser_lists_every_subcommand_as_the_full_one(chosen: str | None) -> None:
    assert build_parser(chosen, every=False).format_help() == build_parser().format_help()


@pytest.mark.parametrize("command", SUBCOMMANDS)
def test_each_subcommand_help_is_unchanged(command: str) -> None:
    def sub_help(parser: argparse.ArgumentParser) -> str:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return action.choices[command].format_help()

    assert sub_help(build_parser(command, every=False)) == sub_help(build_parser())


def test_help_in_a_fresh_process_lists_everything(tmp_path: Path) -> None:
    done, modules = loaded_by(tmp_path, "call", "--help")
    assert done.returncode == 0, done.stderr
    assert "--no-history" in done.stdout and "--max-body" in done.stdout
    assert loaded_of(modules, ("asgideck.runtime.cli._deploy", "asgideck.runtime.cli._mcp")) == []


# -- what each command loads


def test_call_with_url_loads_only_the_request_side(
    tiny_server: tuple[Path, str], tmp_path: Path
) -> None:
    root, url = tiny_server
    done, modules = loaded_by(
        tmp_path, "call", str(root), "GET", "/health", "--url", url, "--no-history"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 200 OK\n") and done.stdout.endswith("\n\nok")
    assert loaded_of(modules, CALL_URL_ABSENT) == []
    assert loaded_of(modules, CALL_START_ABSENT) == []
    assert loaded_of(modules, NO_PROFILES) == []
    assert gui_modules(modules) == []
    assert "asgideck.runtime.client._sender" in modules  # the one sender, shared with Try


def test_call_through_the_registry_writes_the_history(
    tiny_server: tuple[Path, str], tmp_path: Path
) -> None:
    root, _url = tiny_server
    done, modules = loaded_by(tmp_path, "call", str(root), "GET", "/health")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("HTTP/1.1 200 OK\n")
    assert loaded_of(modules, HEAVY) == []
    assert loaded_of(modules, CALL_START_ABSENT) == []
    assert loaded_of(modules, NO_PROFILES) == []
    assert gui_modules(modules) == []
    assert {"asgideck.runtime.servers._registry", "asgideck.runtime.client._history"} <= modules
    # only the registry: not the supervisor, its monitor or the launch configs
    assert "asgideck.runtime.servers._supervisor" not in modules


_GC_AFTER = """\
import gc, sys
sys.argv[0] = "asgideck"
from asgideck.gui.entry import main
code = main(sys.argv[1:])
print(code, gc.isenabled(), gc.get_freeze_count() > 0, file=sys.stderr)
"""


def test_call_turns_the_collector_back_on_and_other_commands_leave_it(
    tiny_server: tuple[Path, str],
) -> None:
    """``call`` runs without the cyclic collector (its start-up objects live to its end)
    and hands it back on, with those objects frozen; no other command touches it."""
    root, url = tiny_server

    def after(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-c", _GC_AFTER, *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stderr.splitlines()[-1]

    assert after("call", str(root), "GET", "/health", "--url", url, "--no-history") == (
        "0 True True"
    )
    refused = "http://127.0.0.1:1"  # nothing listens on port 1: exit 3, the collector back on
    assert after("call", str(root), "GET", "/health", "--url", refused, "--no-history") == (
        "3 True True"
    )
    assert after("ps") == "0 True False"


def test_the_bundled_sample_is_found_only_when_asked() -> None:
    code = (
        "import sys; from asgideck.gui import entry; "
        "print('importlib.resources.readers' in sys.modules, entry.BUNDLED_SAMPLE.name, "
        "entry.default_project() == entry.BUNDLED_SAMPLE)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["False", "sample_app", "True"]


@pytest.mark.parametrize("args", [("run", "--help"), ("ps",), ("ps", "--json")])
def test_run_help_and_ps_load_no_client(tmp_path: Path, args: tuple[str, ...]) -> None:
    done, modules = loaded_by(tmp_path, *args)
    assert done.returncode == 0, done.stderr
    assert loaded_of(modules, NO_CLIENT) == []
    assert gui_modules(modules) == []


def test_version_is_read_only_when_asked() -> None:
    code = "import sys, asgideck; print('importlib.metadata' in sys.modules, asgideck.__version__)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=True
    )
    loaded, version = done.stdout.split()
    assert loaded == "False" and version


# -- run's interpreter probe


def test_probe_finds_what_find_spec_finds_without_importing_uvicorn() -> None:
    """The start probe answers as plain ``find_spec`` of every module would, yet does
    not import uvicorn to locate ``uvicorn.workers`` when ``uvicorn_worker`` is there."""
    plain = textwrap.dedent(
        """\
        import importlib.util, sys
        for name in sys.argv[1:]:
            try:
                found = importlib.util.find_spec(name) is not None
            except Exception:
                found = False
            if found:
                print(name)
        """
    )
    names = features._PROBED_MODULES

    def found(script: str, *extra: str) -> list[str]:
        done = subprocess.run(
            [sys.executable, "-c", script, *names, *extra],
            capture_output=True,
            text=True,
            timeout=30,
            check=True,
        )
        return done.stdout.split()

    assert sorted(found(features._FIND_SPECS)) == sorted(found(plain))
    imported_uvicorn = features._FIND_SPECS + "print('uvicorn' in sys.modules)\n"
    assert found(imported_uvicorn)[-1] == str("uvicorn_worker" not in found(plain))
