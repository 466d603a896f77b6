"""Edit a ``.env`` file in place without losing a byte, or another program's write.

Edits (:func:`set_value`, :func:`remove_key`) change only the bytes of the
targeted binding (comments, order, quoting, ``export``, CRLF endings and a BOM
stay as they were), check by re-parsing that every other binding still reads the
same, and replace the file atomically.

They are optimistic about other writers (an editor, a second asgideck): the edit
starts from the file once nobody is mid-save (``_disk.settled``), and the replace
happens only if a last re-read finds the file as it was. If it changed meanwhile,
the edit is made again on the new text when the targeted binding still reads as it
did; otherwise it is refused with :class:`EditConflict`, which shows both values
(masked for a secret). What is left is a writer that saves in the microseconds
between that last re-read and the rename: its save is lost (see ``_disk``).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from bisect import bisect_left
from collections.abc import Callable
from enum import Enum
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
from asgideck.runtime.profiles._disk import (
    Seen,
    Snapshot,
    edit_turn,
    replace_if_unchanged,
    settled,
)
from asgideck.runtime.profiles._read import (
    BOM,
    EnvFileError,
    decode_env_bytes,
    parse_bindings,
    plain_entries,
    translate_newlines,
)
from asgideck.runtime.profiles._sources import DOTENV
from asgideck.runtime.secrets import mask_value
from asgideck.runtime.terminal import printable

__all__ = ["MAX_ENV_ENTRY_BYTES", "EditConflict", "Expect", "remove_key", "set_value"]

#: The most one variable may take in a process environment: ``KEY=value`` and its NUL
#: terminator (Linux's ``MAX_ARG_STRLEN``); a longer value could never reach the app.
MAX_ENV_ENTRY_BYTES = 128 * 1024
_RACES = 5  # lost races before an edit holds the folder's edit turn for its retries
_MAX_ATTEMPTS = 15  # tries in all while other programs keep saving between read and replace


class Expect(Enum):
    """What an edit may assume about the binding beyond the file as read by the edit."""

    ANY = "any"  #: nothing: only a change during this call is a conflict
    ABSENT = "absent"  #: the key was not in the file


class EditConflict(EnvFileError):
    """The binding an edit targets changed on disk since it was read; nothing was written.

    ``theirs`` is the value on disk now (:attr:`Expect.ABSENT` when the key is gone).
    """

    def __init__(
        self,
        path: Path,
        key: str,
        theirs: str | Expect | None,
        outcome: str,
        *,
        reason: str | None = None,
    ) -> None:
        self.key = key
        self.theirs = theirs
        super().__init__(
            path,
            reason
            or f"{key} changed on disk meanwhile (now {_shown(key, theirs)}); {outcome}; "
            "reload the file and edit again",
        )


def _shown(key: str, value: str | Expect | None) -> str:
    """A value for a one-line message: masked when secret, controls made visible."""
    if value is Expect.ABSENT:
        return "not set"
    if value is None or isinstance(value, Expect):
        return "set with no value"
    text = printable(mask_value(key, value)).replace("\n", "\\n").replace("\t", "\\t")
    return "'" + text.replace("'", "\\'") + "'"


_UNQUOTED_OK = re.compile(r"[^\s'\"#][^\s]*")
_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def _check_key(key: str) -> None:
    if not key or re.search(r"[=#\s'\"\x00]", key):
        raise InputError(f"{key!r} is not a valid env variable name")


def _check_value(path: Path, key: str, value: str) -> None:
    """Refuse a value no process environment (or UTF-8 file) can hold, naming the key."""
    if "\x00" in value:
        raise EnvFileError(
            path, f"{key}: value contains a NUL byte, which no process environment can hold"
        )
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise EnvFileError(
            path, f"{key}: value is not valid text (a lone surrogate at character {exc.start})"
        ) from None
    room = MAX_ENV_ENTRY_BYTES - len(key.encode("utf-8")) - 2  # "=" and the NUL terminator
    if size > room:
        raise EnvFileError(
            path,
            f"{key}: value is {size} bytes; a process environment holds at most {room} "
            f"for {key} (128 KiB per variable)",
        )


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
    """An env file's text (one :class:`Snapshot` of it) plus where each python-dotenv
    binding sits in it."""

    def __init__(self, path: Path, snap: Snapshot | None) -> None:
        self.path = path
        self.snap = snap
        self.exists = snap is not None
        self.raw, self.bom = decode_env_bytes(path, snap.data) if snap is not None else ("", False)
        text = translate_newlines(self.raw)
        self.bindings = parse_bindings(text)
        # Translated offsets of the "\n" that stand for "\r\n" in the raw text.
        self._crlf = [m.start() - i for i, m in enumerate(re.finditer("\r\n", self.raw))]
        offset = len(text) - sum(len(b.original.string) for b in self.bindings)
        self.starts: list[int] = []
        for binding in self.bindings:
            self.starts.append(offset)
            offset += len(binding.original.string)

    def value(self, key: str) -> str | Expect | None:
        """``key``'s value as python-dotenv reads it (the last binding wins)."""
        values = self.values(key)
        return values[-1] if values else Expect.ABSENT

    def values(self, key: str) -> tuple[str | None, ...]:
        return tuple(b.value for b in self.bindings if b.key == key)

    def plain_value(self, key: str) -> str | Expect | None:
        """``key``'s value as starlette's ``Config`` reads it."""
        entries, _problems = plain_entries(self.path, translate_newlines(self.raw))
        found = [e.value for e in entries if e.key == key]
        return found[-1] if found else Expect.ABSENT

    def encode(self, text: str) -> bytes:
        return ((BOM if self.bom else "") + text).encode("utf-8")

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


