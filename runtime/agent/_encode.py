"""A finished request as the JSON line ``runtime.recording`` reads (on the writer thread).

Keys are exactly what ``RequestRecord.from_json`` reads. Secrets are removed here
with asgideck's one rule (``secrets.py``, loaded by path): headers, query, bodies
through its ``Redactor``; free text (log messages, exception text, SQL) scrubbed of
the environment's secret values, of what the redactor met in this request, and of
key-shaped values. SQL parameter values are never seen here: only their count.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, urlencode

from ._config import Config
from ._frames import user_frames, user_text

_JSON_KEY = re.compile(r'"((?:[^"\\]|\\.){1,200}?)"\s*:')
#: The line format written (``RequestRecord.from_json`` reads it; lines without ``"v"``
#: are the first format, with millisecond floats and named spans).
FORMAT = 2
_TEXT_TYPES = ("json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "csv", "graphql")
_MAX_TEXT = 20000  # an exception's formatted text
_MAX_FRAMES = 100


class Encoder:
    def __init__(self, config: Config, secrets: Any) -> None:
        self.config = config
        self.secrets = secrets
        self.root = config.root
        try:
            self.env_secrets = list(secrets.secret_values(dict(os.environ)))
        except Exception:
            self.env_secrets = []
        self._hint = _hint_pattern(secrets, self.env_secrets)
        self._clean_bodies: dict[bytes, bool] = {}
        self._header_lists: dict[Any, list[str]] = {}  # shared lists: never mutated
        self._mimes: dict[str, tuple[str, bool]] = {}
        self._plain_names: dict[str, bool] = {}
        self._plain_lists: dict[tuple[str, ...], bool] = {}
        self._clean_memo: dict[str, bool] = {}
        self._places: dict[str, tuple[bool, Any]] = {}
        self.layer_names: list[str] = []  # the worker's stack, outermost first
        self._json = json.JSONEncoder(
            ensure_ascii=False, separators=(",", ":"), default=str, check_circular=False
        )
        self._chunks = _c_encoder()

    def dumps(self, value: Any) -> str:
        """``value`` as compact JSON: the C encoder made once (``JSONEncoder.encode`` makes
        one per call), else the plain encoder."""
        chunks = self._chunks
        if chunks is not None:
            try:
                return "".join(chunks(value, 0))
            except Exception:
                self._chunks = None
        return self._json.encode(value)

    # ------------------------------------------------------------------ secrets
    #
    # The rule is secrets.py's. What is added here is a fast way to see that it has
    # nothing to do: a text with no key-shape start, no URL, no secret value of the
    # environment or of this request, and (structured data) no secret-named field
    # comes back unchanged from the Redactor, so it is kept as it is.

    def redactor(self) -> Any:
        return self.secrets.Redactor()

    def _clean(self, redactor: Any, text: str) -> bool:
        if redactor.values or redactor.names or len(text) > 256:
            return self._clean_now(redactor, text)
        # what no request changes (no value met yet): remembered for short texts that
        # repeat (a path, a header value, a log line)
        found = self._clean_memo.get(text)
        if found is None:
            found = self._clean_now(redactor, text)
            if len(self._clean_memo) >= 2048:
                self._clean_memo.clear()
            self._clean_memo[text] = found
        return found

    def _clean_now(self, redactor: Any, text: str) -> bool:
        if self._hint is None or self._hint.search(text):  # a key shape or an env secret
            return False
        if redactor.values and any(value in text for value in redactor.values if len(value) >= 4):
            return False
        # "password=hunter2" in a log line: a secret-named pair (the rule's, not a hint)
        return ("=" not in text and ":" not in text) or not redactor.has_secret_pairs(text)

    def scrub(self, redactor: Any, text: str) -> str:
        """Free text with every secret value and key-shaped secret masked."""
        if not text or self._clean(redactor, text):
            return text
        text = str(redactor.scrub(text))
        for value in self.env_secrets:  # longest first
            if value in text:
                text = text.replace(value, self.secrets.MASK)
        return text

    def _plain_name(self, redactor: Any, name: str) -> bool:
        """A header name that is no credential header and no secret name: its value is
        masked only for what it holds (remembered per name: names repeat, values vary)."""
        if redactor.names:  # names this redactor was told are secret: not the same rule
            return False
        found = self._plain_names.get(name)
        if found is None:
            lower = name.lower()
            found = (
                lower not in ("cookie", "set-cookie")
                and "authorization" not in lower
                and not redactor.is_secret_name(name)
            )
            if len(self._plain_names) >= 1024:
                self._plain_names.clear()
            self._plain_names[name] = found
        return found

    def _plain_names_all(self, redactor: Any, names: tuple[str, ...]) -> bool:
        """Every name of a header list plain (remembered per list of names: a server
        answers with the same names every time, only the values change)."""
        found = self._plain_lists.get(names)
        if found is None:
            found = all(self._plain_name(redactor, name) for name in names)
            if len(self._plain_lists) >= 256:
                self._plain_lists.clear()
            self._plain_lists[names] = found
        return found

    def _header(self, redactor: Any, name: str, value: str) -> str:
        if self._plain_name(redactor, name) and self._clean(redactor, value):
            return value
        return str(redactor.header(name, value))

    def _headers(self, redactor: Any, raw: Any) -> list[str]:
        """Headers as a flat ``[name, value, name, value, ...]`` text list, redacted.

        A whole list seen before (a client's usual request headers) costs one lookup. A
        new one whose names are all plain and whose values, searched together, show no
        sign of a secret (a key shape, a credential, an environment or request secret, a
        secret-named pair: what :meth:`_clean_now` looks for) is kept as it is: one
        search instead of one per value (a value that changes on every response, an id
        or a timing, made the per-value memo useless). A sign found in the joined text
        (possibly across two values: then a false alarm) means the per-value rule."""
        if not raw:
            return []
        try:
            key: Any = tuple(raw)
            whole = self._header_lists.get(key) if not redactor.values else None
        except TypeError:  # a pair that is a list: not hashable
            key, whole = None, None
        if whole is not None:
            return whole
        out: list[str] = []
        append = out.append
        for pair in raw:
            name, value = pair[0], pair[1]
            append(name.decode("latin-1") if type(name) is bytes else str(name))
            append(value.decode("latin-1") if type(value) is bytes else str(value))
        plain = not redactor.names and self._plain_names_all(redactor, tuple(out[0::2]))
        if not (plain and self._clean_now(redactor, "\n".join(out[1::2]))):
            for index in range(1, len(out), 2):
                out[index] = self._header(redactor, out[index - 1], out[index])
            plain = False
        if plain and key is not None and not redactor.values:
            if len(self._header_lists) >= 256:
                self._header_lists.clear()
            self._header_lists[key] = out  # shared: never mutated once cached
        return out

    def _query(self, redactor: Any, raw: Any) -> str:
        query = _latin(raw or b"")
        if not query:
            return ""
        pairs = parse_qsl(query, keep_blank_values=True)
        if self._clean(redactor, query) and not any(redactor.is_secret_name(k) for k, _ in pairs):
            return query
        masked = redactor.pairs(pairs)
        if [list(p) for p in pairs] == masked:
            return self.scrub(redactor, query)
        return urlencode([(k, v) for k, v in masked], safe="*")

    def _body(self, redactor: Any, chunks: list[bytes], size: int, content_type: str) -> Any:
        if not chunks:
            return None, False
        data = b"".join(chunks)
        truncated = size > len(data)
        found = self._mimes.get(content_type)
        if found is None:
            mime = content_type.split(";", 1)[0].strip().lower()
            found = (mime, mime.startswith("text/") or any(t in mime for t in _TEXT_TYPES))
            if len(self._mimes) < 256:
                self._mimes[content_type] = found
        mime, textual = found
        if mime and not textual:
            return None, truncated
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            if truncated:  # cut inside a character
                try:
                    text = data[:-3].decode("utf-8") if len(data) > 3 else ""
                except UnicodeDecodeError:
                    return None, truncated
            else:
                return None, truncated
        if not mime and "\x00" in text:
            return None, truncated
        if "urlencoded" not in mime and not redactor.values:
            known = self._clean_bodies.get(data) if len(data) <= 4096 else None
            if known is None:
                known = self._clean(redactor, text) and not any(
                    redactor.is_secret_name(k) for k in _JSON_KEY.findall(text)
                )
                if len(data) <= 4096:
                    if len(self._clean_bodies) >= 256:
                        self._clean_bodies.clear()
                    self._clean_bodies[data] = known
            if known:
                return text, truncated
        return self.scrub(redactor, str(redactor.text_body(text, mime))), truncated

    # ------------------------------------------------------------------ places

    def place(self, filename: str) -> tuple[bool, Any]:
        """(inside the project, path relative to the root) of a file."""
        found = self._places.get(filename)
        if found is None:
            path = os.path.abspath(filename)
            inside = (
                path.startswith(self.root + os.sep)
                and "site-packages" not in path
                and "dist-packages" not in path
                and not _in_venv(path, self.root)
            )
            rel = os.path.relpath(path, self.root).replace(os.sep, "/") if inside else None
            found = (inside, rel)
            if len(self._places) < 5000:
                self._places[filename] = found
        return found

    # ------------------------------------------------------------------ the record

    def set_layers(self, names: list[str]) -> None:
        self.layer_names = list(names)

    def line(self, pid: int, sequence: int, state: Any) -> str:
        """The record as one JSON line (one ``json`` call over plain lists and numbers)."""
        return self.dumps(self.record(pid, sequence, state))

    def record(self, pid: int, sequence: int, state: Any) -> dict[str, Any]:
        """The record in the line format :data:`FORMAT` (``RequestRecord.from_json``).

        Times are whole microseconds from the request's start; layers are the flat
        ``[enter, leave, ...]`` pairs of the stack the worker header names (clamped into
        one another by the reader); dependencies, endpoint, SQL, calls and logs are
        positional lists."""
        scope = state.scope
        t0: int = state.t0
        redactor = self.redactor()

        request_headers = self._headers(redactor, scope.get("headers"))
        response_headers = self._headers(redactor, state.response_headers)
        client = scope.get("client")
        websocket = state.kind == "websocket"
        # Keys whose value is the reader's default (no body, no SQL...) are left out.
        record: dict[str, Any] = {
            "type": "request",
            "v": FORMAT,
            "kind": "websocket" if websocket else "http",
            "id": f"{pid}-{sequence}",
            "pid": pid,
            "start": state.start,
            "duration_us": (state.t1 - t0) // 1000,
            "method": str(scope.get("method") or ("WS" if websocket else "GET")),
            "path": self.scrub(redactor, str(scope.get("path") or "")),
            "route": state.selected
            if isinstance(state.selected, str)
            else _route_template(state.route, state.root_path, scope.get("root_path")),
            "status": state.status if isinstance(state.status, int) else None,
            "client": f"{client[0]}:{client[1]}" if client and len(client) == 2 else "",
            "scheme": str(scope.get("scheme") or "http"),
            "request_size": state.request_size,
            "response_size": state.response_size,
            "request_headers": request_headers,
            "response_headers": response_headers,
        }
        query = self._query(redactor, scope.get("query_string"))
        if query:
            record["query"] = query
        for side, raw, size, headers in (
            ("request", state.request_body, state.request_size, request_headers),
            ("response", state.response_body, state.response_size, response_headers),
        ):
            if raw:
                body, truncated = self._body(redactor, raw, size, _content_type(headers))
                if body is not None:
                    record[side + "_body"] = body
                if truncated:
                    record[side + "_body_truncated"] = True
        times = state.times
        if times and len(times) == 2 * len(self.layer_names):
            record["layers"] = [None if t is None else (t - t0) // 1000 for t in times]
        if state.dependencies:
            record["dependencies"] = [
                [name, source, (a - t0) // 1000, (b - t0) // 1000]
                for name, source, a, b in state.dependencies
            ]
        if state.endpoint:
            name, source, a, b = state.endpoint
            record["endpoint"] = [name, source, (a - t0) // 1000, (b - t0) // 1000]
        if state.sql:
            record["sql"] = [
                [self.scrub(redactor, statement), params, (a - t0) // 1000, (b - a) // 1000, error]
                for statement, params, a, b, error in state.sql
            ]
        if state.http_calls:
            record["http_calls"] = [
                [
                    method,
                    self.scrub(redactor, redactor.url(url)),
                    (a - t0) // 1000,
                    (b - a) // 1000,
                    status,
                    error,
                ]
                for method, url, a, b, status, error in state.http_calls
            ]
        if state.logs:
            record["logs"] = [
                [(when - t0) // 1000, level, logger, self.scrub(redactor, message)]
                for when, level, logger, message in state.logs
            ]
        if state.exception is not None or state.inner_exception is not None:
            exception = self._exception(redactor, state)
            if exception is not None:
                record["exception"] = exception
        if state.dropped:
            record["dropped"] = dict(state.dropped)
        return record

    def _exception(self, redactor: Any, state: Any) -> Any:
        exc = state.exception
        if (
            exc is None
            and state.inner_exception is not None
            and (state.status is None or state.status >= 500)
        ):
            exc = state.inner_exception
        if exc is None:
            return None
        frames = []
        for frame in user_frames(exc, _MAX_FRAMES):
            inside, rel = self.place(frame.filename)
            frames.append(
                {
                    "file": frame.filename,
                    "line": frame.lineno or 0,
                    "function": frame.name,
                    "project": inside,
                    "relpath": rel,
                    "code": self.scrub(redactor, (frame.line or "").strip()),
                }
            )
        text = user_text(exc)
        try:
            message = str(exc)
        except Exception:
            message = ""
        return {
            "type": type(exc).__qualname__,
            "message": self.scrub(redactor, message)[:4000],
            "frames": frames,
            "text": self.scrub(redactor, text[-_MAX_TEXT:]),
        }


def _c_encoder() -> Any:
    """json's C encoder with the agent's settings (None: this Python has none)."""
    try:
        from json import encoder

        make = getattr(encoder, "c_make_encoder", None)
        basestring = getattr(encoder, "c_encode_basestring", None)
        if make is None or basestring is None:
            return None
        return make(None, str, basestring, None, ":", ",", False, False, True)
    except Exception:
        return None


def _content_type(headers: list[str]) -> str:
    """The last Content-Type of a flat header list."""
    found = ""
    for index in range(0, len(headers) - 1, 2):
        if headers[index].lower() == "content-type":
            found = headers[index + 1]
    return found


def _route_template(found: Any, root_path: Any = "", mounted: Any = "") -> Any:
    """The matched route's path template; FastAPI's effective route (an included router's
    route with its prefixes) when there is one; under a Mount, the mount's path first."""
    if found is None:
        return None
    route, effective = found
    candidates = []
    if effective is not None and getattr(effective, "original_route", None) is route:
        candidates += [getattr(effective, "starlette_route", None), effective]
    else:
        effective = None
    candidates.append(route)
    prefix = ""
    mount = any(klass.__name__ == "Mount" for klass in type(route).__mro__)
    if (
        effective is None
        and not mount
        and isinstance(root_path, str)
        and isinstance(mounted, str)
        and len(mounted) > len(root_path)
        and mounted.startswith(root_path)
    ):
        prefix = mounted[len(root_path) :].rstrip("/")
    for candidate in candidates:
        for attribute in ("path_format", "path"):
            value = getattr(candidate, attribute, None) if candidate is not None else None
            if isinstance(value, str) and value:
                return prefix + value if candidate is route else value
    return None


def _latin(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("latin-1")
    return str(value)


def _in_venv(path: str, root: str) -> bool:
    """A file of a virtualenv inside the project (``.venv/lib/...``)."""
    rel = os.path.relpath(path, root).split(os.sep)
    folder = root
    for part in rel[:-1]:
        folder = os.path.join(folder, part)
        if os.path.isfile(os.path.join(folder, "pyvenv.cfg")):
            return True
    return False


def _hint_pattern(secrets: Any, env_secrets: Sequence[str] = ()) -> Any:
    """Where a secret could start in a text (None: not known, so always ask the Redactor):
    a key shape's start, a URL's userinfo, a credential, or one of the environment's
    secret values (one search finds any of them)."""
    hints = getattr(secrets, "_KEY_HINTS", None)
    if not isinstance(hints, tuple) or not hints:
        return None
    shapes = "|".join(re.escape(h) for h in hints)
    values = "".join("|" + re.escape(v) for v in env_secrets if v)
    # a URL with userinfo (its password), a Bearer/Basic credential, a key-shape start
    return re.compile(f"{shapes}|://[^/?#\\s]*@|(?i:bearer|basic)\\s+\\S{values}")
