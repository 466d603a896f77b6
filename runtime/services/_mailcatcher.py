"""The mail catcher: a real SMTP server that keeps every message it is sent and delivers
none, so an app's e-mail (welcome mail, password reset) can be read in asgideck.

Run as ``python -m asgideck.runtime.services._mailcatcher --host H --port P --store DIR``
(by ``MailEngine``, under the supervisor). It stays in the foreground, logs one line per
message to stdout (never a body or a password), accepts ``AUTH PLAIN``/``LOGIN`` with
any credentials (apps log in to their SMTP server; there is no TLS to require on a
loopback catcher), refuses messages over :data:`MAX_MESSAGE_BYTES` and ends with exit
status 0 on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import signal
import sys
import weakref
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, AuthResult, Envelope, Session

from asgideck.runtime.services._mailbox import MAX_MESSAGE_BYTES, Mailbox

__all__ = ["main"]

CLOSE_WAIT = 2.0  # seconds a stop waits for open connections to end
HOSTNAME = "asgideck-mailcatcher"  # not getfqdn(): a DNS lookup per connection


def say(line: str) -> None:
    """One log line on stdout, flushed (the supervisor tails a file)."""
    print(line, flush=True)


class CatchHandler:
    """aiosmtpd's handler: keep the message in the store, log one line, answer 250."""

    def __init__(self, mailbox: Mailbox) -> None:
        self.mailbox = mailbox

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content or b""
        data = raw if isinstance(raw, bytes) else raw.encode("utf-8", "surrogateescape")
        sender = envelope.mail_from or ""
        try:
            self.mailbox.keep(data, sender, envelope.rcpt_tos)
        except OSError as exc:
            say(f"could not keep a message from {sender}: {exc}")
            return "451 4.3.0 The catcher could not store the message"
        say(f"caught: {sender or '<>'} → {', '.join(envelope.rcpt_tos)}: {_subject(data)}")
        return "250 OK caught"


def _subject(raw: bytes) -> str:
    """The Subject header, decoded, on one line (only the headers are parsed)."""
    from email import policy
    from email.parser import BytesHeaderParser

    try:
        value = BytesHeaderParser(policy=policy.default).parsebytes(raw).get("Subject")
    except Exception:
        return "(unreadable subject)"
    return " ".join(str(value).split()) if value is not None else "(no subject)"


def accept_any(
    server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
) -> AuthResult:
    """Every login is good: the catcher stands in for the app's real SMTP server."""
    return AuthResult(success=True)


async def serve(host: str, port: int, mailbox: Mailbox) -> None:
    loop = asyncio.get_running_loop()
    handler = CatchHandler(mailbox)

    sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()  # the open connections

    def protocol() -> SMTP:
        session = SMTP(
            handler,
            data_size_limit=MAX_MESSAGE_BYTES,
            enable_SMTPUTF8=True,
            hostname=HOSTNAME,
            auth_require_tls=False,
            authenticator=accept_any,
            loop=loop,
        )
        sessions.add(session)
        return session

    server = await loop.create_server(protocol, host=host, port=port)
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    say(f"mail catcher listening on smtp://{_address(host, port)}, keeping mail in {mailbox.store}")
    await stop.wait()
    server.close()
    # an app may hold its SMTP connection open for minutes: close them, do not wait
    for session in list(sessions):
        if session.transport is not None:
            session.transport.close()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(server.wait_closed(), CLOSE_WAIT)
    say("mail catcher stopped")


def _address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _not_deprecation(record: logging.LogRecord) -> bool:
    return "deprecated" not in record.getMessage()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="asgideck-mailcatcher", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--store", type=Path, required=True)
    args = parser.parse_args(argv)
    # a stop that comes before the loop listens is still a clean stop (exit 0)
    signal.signal(signal.SIGTERM, lambda _signum, _frame: sys.exit(0))
    # aiosmtpd's own logger: warnings only (its debug lines would echo AUTH exchanges)
    logging.basicConfig(level=logging.WARNING, format="%(name)s: %(message)s")
    smtp_log = logging.getLogger("mail.log")
    smtp_log.setLevel(logging.WARNING)
    smtp_log.addFilter(_not_deprecation)  # aiosmtpd warns about itself on every AUTH
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # a log file in a C locale must still take "→"
        reconfigure(errors="backslashreplace")
    os.umask(0o077)  # caught mail is the owner's only (it may hold reset links)
    mailbox = Mailbox(args.store)
    try:
        args.store.mkdir(mode=0o700, parents=True, exist_ok=True)
        asyncio.run(serve(args.host, args.port, mailbox))
    except OSError as exc:
        print(
            f"mail catcher: cannot listen on {_address(args.host, args.port)} "
            f"or keep mail in {args.store}: {exc.strerror or exc}",
            file=sys.stderr,
            flush=True,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