def _checked(
    doc: _Document, text: str, expected: list[tuple[str | None, str | None]], key: str
) -> str:
    if _meaning(parse_bindings(translate_newlines(text))) != expected:
        hint = " (fix its unparsable lines first)" if any(b.error for b in doc.bindings) else ""
        raise EnvFileError(
            doc.path, f"left unchanged: writing {key} there would change how it reads{hint}"
        )
    return text


def _edit_path(path: Path) -> Path:
    """Edit the file a symlink points to rather than replacing the link with a copy."""
    return path.resolve() if path.is_symlink() else path


def _check_writable(path: Path, snap: Snapshot | None) -> None:
    """Refuse to edit a file its owner made read-only: the edit replaces the file by a
    rename, which the folder's permission allows even when the file's does not.

    The mode bits decide, not ``os.access``: root may write anything, yet a 0444 file
    says "do not change me" to root too.
    """
    if snap is None:
        return
    if not snap.mode & 0o222 or not os.access(path, os.W_OK):
        raise EnvFileError(path, f"read-only (mode {snap.mode:04o}); not changed")


def _check_not_emptied(
    path: Path, key: str, snap: Snapshot | None, loaded: Seen | None, outcome: str
) -> None:
    """Refuse an edit of a file that had content when the caller loaded it and is empty
    (or gone) now: whatever emptied it, the user never saw that, and the edit would
    make the lost lines final."""
    if loaded is None or not loaded.size or (snap is not None and snap.data):
        return
    state = "empty" if snap is not None else "gone"
    lines = f"{loaded.lines} line" + ("" if loaded.lines == 1 else "s")
    raise EditConflict(
        path,
        key,
        Expect.ABSENT,
        outcome,
        reason=f"is {state} now; it had {lines} when loaded; {key}: {outcome}; reload",
    )


def _apply_edit(
    path: Path,
    key: str,
    plan: Callable[[_Document], str | None],
    state: Callable[[_Document], object],
    outcome: str,
    check: Callable[[_Document], None] = lambda doc: None,
    loaded: Seen | None = None,
) -> None:
    """Read ``path`` once settled, ``check`` it, write ``plan(doc)`` (``None``: the file
    already says what the edit wants) if the file is still as read; when it is not,
    plan again on the new text as long as ``state(doc)`` (the targeted binding) reads
    as at first, else raise :class:`EditConflict`. ``loaded``: the file as the caller
    read it; emptied since, the edit is refused."""
    base = settled(path)
    _check_not_emptied(path, key, base, loaded, outcome)
    _check_writable(path, base)
    doc = _Document(path, base)
    check(doc)
    first = state(doc)
    with contextlib.ExitStack() as turn:
        for attempt in range(_MAX_ATTEMPTS):
            if attempt:  # the file changed meanwhile
                if attempt == _RACES:
                    # Another asgideck writer keeps winning: take turns, so it waits for us.
                    turn.enter_context(edit_turn(path.parent))
                base = settled(path, base=base)  # maybe someone is mid-save: wait it out
                _check_not_emptied(path, key, base, loaded, outcome)
                doc = _Document(path, base)
            text = plan(doc)
            if state(doc) != first and text is not None:
                raise EditConflict(path, key, doc.value(key), outcome)
            have_turn = attempt >= _RACES
            if text is None or replace_if_unchanged(
                path, doc.encode(text), base, have_turn=have_turn
            ):
                return
    raise EnvFileError(
        path, f"kept being saved by another program while {key} was written; left unchanged"
    )


