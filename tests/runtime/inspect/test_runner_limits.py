"""The probe of a profile too large for the system names the variable (issue 10, #11)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from asgideck.runtime.inspect import ProbeError, run_probe

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux limits")


def test_a_value_over_128_kib_is_named(tmp_path: Path) -> None:
    env = {"CERT_BUNDLE": "c" * (300 * 1024)}
    with pytest.raises(ProbeError) as info:
        run_probe(Path(sys.executable), tmp_path, env, [], timeout=10)
    assert info.value.kind == "interpreter"
    assert str(info.value) == (
        f"cannot run the interpreter {sys.executable}: CERT_BUNDLE is 300 KiB; "
        "Linux limits one variable to 128 KiB (Argument list too long)"
    )
