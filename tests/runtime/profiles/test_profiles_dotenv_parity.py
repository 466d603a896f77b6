"""A profile's values are python-dotenv's values (Done means #4).

The battery is python-dotenv's own parser and interpolation cases (its
tests/test_parser.py and tests/test_main.py), plus line endings, a BOM and
comments, each written to a real file and read both ways.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from dotenv import dotenv_values

from asgideck.runtime.profiles import load_profile, read_env_file

CASES: list[str] = [
    # python-dotenv tests/test_parser.py
    "",
    "a=b",
    "'a'=b",
    "[=b",
    " a = b ",
    "export a=b",
    " export 'a'=b",
    "# a=b",
    "a=b#c",
    "a=b #c",
    "a= #c",
    "a=  # comment",
    "a=#b",
    "a=b\t#c",
    "a=b c",
    "a=b\tc",
    "a=b  c",
    "a=b\u00a0 c",
    "a=b c ",
    "a='b c '",
    'a="b c "',
    "export export_a=1",
    "export port=8000",
    'a="b\nc"',
    "a='b\nc'",
    'a="b\\nc"',
    "a='b\\nc'",
    'a="b\\"c"',
    "a='b\\'c'",
    "a=à",
    'a="à"',
    "no_value_var",
    "a: b",
    "a=b\nc=d",
    "a=b\rc=d",
    "a=b\r\nc=d",
    "a=\nb=c",
    "\n\n",
    "a=b\n\n",
    "a=b\n\nc=d",
    'a="\nb=c',
    '# comment\na="b\nc"\nd=e\n',
    "a=b\n# comment 1",
    "# comment 1\n# comment 2",
    'uglyKey[%$="S3cr3t_P4ssw#rD" #\na=b',
    "\ufeffa=b",
    "\ufeffa=b\nc=d",
    # python-dotenv tests/test_main.py (interpolation; nothing comes from the environment)
    "a=$b",
    "a=${b}",
    "a=${b:-d}",
    "b=c\na=${b}",
    'b=c\na="${b}"',
    "b=c\na='${b}'",
    "b=c\na=x${b}y",
    "a=${a}",
    "a=${a:-c}",
    "b=c\na=${b}${b}",
    "b=c\nb=d\na=${b}",
    "a=b\na=c\nd=${a}",
    "a=b\nc=${a}\nd=e\nc=${d}",
    "a\nb=${a}",
    "a\nb=${a:-fallback}",
    "EMPTY=\nXX=${EMPTY:-ok}",
    "XX=${NOT_DEFINED-ok}",
    # escapes in double quotes, and ones python-dotenv leaves alone
    'a="tab\\there\\\\back\\aslash\\v\\f\\b\\r"',
    'a="\\x41 \\u00e9 \\q"',
    "a='\\\\ \\t \\''",
    "a=unquoted\\nstays",
    # line endings, BOM and comments together
    'export A="multi\r\nline" # note\r\nB=${A}\r\n\r\n# done\r\n',
    "A=one\rB='two\rlines'\rC",
    "\ufeff# first line is a comment\nSECRET_KEY=abc # inline\n",
    "  # indented comment\n\t\nKEY = spaced value  # trailing\nlast=no-newline",
    "bad line\nok=1\n  'quoted key' = v\nanother bad one\nend=${ok}",
    "DUP=1\nDUP=2\nDUP",
]

_REFERENCED = re.compile(r"\$\{([^}:]*)")


@pytest.mark.parametrize("content", CASES, ids=[repr(c)[:40] for c in CASES])
def test_default_profile_equals_dotenv_values(
    content: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in _REFERENCED.findall(content):
        monkeypatch.delenv(name, raising=False)
    path = tmp_path / ".env"
    path.write_bytes(content.encode("utf-8"))

    expected = {k: v for k, v in dotenv_values(path).items() if v is not None}
    profile = load_profile(tmp_path, "default")

    assert profile.environ() == expected
    assert not any("\ufeff" in key for key in profile.variables)


@pytest.mark.parametrize("content", CASES, ids=[repr(c)[:40] for c in CASES])
def test_raw_entries_equal_uninterpolated_dotenv_values(content: str, tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(content.encode("utf-8"))
    raw = {entry.key: entry.value for entry in read_env_file(path).entries}
    assert raw == dotenv_values(path, interpolate=False)


def test_a_bom_is_noticed_and_kept_out_of_the_first_key(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_bytes(b"\xef\xbb\xbfFIRST=1\nSECOND=2\n")
    env_file = read_env_file(path)
    assert env_file.had_bom
    assert [(e.key, e.line) for e in env_file.entries] == [("FIRST", 1), ("SECOND", 2)]
    assert not read_env_file(_write(tmp_path / "plain", b"FIRST=1\n")).had_bom


def test_the_shell_environment_never_leaks_into_a_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The one deliberate difference from dotenv_values: a profile is what its files say.
    monkeypatch.setenv("ASGIDECK_SHELL_ONLY", "from-the-shell")
    _write(tmp_path / ".env", b"A=${ASGIDECK_SHELL_ONLY}\nB=${ASGIDECK_SHELL_ONLY:-fallback}\n")
    assert dotenv_values(tmp_path / ".env")["A"] == "from-the-shell"
    assert load_profile(tmp_path, "default").environ() == {"A": "", "B": "fallback"}


def test_layers_read_like_the_files_concatenated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = "HOST=localhost\nPORT=8000\nURL=http://${HOST}:${PORT}\nNAME='base'\nUNSET"
    top = "PORT=9000\nURL2=http://${HOST}:${PORT}/${UNSET:-x}\nNAME=top\nLOCAL=${NAME}\n"
    for name in ("HOST", "PORT", "NAME", "UNSET", "URL", "URL2", "LOCAL"):
        monkeypatch.delenv(name, raising=False)
    _write(tmp_path / ".env", base.encode())
    _write(tmp_path / ".env.production", top.encode())

    together = dotenv_values(stream=io.StringIO(base + "\n" + top))
    expected = {k: v for k, v in together.items() if v is not None}
    assert load_profile(tmp_path, "production").environ() == expected
    assert expected["URL"] == "http://localhost:8000"
    assert expected["URL2"] == "http://localhost:9000/"


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
