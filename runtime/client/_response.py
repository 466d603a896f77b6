"""What came back: one response, its body capped in memory, shown as JSON, text or hex."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HEX_HEAD", "ResponseRecord", "hex_dump"]

_TEXT_TYPES = re.compile(
    r"^(text/|application/(json|xml|javascript|ecmascript|x-www-form-urlencoded|yaml|x-yaml"
    r"|graphql|problem\+json|x-ndjson)|image/svg\+xml|.*\+(json|xml)$)"
)
_CHARSET = re.compile(r"charset=\"?([\w.:-]+)", re.IGNORECASE)
HEX_HEAD = 256


@dataclass(frozen=True)
class ResponseRecord:
    """One answer. ``body`` holds at most the cap; ``body_file`` the whole body when larger."""

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
        """What the viewer must say about a truncated body, else ``None``."""
        if not self.truncated:
            return None
        where = f"; the whole body is in {self.body_file}" if self.body_file else ""
        return f"showing the first {size_text(len(self.body))} of {size_text(self.size)}{where}"


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
    return f"{count / 2**20:.1f} MB"
