"""The mail catcher's store: one folder of caught messages, written by the catcher
process and read (and pruned) by the GUI and the CLI.

Each message is two files named after when it arrived, ``<time_ns>-<uuid>.eml`` (the
bytes as received) and ``<same>.json`` (the SMTP envelope: who sent it to whom, which
the headers need not say: Bcc). Both are written to a temporary name inside the store
and renamed into place (``os.replace``), the envelope first, so a reader that sees an
``.eml`` always sees a whole message and its envelope. Only ``.eml`` names count as
messages; a stray temporary file is never shown.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import threading
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

__all__ = [
    "MAX_MESSAGES",
    "MAX_MESSAGE_BYTES",
    "Attachment",
    "CaughtMail",
    "Mailbox",
]

#: the store keeps this many messages; the oldest go first
MAX_MESSAGES = 1000
#: the catcher refuses a bigger message (SMTP 552) rather than filling the disk
MAX_MESSAGE_BYTES = 10 * 1024 * 1024

_ID = re.compile(r"^(\d{1,20})-[0-9a-f]{32}$")
_TEMP_PREFIX = ".incoming-"


@dataclass(frozen=True)
class Attachment:
    """One attachment of a caught message: what the list shows (the bytes stay on disk)."""

    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class CaughtMail:
    """One caught message, parsed once: the envelope, the headers that matter, and the
    text and HTML bodies the message carries ("" when it has none)."""

    id: str
    sender: str
    recipients: tuple[str, ...]
    subject: str
    received_at: datetime
    text: str = field(default="", repr=False)
    html: str = field(default="", repr=False)
    attachments: tuple[Attachment, ...] = ()
    #: the ``.eml`` file (open it in a mail program, or save it)
    path: Path | None = None


class Mailbox:
    """The messages in one store folder, newest first. Thread-safe; every method does
    file I/O (call it off the GUI thread). Parsed messages are cached by id (a stored
    message never changes), so polling a big store costs one directory listing."""

    def __init__(self, store: Path) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._cache: dict[str, CaughtMail] = {}

    def __repr__(self) -> str:
        return f"Mailbox({str(self.store)!r})"

    # ------------------------------------------------------------------ reading
    def ids(self) -> list[str]:
        """The stored messages' ids, newest first."""
        try:
            names = [entry.name for entry in os.scandir(self.store)]
        except FileNotFoundError:
            return []
        ids = [name[:-4] for name in names if name.endswith(".eml") and _ID.match(name[:-4])]
        ids.sort(key=_sort_key, reverse=True)
        return ids

    def messages(self) -> list[CaughtMail]:
        """Every stored message, newest first (one that vanished meanwhile is left out)."""
        with self._lock:
            ids = self.ids()
            wanted = set(ids)
            for gone in [known for known in self._cache if known not in wanted]:
                del self._cache[gone]
            found: list[CaughtMail] = []
            for mail_id in ids:
                mail = self._cache.get(mail_id)
                if mail is None:
                    mail = self._read(mail_id)
                    if mail is None:
                        continue
                    self._cache[mail_id] = mail
                found.append(mail)
            return found

    def get(self, mail_id: str) -> CaughtMail | None:
        """One message by id, or None when it is not (or no longer) stored."""
        if not _ID.match(mail_id):
            return None
        with self._lock:
            mail = self._cache.get(mail_id) or self._read(mail_id)
            if mail is not None:
                self._cache[mail_id] = mail
            return mail

    def _read(self, mail_id: str) -> CaughtMail | None:
        eml = self.store / f"{mail_id}.eml"
        try:
            raw = eml.read_bytes()
        except FileNotFoundError:
            return None
        envelope = _read_envelope(self.store / f"{mail_id}.json")
        return parse_mail(mail_id, raw, envelope, path=eml)

    # ------------------------------------------------------------------ writing
    def keep(self, raw: bytes, sender: str, recipients: Sequence[str]) -> str:
        """Store one message (the catcher calls this) and drop the oldest past
        :data:`MAX_MESSAGES`; returns its id. Owner-only (folder 0700, files 0600): a
        caught mail holds reset links, and the catcher may run as root."""
        self.store.mkdir(mode=0o700, parents=True, exist_ok=True)
        now = time.time_ns()
        mail_id = f"{now}-{uuid.uuid4().hex}"
        envelope = {
            "sender": sender,
            "recipients": list(recipients),
            "received_at": datetime.fromtimestamp(now / 1e9, UTC).isoformat(),
            "size": len(raw),
        }
        _write_atomic(self.store, f"{mail_id}.json", json.dumps(envelope).encode())
        _write_atomic(self.store, f"{mail_id}.eml", raw)
        self.trim(MAX_MESSAGES)
        return mail_id

    def trim(self, keep: int) -> int:
        """Remove all but the newest ``keep`` messages; returns how many went."""
        old = self.ids()[keep:]
        for mail_id in old:
            self._remove(mail_id)
        return len(old)

    def delete(self, mail_id: str) -> bool:
        """Remove one message; False when it was not there (or ``mail_id`` is no id)."""
        if not _ID.match(mail_id):
            return False
        existed = (self.store / f"{mail_id}.eml").exists()
        self._remove(mail_id)
        return existed

    def clear(self) -> int:
        """Remove every message (and any leftover temporary file); returns how many."""
        ids = self.ids()
        for mail_id in ids:
            self._remove(mail_id)
        with contextlib.suppress(FileNotFoundError):
            for entry in os.scandir(self.store):
                if entry.name.startswith(_TEMP_PREFIX):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
        return len(ids)

    def _remove(self, mail_id: str) -> None:
        # the .eml first: a reader never sees a message without its envelope
        for suffix in (".eml", ".json"):
            with contextlib.suppress(FileNotFoundError):
                (self.store / f"{mail_id}{suffix}").unlink()
        with self._lock:
            self._cache.pop(mail_id, None)


