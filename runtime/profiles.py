"""A project's ``.env`` profiles: read, layer, diff and edit them without losing a byte.

The rule: profile ``NAME`` is ``.env`` with ``.env.NAME`` layered on top; a
later binding wins (a later file over an earlier one, a later line over an
earlier line), exactly as if the files were concatenated. A project without
any ``.env.NAME`` but with a ``.env`` has one profile, ``default`` (``.env``
alone). ``.env.example``, ``.env.sample``, ``.env.template`` and ``.env.dist``
(also ``.env.NAME.example`` …) are templates, never profiles.

Files are parsed by python-dotenv's own parser, so a value here is the value
``dotenv_values`` gives, including ``${VAR}`` / ``${VAR:-default}``
interpolation (python-dotenv interpolates single-quoted values too). One
deliberate difference: a variable resolves against the profile only (earlier
lines and lower layers), never against the shell environment of whoever runs
asgideck, so a profile is exactly what its files say. A bare ``KEY`` (no
``=``) has no value: it hides a lower layer's value and is left out of
:meth:`Profile.environ`. Lines python-dotenv
silently skips are kept as :class:`ParseProblem` (``file:line: cannot parse …``).

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
from collections.abc import Iterable
from dataclasses import dataclass
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
    parse_stream,
    parse_value,
)
from dotenv.variables import parse_variables

from runtime.secrets import is_secret_key, mask_value

__all__ = [
    "MAX_FILE_BYTES",
    "TEMPLATE_NAMES",
    "EnvEntry",
    "EnvFile",
    "EnvFileError",
    "ParseProblem",
    "Profile",
    "ProfileDiff",
    "Variable",
    "diff_profiles",
    "edit_target",
    "example_file",
    "example_keys",
    "list_profiles",
    "load_profile",
    "missing_from_example",
    "profile_files",
    "read_env_file",
    "remove_key",
    "set_value",
]

TEMPLATE_NAMES = ("example", "sample", "template", "dist")
DEFAULT_PROFILE = "default"
MAX_FILE_BYTES = 8 * 1024 * 1024
_BACKUP_SUFFIXES = ("bak", "orig", "old", "save", "swp", "tmp", "rej")
_FIRST_PROFILES = ("development", "dev")
_PROBLEM_TEXT_LIMIT = 60
_BOM = "\ufeff"


class EnvFileError(Exception):
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


@dataclass(frozen=True)
class Variable:
    """A key's effective (interpolated) value, where it comes from and what it hides."""

    key: str
    value: str | None
    origin: EnvEntry
    overrides: tuple[EnvEntry, ...]

    @property
    def raw(self) -> str | None:
        """The value as written in its file, before interpolation."""
        return self.origin.value

    @property
    def secret(self) -> bool:
        return is_secret_key(self.key)

    @property
    def masked(self) -> str:
        return mask_value(self.key, self.value)


@dataclass(frozen=True)
class Profile:
    name: str
    root: Path
    files: tuple[Path, ...]
    variables: dict[str, Variable]
    problems: tuple[ParseProblem, ...]

    @property
    def own_file(self) -> Path:
        """The file that belongs to this profile alone (where new keys go)."""
        return _profile_path(self.root, self.name)

    def environ(self) -> dict[str, str]:
        """The environment this profile gives a process (keys without a value left out)."""
        return {k: v.value for k, v in self.variables.items() if v.value is not None}


@dataclass(frozen=True)
class ProfileDiff:
    a: str
    b: str
    only_a: tuple[str, ...]
    only_b: tuple[str, ...]
    different: tuple[str, ...]
    same: tuple[str, ...]


# --- reading ---------------------------------------------------------------------------


def _read_text(path: Path) -> tuple[str, bool]:
    """The file's text with newlines untouched and the BOM removed; and whether it had one."""
    try:
        st = path.stat()
        if stat.S_ISDIR(st.st_mode):
            raise EnvFileError(path, "is a directory, not an env file")
        if not stat.S_ISREG(st.st_mode):
            raise EnvFileError(path, "is not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise EnvFileError(
                path, f"is {st.st_size} bytes, too big for an env file (limit {MAX_FILE_BYTES})"
            )
        data = path.read_bytes()
    except FileNotFoundError:
        raise EnvFileError(path, "no such file") from None
    except PermissionError:
        raise EnvFileError(path, "cannot read it: permission denied") from None
    except OSError as exc:
        raise EnvFileError(path, f"cannot read it: {exc.strerror or exc}") from None
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


def _translate_newlines(text: str) -> str:
    """What python-dotenv sees: ``open()`` turns ``\\r\\n`` and ``\\r`` into ``\\n``."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _leading_newlines(original: str) -> int:
    """Blank lines python-dotenv folds into the front of a binding's original text."""
    stripped = original.lstrip()
    return original[: len(original) - len(stripped)].count("\n")


def _excerpt(original: str) -> str:
    text = original.strip()
    return text if len(text) <= _PROBLEM_TEXT_LIMIT else text[: _PROBLEM_TEXT_LIMIT - 1] + "…"


def _bindings(text: str) -> list[Binding]:
    return list(parse_stream(io.StringIO(text)))


def read_env_file(path: Path) -> EnvFile:
    """Parse one env file with python-dotenv, keeping line numbers and skipped lines."""
    raw, had_bom = _read_text(path)
    entries: list[EnvEntry] = []
    problems: list[ParseProblem] = []
    for binding in _bindings(_translate_newlines(raw)):
        line = binding.original.line + _leading_newlines(binding.original.string)
        if binding.error:
            problems.append(ParseProblem(path, line, _excerpt(binding.original.string)))
        elif binding.key is not None:
            entries.append(EnvEntry(binding.key, binding.value, path, line))
    return EnvFile(path, tuple(entries), tuple(problems), had_bom)


