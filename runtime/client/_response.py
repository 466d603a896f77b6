"""What came back: one response, its body capped in memory, shown as JSON, text or hex."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HEX_HEAD", "ResponseRecord", "hex_dump", "parse_size", "size_text"]

_TEXT_TYPES = re.compile(
    r"^(text/|application/(json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml"
    r"|graphql|problem\+json|x-ndjson)|image/svg\+xml|.*\+(json|xml)$)"
)
_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.IGNORECASE)
HEX_HEAD = 256


@dataclass(frozen=True)
class ResponseRecord:
    """One answer. ``body`` holds at most the in-memory cap; ``body_file`` the whole kept body
    when larger (``truncated``). ``cut``: the server sent more than the sender keeps
    (its ``max_body``), so reading stopped there and ``size`` is that limit."""

    status: int
    reason: str
    http_version: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    body_file: Path | None
    size: int
    truncated: bool
    content_type: str
    elapsed_s: float
    ttfb_s: float
    url: str
    cut: bool = False

    @property
    def mime(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def is_image(self) -> bool:
        return self.mime.startswith("image/")

    @property
    def is_json(self) -> bool:
        return self.mime == "application/json" or self.mime.endswith("+json")

    @property
    def is_binary(self) -> bool:
        if self.mime:
            return not _TEXT_TYPES.match(self.mime)
        head = self.body[:1024]
        if b"\x00" in head:
            return True
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            return exc.start < len(head) - 4  # a cut multi-byte char at the end is fine
        return False

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def text(self) -> str:
        found = _CHARSET.search(self.content_type)
        encoding = found.group(1) if found else "utf-8"
        try:
            return self.body.decode(encoding, errors="replace")
        except LookupError:
            return self.body.decode("utf-8", errors="replace")

    def pretty(self) -> str:
        """JSON indented, text as is, binary as ``<N bytes of TYPE>`` and a hex head."""
        if self.is_binary:
            kind = self.mime or "unknown type"
            return f"<{self.size} bytes of {kind}>\n" + hex_dump(self.body[:HEX_HEAD])
        text = self.text()
        if self.is_json and not self.truncated:
            try:
                return json.dumps(json.loads(text), indent=2, ensure_ascii=False)
            except ValueError:
                return text
        return text

    def notice(self) -> str | None:
        """What the viewer must say about a truncated or cut body, else ``None``."""
        parts = []
        if self.truncated:
            where = f"; the whole body is in {self.body_file}" if self.body_file else ""
            parts.append(
                f"showing the first {size_text(len(self.body))} of {size_text(self.size)}{where}"
            )
        if self.cut:
            parts.append(self.cut_notice())
        return "; ".join(parts) or None

    def cut_notice(self) -> str:
        """The sentence for a body cut at the sender's limit."""
        return (
            f"the body was cut at {size_text(self.size)}: the server sent more, "
            "and that is the most asgideck keeps of one body"
        )


def hex_dump(data: bytes) -> str:
    """``00000000  89 50 4e 47 ...  |.PNG....|`` lines, 16 bytes each."""
    lines = []
    for offset in range(0, len(data), 16):
        row = data[offset : offset + 16]
        hexes = " ".join(f"{byte:02x}" for byte in row)
        chars = "".join(chr(byte) if 32 <= byte < 127 else "." for byte in row)
        lines.append(f"{offset:08x}  {hexes:<47}  |{chars}|")
    return "\n".join(lines)


def size_text(count: int) -> str:
    """``count`` bytes as a person reads them: ``512 B``, ``1.5 KB``, ``3.2 MB``."""
    if count < 1024:
        return f"{count} B"
    if count < 2**20:
        return f"{count / 1024:.1f} KB"
    if count < 2**30:
        return f"{count / 2**20:.1f} MB"
    return f"{count / 2**30:.1f} GB"


_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*$", re.IGNORECASE)
_UNITS = {"": 1, "k": 2**10, "m": 2**20, "g": 2**30, "t": 2**40}


def parse_size(text: str) -> int:
    """``"1G"``, ``"512 MB"``, ``"64KiB"`` or ``"1000"`` as bytes (units are powers of 1024,
    as :func:`size_text` shows them); ValueError with the reason when it is no positive size."""
    found = _SIZE.match(text)
    if not found:
        raise ValueError(f"{text!r} is not a size (e.g. 1000, 64K, 512M, 1G)")
    count = int(float(found.group(1)) * _UNITS[found.group(2).lower()])
    if count <= 0:
        raise ValueError(f"{text!r} is not a positive size")
    return count