def _sort_key(mail_id: str) -> tuple[int, str]:
    stamp, _, rest = mail_id.partition("-")
    return int(stamp), rest


def _write_atomic(store: Path, name: str, data: bytes) -> None:
    temp = store / f"{_TEMP_PREFIX}{uuid.uuid4().hex}"
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with open(fd, "wb") as out:
            out.write(data)
        os.replace(temp, store / name)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise


def _read_envelope(path: Path) -> dict[str, Any]:
    try:
        loaded = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return {}
    return loaded if isinstance(loaded, dict) else {}


def parse_mail(
    mail_id: str, raw: bytes, envelope: dict[str, Any], *, path: Path | None = None
) -> CaughtMail:
    """Read what the list and the detail show out of one message's bytes; never raises
    on a malformed message (a part that cannot be decoded shows as empty)."""
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    sender = str(envelope.get("sender") or _header(message, "From"))
    listed = envelope.get("recipients")
    if isinstance(listed, list) and listed:
        recipients = tuple(str(r) for r in listed)
    else:
        recipients = tuple(
            a.strip() for h in ("To", "Cc") for a in _header(message, h).split(",") if a.strip()
        )
    stamp = int(mail_id.partition("-")[0])
    return CaughtMail(
        id=mail_id,
        sender=sender,
        recipients=recipients,
        subject=_header(message, "Subject"),
        received_at=datetime.fromtimestamp(stamp / 1e9, UTC),
        text=_body(message, "plain"),
        html=_body(message, "html"),
        attachments=tuple(_attachments(message)),
        path=path,
    )


def _header(message: EmailMessage, name: str) -> str:
    try:
        value = message.get(name)
    except Exception:  # a header the parser cannot decode: show nothing, not an error
        return ""
    return " ".join(str(value).split()) if value is not None else ""


def _body(message: EmailMessage, subtype: str) -> str:
    try:
        part = message.get_body(preferencelist=(subtype,))
        if part is None:
            return ""
        content = part.get_content()
    except Exception:  # undecodable charset or transfer encoding
        return ""
    # SMTP carries CRLF line ends; a text view wants plain newlines
    return content.replace("\r\n", "\n") if isinstance(content, str) else ""


def _attachments(message: EmailMessage) -> list[Attachment]:
    found: list[Attachment] = []
    try:
        parts = list(message.iter_attachments()) if message.is_multipart() else []
    except Exception:
        return found
    for part in parts:
        payload = part.get_payload(decode=True)
        size = len(payload) if isinstance(payload, bytes) else 0
        found.append(
            Attachment(
                filename=part.get_filename() or "",
                content_type=part.get_content_type(),
                size=size,
            )
        )
    return found