def set_value(
    path: Path,
    key: str,
    value: str,
    *,
    expected: str | Expect | None = Expect.ANY,
    dialect: str = DOTENV,
    loaded: Seen | None = None,
) -> None:
    """Set ``key`` to ``value`` in ``path``: the last binding of ``key`` is changed in place,
    else ``KEY=value`` is appended.

    python-dotenv reads back exactly ``value`` (before interpolation: ``$`` cannot be
    escaped in a .env file, so ``${X}`` in a value is interpolated when read). A file
    that does not exist yet is created with mode 0600, since env files hold secrets.

    ``expected`` is the value the caller saw (e.g. in a table the user edited, read the
    ``dialect`` way: ``"dotenv"`` or ``"plain"``); if the file no longer says that, the
    edit is refused with :class:`EditConflict` rather than overwrite a change the user
    never saw. ``loaded`` is the file as the caller read it (:func:`seen`): a file that
    had lines then and is empty or gone now is refused the same way ("is empty now; it
    had N lines when loaded"). A read-only file (no write bit) is refused, never
    replaced. A value a process environment cannot hold (a NUL byte, more than 128 KiB)
    is refused naming the key.
    """
    _check_key(key)
    target = _edit_path(path)
    _check_value(target, key, value)

    def plan(doc: _Document) -> str | None:
        if doc.value(key) == value:
            return None
        indexes = [i for i, b in enumerate(doc.bindings) if b.key == key]
        if indexes:
            edit = _value_edit(doc, indexes[-1], value)
            expected_meaning = _meaning(doc.bindings, replace=(indexes[-1], value))
        else:
            newline = doc.newline()
            gap = newline if doc.raw and not doc.raw.endswith(("\n", "\r")) else ""
            end = len(doc.raw)
            edit = (end, end, f"{gap}{key}={_encode(value, '')}{newline}")
            expected_meaning = [*_meaning(doc.bindings), (key, value)]
        return _checked(doc, _apply(doc, [edit]), expected_meaning, key)

    def check(doc: _Document) -> None:
        if expected is Expect.ANY or doc.value(key) == value:
            return
        seen = doc.plain_value(key) if dialect != DOTENV else doc.value(key)
        if seen != expected:
            raise EditConflict(target, key, seen, f"{_shown(key, value)} was not written")

    outcome = f"{_shown(key, value)} was not written"
    _apply_edit(target, key, plan, lambda doc: doc.value(key), outcome, check, loaded)


def remove_key(
    path: Path,
    key: str,
    *,
    expected: str | Expect | None = Expect.ANY,
    dialect: str = DOTENV,
    loaded: Seen | None = None,
) -> None:
    """Remove every binding of ``key`` from ``path`` (comments and other lines stay).

    ``expected`` is the value the caller saw (read the ``dialect`` way), e.g. the value an
    undo takes back: if the file says something else now, the removal is refused with
    :class:`EditConflict`; so is a file emptied since ``loaded`` (as in :func:`set_value`).
    """
    target = _edit_path(path)

    def check(doc: _Document) -> None:
        if not doc.exists:
            raise EnvFileError(doc.path, "no such file")
        if not doc.values(key):
            raise EnvFileError(doc.path, f"has no {key}")
        if expected is Expect.ANY:
            return
        seen = doc.plain_value(key) if dialect != DOTENV else doc.value(key)
        if seen != expected:
            raise EditConflict(target, key, seen, "it was not removed")

    def plan(doc: _Document) -> str | None:
        indexes = [i for i, b in enumerate(doc.bindings) if b.key == key]
        if not indexes:
            return None
        edits = [(*_line_span(doc, i), "") for i in indexes]
        expected_meaning = [pair for pair in _meaning(doc.bindings) if pair[0] != key]
        return _checked(doc, _apply(doc, edits), expected_meaning, key)

    outcome = "it was not removed"
    _apply_edit(target, key, plan, lambda doc: doc.values(key), outcome, check, loaded)
