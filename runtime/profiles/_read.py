"""One ``.env`` file read exactly as python-dotenv reads it, with line numbers.

Files are parsed by python-dotenv's own parser, so a value here is the value
``dotenv_values`` gives. Lines python-dotenv silently skips are kept as
:class:`ParseProblem` (``file:line: cannot parse …``); a file that cannot be
read at all raises :class:`EnvFileError` naming the file (and line). So does a
NUL byte in a key or value, here rather than later as "embedded null byte" when
the value is put in a process environment (which cannot hold one).
"""

from __future__ import annotations

import io
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from dotenv.parser import Binding, parse_stream

from asgideck.runtime.errors import AsgideckError
from asgideck.runtime.terminal import printable

__all__ = [
    "BOM",
    "MAX_FILE_BYTES",
    "EnvEntry",
    "EnvFile",
    "EnvFileError",
    "ParseProblem",
    "check_env_stat",
    "decode_env_bytes",
    "dotenv_entries",
    "parse_bindings",
    "plain_entries",
    "read_env_file",
    "read_plain_env_file",
    "read_text",
    "translate_newlines",
]

MAX_FILE_BYTES = 8 * 1024 * 1024
_PROBLEM_TEXT_LIMIT = 60
BOM = "\ufeff"


class EnvFileError(AsgideckError):
    """An env file that cannot be read or written; the message names the file (and line)."""

    def __init__(self, path: Path, message: str, line: int | None = None) -> None:
        self.path = path
        self.line = line
        where = f"{path}:{line}" if line is not None else str(path)
        super().__init__(f"{where}: {message}")


@dataclass(frozen=True)
class EnvEntry:
    """One binding as written: ``value`` is raw (before interpolation); ``line`` is 1-based."""

    key: str
    value: str | None
    file: Path
    line: int


@dataclass(frozen=True)
class ParseProblem:
    """A line python-dotenv skips; shown so a typo never silently drops a setting."""

    file: Path
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: cannot parse {self.text!r}"


@dataclass(frozen=True)
class EnvFile:
    path: Path
    entries: tuple[EnvEntry, ...]
    problems: tuple[ParseProblem, ...]
    had_bom: bool


# --- reading ---------------------------------------------------------------------------


def check_env_stat(path: Path, st: os.stat_result) -> None:
    """Refuse what is not an env file: a directory, a FIFO or device, a huge file."""
    if stat.S_ISDIR(st.st_mode):
        raise EnvFileError(path, "is a directory, not an env file")
    if not stat.S_ISREG(st.st_mode):
        raise EnvFileError(path, "is not a regular file")
    if st.st_size > MAX_FILE_BYTES:
        raise EnvFileError(
            path, f"is {st.st_size} bytes, too big for an env file (limit {MAX_FILE_BYTES})"
        )


def read_text(path: Path) -> tuple[str, bool]:
    """The file's text with newlines untouched and the BOM removed; and whether it had one."""
    try:
        check_env_stat(path, path.stat())
        data = path.read_bytes()
    except FileNotFoundError:
        raise EnvFileError(path, "no such file") from None
    except PermissionError:
        raise EnvFileError(path, "cannot read it: permission denied") from None
    except OSError as exc:
        raise EnvFileError(path, f"cannot read it: {exc.strerror or exc}") from None
    return decode_env_bytes(path, data)


def decode_env_bytes(path: Path, data: bytes) -> tuple[str, bool]:
    """``data`` (the bytes of ``path``) as text without its BOM; and whether it had one."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise EnvFileError(
            path, "is UTF-16 (it starts with a UTF-16 byte-order mark); save it as UTF-8"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise EnvFileError(
            path,
            f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at column {column}, "
            f"offset {exc.start}); save the file as UTF-8",
            line=line,
        ) from None
    return text, data.startswith(b"\xef\xbb\xbf")


def translate_newlines(text: str) -> str:
    """What python-dotenv sees: ``open()`` turns ``\\r\\n`` and ``\\r`` into ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _leading_newlines(original: str) -> int:
    """Blank lines python-dotenv folds into the front of a binding's original text."""
    stripped = original.lstrip()
    return original[: len(original) - len(stripped)].count("\n")


def _excerpt(original: str) -> str:
    text = original.strip()
    return text if len(text) <= _PROBLEM_TEXT_LIMIT else text[: _PROBLEM_TEXT_LIMIT - 1] + "…"


def parse_bindings(text: str) -> list[Binding]:
    return list(parse_stream(io.StringIO(text)))


def _check_nul(path: Path, key: str, value: str | None, line: int, original: str) -> None:
    """A process environment cannot hold NUL: say where it is now, not at launch.

    ``original`` is the binding's text from its first line (``line``), so the NUL's own
    line is reported even inside a multi-line value.
    """
    if "\x00" not in key and (value is None or "\x00" not in value):
        return
    at = line + original[: max(original.find("\x00"), 0)].count("\n")
    if "\x00" in key:
        raise EnvFileError(path, f"{printable(key)}: the name contains a NUL byte", line=at)
    raise EnvFileError(path, f"{key}: value contains a NUL byte", line=at)


def dotenv_entries(path: Path, text: str) -> tuple[list[EnvEntry], list[ParseProblem]]:
    """``text`` (of ``path``, newlines translated) as python-dotenv reads it."""
    entries: list[EnvEntry] = []
    problems: list[ParseProblem] = []
    for binding in parse_bindings(text):
        lead = _leading_newlines(binding.original.string)
        line = binding.original.line + lead
        if binding.error:
            problems.append(ParseProblem(path, line, _excerpt(binding.original.string)))
        elif binding.key is not None:
            body = binding.original.string.lstrip()
            _check_nul(path, binding.key, binding.value, line, body)
            entries.append(EnvEntry(binding.key, binding.value, path, line))
    return entries, problems


def read_env_file(path: Path) -> EnvFile:
    """Parse one env file with python-dotenv, keeping line numbers and skipped lines."""
    raw, had_bom = read_text(path)
    entries, problems = dotenv_entries(path, translate_newlines(raw))
    return EnvFile(path, tuple(entries), tuple(problems), had_bom)


def plain_entries(path: Path, text: str) -> tuple[list[EnvEntry], list[ParseProblem]]:
    """``text`` (of ``path``, newlines translated) as starlette's ``Config`` reads it."""
    entries: list[EnvEntry] = []
    problems: list[ParseProblem] = []
    for number, line in enumerate(text.split("\n"), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if "=" not in line:
            problems.append(ParseProblem(path, number, _excerpt(line)))
            continue
        key, value = line.split("=", 1)
        key, value = key.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        _check_nul(path, key, value, number, line)
        entries.append(EnvEntry(key, value, path, number))
    return entries, problems


def read_plain_env_file(path: Path) -> EnvFile:
    """Read ``path`` as starlette's ``Config`` and python-decouple do: each line stripped;
    blank lines, ``#`` lines and lines without ``=`` skipped (a line without ``=`` is kept as
    a :class:`ParseProblem`); ``KEY=value`` split at the first ``=``, both sides stripped,
    one pair of matching quotes removed; inline ``# comments`` stay in the value."""
    raw, had_bom = read_text(path)
    entries, problems = plain_entries(path, translate_newlines(raw))
    return EnvFile(path, tuple(entries), tuple(problems), had_bom)
