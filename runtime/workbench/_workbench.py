"""The Try tab's runtime: which server requests go to, its credentials, the sender, history.

One :class:`Workbench` per open project. The window tells it the current
target (the selected server's name, base URL and root path, or ``None`` when
no server runs) and the project's OpenAPI document; the Try view reads both and
sends through it. No Qt here: :attr:`Workbench.target_changed`,
:attr:`Workbench.document_changed` and :attr:`Workbench.auth_changed` are plain
:class:`~asgideck.runtime.events.Event` s, emitted on the thread that made the change
(the GUI thread, for every setter the window and view call).

Credentials live in a :class:`~asgideck.runtime.client.TokenStore` keyed by project and
server *name*, so a token obtained before a reload or restart still applies
afterwards; the store is process-wide by default (one session) and never
reaches disk. The methods that do I/O (:meth:`Workbench.send`,
:meth:`Workbench.login`, :meth:`Workbench.record`, :meth:`Workbench.recent`,
:meth:`Workbench.load_test`) block: callers run them off the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from asgideck.runtime.client import (
    Auth,
    BearerAuth,
    History,
    HistoryEntry,
    InvalidRequest,
    LoadResult,
    LoadTestError,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
    TokenStore,
    join_url,
    oauth2_password_token,
    prepare,
    run_load,
    ws_url,
)
from asgideck.runtime.events import Event
from asgideck.runtime.openapi import Document
from asgideck.runtime.workbench._draft import draft_from_spec
from asgideck.runtime.workbench._model import Draft

__all__ = ["SESSION_TOKENS", "Target", "Workbench"]

#: Credentials for this process's lifetime, shared by every Workbench (never written to disk).
SESSION_TOKENS = TokenStore()


@dataclass(frozen=True)
class Target:
    """The server requests go to: its name (the token key), address and ASGI root path."""

    name: str
    base_url: str
    root_path: str = ""

    @property
    def api_url(self) -> str:
        """Base URL plus root path: what a route path is joined onto."""
        return join_url(self.base_url, self.root_path) if self.root_path else self.base_url


class Workbench:
    """State shared by the Try tab's panels for one project."""

    def __init__(
        self,
        project_name: str,
        history_path: Path | None = None,
        *,
        project_key: str | None = None,
        tokens: TokenStore | None = None,
        sender_factory: Callable[[], Sender] = Sender,
    ) -> None:
        """``project_name`` is shown; ``project_key`` (default: the name) identifies the
        project in the history and the token store, so two folders both named ``backend``
        can keep apart when given distinct keys (e.g. their resolved root paths).
        """
        self.project_name = project_name
        self.project_key = project_key if project_key is not None else project_name
        self.history_path = history_path
        self.tokens = tokens if tokens is not None else SESSION_TOKENS
        self.target_changed: Event[Target | None] = Event()
        self.document_changed: Event[Document | None] = Event()
        self.auth_changed: Event[Auth | None] = Event()
        self._target: Target | None = None
        self._document: Document | None = None
        self._sender_factory = sender_factory
        self._sender: Sender | None = None
        self._limits: tuple[float | None, int] | None = None
        self._history: History | None = None
        self._lock = threading.Lock()

    # --- what the window sets --------------------------------------------------------------

    @property
    def target(self) -> Target | None:
        return self._target

    @property
    def document(self) -> Document | None:
        return self._document

    def set_target(self, name: str | None, base_url: str | None, root_path: str = "") -> None:
        """The server requests go to now; ``None`` (name or URL) when no server runs."""
        target = Target(name, base_url.rstrip("/"), root_path) if name and base_url else None
        if target == self._target:
            return
        self._target = target
        self.target_changed.emit(target)
        self.auth_changed.emit(self.auth)

    def set_document(self, doc: Document | None) -> None:
        if doc is self._document:
            return
        self._document = doc
        self.document_changed.emit(doc)

    # --- credentials -----------------------------------------------------------------------

    def token_key(self, server: str | None = None) -> str | None:
        """The TokenStore key for ``server`` (default: the current target), or None."""
        name = server if server is not None else (self._target.name if self._target else None)
        return f"{self.project_key}::{name}" if name else None

    @property
    def auth(self) -> Auth | None:
        """The current target's credentials, if any were given this session."""
        key = self.token_key()
        return self.tokens.get(key) if key else None

    def set_auth(self, auth: Auth | None, server: str | None = None) -> None:
        """Use ``auth`` for ``server`` (default: the current target); ``None`` forgets it."""
        key = self.token_key(server)
        if key is None:
            raise RequestFailed("no server is running: start one before authorizing")
        if auth is None:
            self.tokens.forget(key)
        else:
            self.tokens.set(key, auth)
        self.auth_changed.emit(self.auth)

    def login(
        self, token_url: str, username: str, password: str, scopes: Sequence[str] = ()
    ) -> BearerAuth:
        """The OAuth2 password flow against the current target (blocking; any thread).

        Returns the bearer token without storing it: the caller stores it with
        :meth:`set_auth` on the GUI thread, so ``auth_changed`` fires there.
        """
        target = self._require_target("log in")
        token = oauth2_password_token(target.api_url, token_url, username, password, scopes)
        return BearerAuth(token)

    def _require_target(self, what: str) -> Target:
        target = self._target
        if target is None:
            raise RequestFailed(f"no server is running: start one to {what}")
        return target

    # --- requests --------------------------------------------------------------------------

    @property
    def sender(self) -> Sender:
        """The sender; a new one after :meth:`close`, so a closed workbench can be reused."""
        with self._lock:
            if self._sender is None:
                self._sender = self._sender_factory()
                if self._limits is not None:
                    self._sender.deadline, self._sender.max_body = self._limits
            return self._sender

    def set_limits(self, *, deadline: float | None, max_body: int) -> None:
        """The deadline for one whole exchange (seconds, ``None``: none) and the most kept
        of one body (bytes), for the next requests sent (the sender's defaults otherwise)."""
        with self._lock:
            self._limits = (deadline, max_body)
            if self._sender is not None:
                self._sender.deadline, self._sender.max_body = deadline, max_body

    @property
    def deadline(self) -> float | None:
        """The deadline the next request gets (seconds), shown beside the running timer."""
        return self.sender.deadline

    def build_spec(self, draft: Draft, *, use_auth: bool = True) -> RequestSpec:
        """The draft as a spec for the current target, with its credentials unless told not."""
        target = self._target
        path = draft.path.strip()
        if target is None and "://" not in path:
            raise InvalidRequest(
                f"no server is running, so {path or '/'!r} has nowhere to go: "
                "start a server or type a full http:// URL"
            )
        return draft.to_spec(
            base_url=target.base_url if target else "",
            root_path=target.root_path if target else "",
            auth=self.auth if use_auth else None,
        )

    def send(
        self, spec: RequestSpec, on_progress: Callable[[int], None] | None = None
    ) -> ResponseRecord:
        """Send and wait (blocking; cancel from any thread with ``sender.cancel()``)."""
        return self.sender.send(spec, on_progress)

    def cancel(self) -> None:
        with self._lock:
            sender = self._sender
        if sender is not None:
            sender.cancel()

    # --- history ---------------------------------------------------------------------------

    @property
    def history(self) -> History:
        """This project's history (opened on first use; raises HistoryUnavailable if it
        cannot be)."""
        with self._lock:
            if self._history is None:
                self._history = History(self.history_path)
            return self._history

    def record(
        self, spec: RequestSpec, response: ResponseRecord | None, error: str | None = None
    ) -> int:
        """Store one request and its answer or error, secrets redacted (blocking)."""
        return self.history.add(self.project_key, spec, response, error)

    def recent(self, search: str = "", limit: int = 200) -> list[HistoryEntry]:
        return self.history.list(self.project_key, search, limit)

    def restore(self, entry: HistoryEntry) -> tuple[Draft, list[str]]:
        """A history entry as a draft for the current target, and notes for the user.

        The stored secrets are masked; sending applies the server's *current* credentials.
        """
        spec = self.history.spec_of(entry)
        target = self._target
        draft, notes = draft_from_spec(
            spec,
            base_url=target.base_url if target else "",
            root_path=target.root_path if target else "",
        )
        if "://" not in spec.url and spec.base_url and target is not None:
            draft.path = spec.url  # a route path follows the server to its new address
        return draft, notes

    # --- WebSocket and load test -----------------------------------------------------------

    def ws_request(self, path: str, *, use_auth: bool = True) -> tuple[str, list[tuple[str, str]]]:
        """The ``ws://`` URL and handshake headers (credentials included) for a route path."""
        target = self._target
        if target is None and "://" not in path:
            raise InvalidRequest("no server is running: start one, or type a full ws:// URL")
        http = path.replace("ws://", "http://", 1).replace("wss://", "https://", 1)
        prepared = prepare(
            RequestSpec(
                "GET",
                http,
                base_url=target.base_url if target else "",
                root_path=target.root_path if target else "",
                auth=self.auth if use_auth else None,
            )
        )
        return ws_url(prepared.url), list(prepared.headers)

    def load_test(
        self,
        spec: RequestSpec,
        *,
        concurrency: int,
        duration_s: float,
        tool: str = "auto",
        stop: threading.Event | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> LoadResult:
        """A bounded load test of the spec's route on loopback (blocking); ``progress`` hears
        a built-in run's counts (answered, errors) as it goes."""
        prepared = prepare(spec)
        if prepared.multipart is not None:
            raise LoadTestError("a load test sends JSON, form or raw bodies, not multipart files")
        return run_load(
            prepared.url,
            concurrency=concurrency,
            duration_s=duration_s,
            method=prepared.method,
            headers=prepared.headers,
            body=prepared.content,
            tool=tool,
            stop=stop,
            progress=progress,
        )

    # --- lifetime --------------------------------------------------------------------------

    def close(self) -> None:
        """Cancel and close the sender (deleting large-body files) and close the history."""
        with self._lock:
            sender, self._sender = self._sender, None
            history, self._history = self._history, None
        if sender is not None:
            sender.close()
        if history is not None:
            history.close()

    def __repr__(self) -> str:
        where = f"{self._target.name} at {self._target.api_url}" if self._target else "no server"
        return f"Workbench({self.project_name!r}, {where})"
