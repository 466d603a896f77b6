"""A spawn the system refuses with E2BIG ("Argument list too long") names the variable
(or the total) and the limit, instead of the kernel's bare message."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asgideck.runtime.servers._arg_limits import too_large_message
from asgideck.runtime.servers._process_tree import LaunchTooLarge, spawn

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits")

ARGS = [sys.executable, "-c", "pass"]


def test_one_variable_over_128_kib_is_named(tmp_path: Path) -> None:
    env = {"SMALL": "x", "BIG_BLOB": "b" * (200 * 1024)}
    with pytest.raises(LaunchTooLarge) as info:
        spawn(ARGS, cwd=tmp_path, env=env)
    assert str(info.value) == (
        "BIG_BLOB is 200 KiB; Linux limits one variable to 128 KiB (Argument list too long)"
    )
    assert isinstance(info.value, OSError) and info.value.errno == 7


def test_a_5_mb_profile_names_its_largest_variables(tmp_path: Path) -> None:
    env = {f"PART_{n:02}": "p" * (100 * 1024) for n in range(50)}
    env["HUGE_ONE"] = "h" * (120 * 1024)
    with pytest.raises(LaunchTooLarge) as info:
        spawn(ARGS, cwd=tmp_path, env=env)
    message = str(info.value)
    assert message.startswith("the environment is 5.0 MiB in all (largest: HUGE_ONE 120 KiB")
    assert "for arguments and environment together (Argument list too long)" in message


def test_a_long_argument_is_named() -> None:
    message = too_large_message(["python", "-c", "x" * 200_000], {})
    assert message.startswith("argument 2 is 195 KiB; Linux limits one argument to 128 KiB")


def test_a_value_just_under_the_limit_starts(tmp_path: Path) -> None:
    proc = spawn(ARGS, cwd=tmp_path, env={"OK": "o" * (120 * 1024)})
    assert proc.wait(10) == 0
    proc.communicate()
