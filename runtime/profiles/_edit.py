"""Edit a ``.env`` file in place without losing a byte.

Edits (:func:`set_value`, :func:`remove_key`) change only the bytes of the
targeted binding (comments, order, quoting, ``export``, CRLF endings and a BOM
stay as they were), check by re-parsing that every other binding still reads the
same, and replace the file atomically.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import stat
import tempfile
from bisect import bisect_left
from pathlib import Path

# The reader and its regexes locate a value inside its binding for in-place edits, so an
# edit agrees with python-dotenv on where a value starts and ends (tests pin this).
from dotenv.parser import (
    Binding,
    Reader,
    _equal_sign,
    _export,
    _multiline_whitespace,
    _whitespace,
    parse_key,
    parse_value,
)

from asgideck.runtime.errors import InputError
from asgideck.runtime.profiles._read import (
    BOM,
    EnvFileError,
    parse_bindings,
    read_text,
    translate_newlines,
)

__all__ = ["remove_key", "set_value"]

_UNQUOTED_OK = re.compile(r"[^\s'\"#][^\s]*")
_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def _check_key(key: str) -> None:
    if not key or re.search(r"[=#\s'\"]", key):
        raise InputError(f"{key!r} is not a valid env variable name")


def _encode(value: str, style: str) -> str:
    """Write ``value`` so python-dotenv reads it back exactly; quote only when needed.

    ``style`` is the quote the old value used ("'", '"' or ""), kept when it still fits.
    """
    if style == "'" and "\n" not in value and "\r" not in value:
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if style == "" and (value == "" or _UNQUOTED_OK.fullmatch(value)):
        return value
    return '"' + "".join(_DOUBLE_ESCAPES.get(ch, ch) for ch in value) + '"'


class _Document:
    """An env file's text plus where each python-dotenv binding sits in it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.raw, self.bom = read_text(path)
            self.exists = True
        except EnvFileError:
            if path.exists() or path.is_symlink():
                raise
            self.raw, self.bom, self.exists = "", False, False
        text = translate_newlines(self.raw)
        self.bindings = parse_bindings(text)
        # Translated offsets of the "\n" that stand for "\r\n" in the raw text.
        self._crlf = [m.start() - i for i, m in enumerate(re.finditer("\r\n", self.raw))]
        offset = len(text) - sum(len(b.original.string) for b in self.bindings)
        self.starts: list[int] = []
        for binding in self.bindings:
            self.starts.append(offset)
            offset += len(binding.original.string)

    def to_raw(self, offset: int) -> int:
        return offset + bisect_left(self._crlf, offset)

    def newline(self) -> str:
        """The file's own line ending, for a line added to it."""
        crlf, lf = self.raw.count("\r\n"), self.raw.count("\n")
        if crlf * 2 > lf:
            return "\r\n"
        return "\r" if lf == 0 and "\r" in self.raw else "\n"


def _meaning(
    bindings: list[Binding], replace: tuple[int, str] | None = None
) -> list[tuple[str | None, str | None]]:
    """What a file says, as python-dotenv reads it: its bindings and its unparsable lines."""
    index, value = replace if replace is not None else (-1, None)
    return [
        (b.key, value if i == index else b.value)
        for i, b in enumerate(bindings)
        if b.key is not None or b.error
    ]


def _value_edit(doc: _Document, index: int, value: str) -> tuple[int, int, str]:
    """Raw span of binding ``index``'s value and the text to put there."""
    binding = doc.bindings[index]
    original = binding.original.string
    reader = Reader(io.StringIO(original))
    reader.read_regex(_multiline_whitespace)
    reader.read_regex(_export)
    parse_key(reader)
    key_end = reader.position.chars
    reader.read_regex(_whitespace)
    if reader.peek(1) != "=":  # a bare `KEY`: give it a value
        start = end = key_end
        prefix, style = "=", ""
    else:
        (equal_sign,) = reader.read_regex(_equal_sign)
        start = reader.position.chars
        style = reader.peek(1) if reader.peek(1) in ("'", '"') else ""
        prefix = ""
        if len(equal_sign) > 1 and reader.peek(1) == "#":
            end = start
        else:
            parse_value(reader)
            # An unquoted value runs to the end of the line; its comment is not part of it.
            end = reader.position.chars if style else start + len(binding.value or "")
    encoded = prefix + _encode(value, style)
    if original[end : end + 1] == "#":
        encoded += " "
    base = doc.starts[index]
    return doc.to_raw(base + start), doc.to_raw(base + end), encoded