# --- profiles --------------------------------------------------------------------------


def _profile_path(root: Path, name: str) -> Path:
    return root / ".env" if name == DEFAULT_PROFILE else root / f".env.{name}"


def _is_profile_name(name: str) -> bool:
    if not name or name.endswith("~"):
        return False
    parts = name.lower().split(".")
    return not (set(parts) & set(TEMPLATE_NAMES)) and parts[-1] not in _BACKUP_SUFFIXES


def _profile_order(name: str) -> tuple[int, str]:
    rank = _FIRST_PROFILES.index(name) if name in _FIRST_PROFILES else len(_FIRST_PROFILES)
    return rank, name


def list_profiles(root: Path) -> list[str]:
    """Profile names from ``.env.NAME`` files; ``["default"]`` when there is only ``.env``."""
    try:
        children = list(root.iterdir())
    except OSError:
        return []
    names = [
        child.name[len(".env.") :]
        for child in children
        if child.name.startswith(".env.")
        and _is_profile_name(child.name[len(".env.") :])
        and _present(child)
    ]
    if not names and _present(root / ".env"):
        return [DEFAULT_PROFILE]
    return sorted(names, key=_profile_order)


def profile_files(root: Path, name: str) -> list[Path]:
    """The layers of profile ``name`` that exist, lowest first."""
    layers = [root / ".env"] if name == DEFAULT_PROFILE else [root / ".env", root / f".env.{name}"]
    return [path for path in layers if _present(path)]


def _present(path: Path) -> bool:
    """An env file is there: a file, a dangling link or a FIFO is reported by read_env_file
    rather than left out; a directory (often a virtualenv called `.env`) never is one."""
    return not path.is_dir() and (path.exists() or path.is_symlink())


def _layer(files: Iterable[EnvFile]) -> dict[str, Variable]:
    resolved: dict[str, str | None] = {}
    variables: dict[str, Variable] = {}
    for env_file in files:
        for entry in env_file.entries:
            value = entry.value
            if value is not None:
                # Resolve before binding the key: `A=${A}` refers to the earlier A.
                value = "".join(atom.resolve(resolved) for atom in parse_variables(value))
            resolved[entry.key] = value
            earlier = variables.get(entry.key)
            hidden = () if earlier is None else (*earlier.overrides, earlier.origin)
            variables[entry.key] = Variable(entry.key, value, entry, hidden)
    return variables


def load_profile(root: Path, name: str) -> Profile:
    """Read and layer profile ``name`` of the project at ``root``."""
    own = _profile_path(root, name)
    if not _is_profile_name(name) or "/" in name or os.sep in name or not _present(own):
        known = list_profiles(root)
        listed = ", ".join(known) if known else "none: no .env or .env.NAME files"
        if name in TEMPLATE_NAMES:
            raise EnvFileError(own, f"is a template, not a profile (known profiles: {listed})")
        raise EnvFileError(own, f"no profile {name!r} here (known profiles: {listed})")
    files = [read_env_file(path) for path in profile_files(root, name)]
    return Profile(
        name=name,
        root=root,
        files=tuple(f.path for f in files),
        variables=_layer(files),
        problems=tuple(p for f in files for p in f.problems),
    )


def diff_profiles(a: Profile, b: Profile) -> ProfileDiff:
    """Keys only in A, only in B, and in both with different or equal effective values."""
    only_a = tuple(k for k in a.variables if k not in b.variables)
    only_b = tuple(k for k in b.variables if k not in a.variables)
    shared = [k for k in a.variables if k in b.variables]
    different = tuple(k for k in shared if a.variables[k].value != b.variables[k].value)
    same = tuple(k for k in shared if a.variables[k].value == b.variables[k].value)
    return ProfileDiff(a.name, b.name, only_a, only_b, different, same)


def example_file(root: Path) -> Path | None:
    """The project's template (``.env.example``, ``.env.sample``, …), if it has one."""
    for name in TEMPLATE_NAMES:
        path = root / f".env.{name}"
        if path.is_file():
            return path
    return None


def example_keys(root: Path) -> list[str]:
    """Keys the template declares, in file order; [] without a template."""
    path = example_file(root)
    if path is None:
        return []
    return list(dict.fromkeys(entry.key for entry in read_env_file(path).entries))


def missing_from_example(root: Path, profile: Profile) -> list[str]:
    """Template keys the profile does not give a value."""
    environ = profile.environ()
    return [key for key in example_keys(root) if key not in environ]


def edit_target(profile: Profile, key: str) -> Path:
    """Where an edit of ``key`` belongs: the file its effective value comes from, else
    the profile's own file."""
    variable = profile.variables.get(key)
    return variable.origin.file if variable is not None else profile.own_file


# --- editing ---------------------------------------------------------------------------

_UNQUOTED_OK = re.compile(r"[^\s'\"#][^\s]*")
_DOUBLE_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r"}


def _check_key(key: str) -> None:
    if not key or re.search(r"[=#\s'\"]", key):
        raise ValueError(f"{key!r} is not a valid env variable name")


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
            self.raw, self.bom = _read_text(path)
            self.exists = True
        except EnvFileError:
            if path.exists() or path.is_symlink():
                raise
            self.raw, self.bom, self.exists = "", False, False
        text = _translate_newlines(self.raw)
        self.bindings = _bindings(text)
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
    if _meaning(_bindings(_translate_newlines(text))) != expected:
        hint = " (fix its unparsable lines first)" if any(b.error for b in doc.bindings) else ""
        raise EnvFileError(
            doc.path, f"left unchanged: writing {key} there would change how it reads{hint}"
        )
    _write_atomic(doc.path, ((_BOM if doc.bom else "") + text).encode("utf-8"), doc.exists)


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