def _line_span(doc: _Document, index: int) -> tuple[int, int]:
    """Raw span of binding ``index`` without the blank lines python-dotenv folds into it."""
    original = doc.bindings[index].original.string
    lead = original[: len(original) - len(original.lstrip())]
    base = doc.starts[index]
    return doc.to_raw(base + lead.rfind("\n") + 1), doc.to_raw(base + len(original))


def _apply(doc: _Document, edits: list[tuple[int, int, str]]) -> str:
    """``doc.raw`` with non-overlapping ``(start, end, replacement)`` edits, in one pass."""
    pieces: list[str] = []
    cursor = 0
    for start, end, replacement in sorted(edits):
        pieces += [doc.raw[cursor:start], replacement]
        cursor = end
    pieces.append(doc.raw[cursor:])
    return "".join(pieces)


def _write_checked(
    doc: _Document, text: str, expected: list[tuple[str | None, str | None]], key: str
) -> None:
    if _meaning(parse_bindings(translate_newlines(text))) != expected:
        hint = " (fix its unparsable lines first)" if any(b.error for b in doc.bindings) else ""
        raise EnvFileError(
            doc.path, f"left unchanged: writing {key} there would change how it reads{hint}"
        )
    _write_atomic(doc.path, ((BOM if doc.bom else "") + text).encode("utf-8"), doc.exists)


def _write_atomic(path: Path, data: bytes, existed: bool) -> None:
    """Write beside the file, fsync, keep its mode (and owner), then replace in one step."""
    tmp: Path | None = None
    try:
        old = path.stat() if existed else None
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        tmp = Path(tmp_name)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if old is not None:
            os.chmod(tmp, stat.S_IMODE(old.st_mode))
            if hasattr(os, "chown"):
                with contextlib.suppress(OSError):
                    os.chown(tmp, old.st_uid, old.st_gid)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
        raise EnvFileError(path, f"cannot write it: {exc.strerror or exc}") from None
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def _edit_path(path: Path) -> Path:
    """Edit the file a symlink points to rather than replacing the link with a copy."""
    return path.resolve() if path.is_symlink() else path


def set_value(path: Path, key: str, value: str) -> None:
    """Set ``key`` to ``value`` in ``path``: the last binding of ``key`` is changed in place,
    else ``KEY=value`` is appended.

    python-dotenv reads back exactly ``value`` (before interpolation: ``$`` cannot be
    escaped in a .env file, so ``${X}`` in a value is interpolated when read). A file
    that does not exist yet is created with mode 0600, since env files hold secrets.
    """
    _check_key(key)
    doc = _Document(_edit_path(path))
    indexes = [i for i, b in enumerate(doc.bindings) if b.key == key]
    if indexes:
        edit = _value_edit(doc, indexes[-1], value)
        expected = _meaning(doc.bindings, replace=(indexes[-1], value))
    else:
        newline = doc.newline()
        gap = newline if doc.raw and not doc.raw.endswith(("\n", "\r")) else ""
        end = len(doc.raw)
        edit = (end, end, f"{gap}{key}={_encode(value, '')}{newline}")
        expected = [*_meaning(doc.bindings), (key, value)]
    _write_checked(doc, _apply(doc, [edit]), expected, key)


def remove_key(path: Path, key: str) -> None:
    """Remove every binding of ``key`` from ``path`` (comments and other lines stay)."""
    doc = _Document(_edit_path(path))
    if not doc.exists:
        raise EnvFileError(doc.path, "no such file")
    indexes = [i for i, b in enumerate(doc.bindings) if b.key == key]
    if not indexes:
        raise EnvFileError(doc.path, f"has no {key}")
    edits = [(*_line_span(doc, i), "") for i in indexes]
    expected = [pair for pair in _meaning(doc.bindings) if pair[0] != key]
    _write_checked(doc, _apply(doc, edits), expected, key)
