"""``asgideck call``: one request to the project's running server, from a terminal.

Items after the route, httpie-style: ``name==value`` query, ``Name:value`` header
(``Name;`` an empty one), ``name=value`` JSON string field, ``name:=json`` raw JSON
field. An item is split as httpie splits it: at the earliest separator, the longest
one when several start there, and ``\\`` before a separator character makes it part
of the name or value. ``--auth USER:PASS``
logs in through the app's OAuth2 password flow (its ``tokenUrl``, read from the
OpenAPI document the server really serves: ``/openapi.json``, else the document its
``/docs`` or ``/redoc`` page loads, else common prefixed locations such as
``/api/v1/openapi.json``), and says where it found it; when the app declares no
such flow it says so and sends HTTP basic auth. The request lands in the history,
redacted, like one sent from the window; when the history cannot be written the
answer is still printed, with a warning.

Limits: ``--timeout`` per connect and per read, ``--deadline`` for the whole exchange
(default 30 s), ``--max-body`` for what is kept of the body (default 1G). The body
goes to stdout as it came, byte for byte, when stdout is a pipe or a file; to a
terminal it is made printable (escape sequences removed, control characters shown as
``\\x00``), and binary data is replaced by a one-line note, as httpie does.

Exit codes: 0 an answer below 400, 4/5 the status class of a 4xx/5xx answer, 2 no
running server, 3 no complete answer (refused, timed out, past the deadline), 6 the
answer was printed but its body was cut at ``--max-body``, 74 the answer came (and is in
the history) but could not be written (a full disk, a closed stdout). SIGTERM and SIGHUP
end it as Ctrl-C does: the scratch file is removed, exit 128 + the signal's number.
"""

from __future__ import annotations

import argparse
import codecs
import contextlib
import json
import math
import re
import sys
from pathlib import Path
from typing import Any, TextIO

from asgideck.runtime.cli._shared import EXIT_CUT, EXIT_FAILED, EXIT_NO_SERVER, EXIT_OK
from asgideck.runtime.client import (
    DEFAULT_DEADLINE_S,
    DEFAULT_MAX_BODY,
    BasicAuth,
    BearerAuth,
    RequestFailed,
    RequestSpec,
    ResponseRecord,
    Sender,
    oauth2_password_token,
    parse_size,
    size_text,
)
from asgideck.runtime.errors import InputError
from asgideck.runtime.project import locate_project
from asgideck.runtime.terminal import printable
from asgideck.runtime.userstate import sweep_temp

# Imported where used, so that a plain request pays for neither: the server registry
# (``running_base_url``, not needed with --url) and the OpenAPI search (``--auth``).

#: The longest --timeout or --deadline accepted (a day): beyond it a wait cannot be armed.
MAX_SECONDS = 86400.0
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


class ItemError(InputError):
    pass


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    call = sub.add_parser("call", help="send a request to the project's running server")
    call.add_argument("path", type=Path, help="project folder")
    call.add_argument("method", type=str.upper, choices=METHODS, metavar="METHOD")
    call.add_argument("route", help="e.g. /api/v1/items/3")
    call.add_argument("items", nargs="*", metavar="ITEM", help="name==q  Name:header  k=v  k:=json")
    call.add_argument("--profile", metavar="NAME", help="prefer the server running this profile")
    call.add_argument("--url", help="base URL of the server (default: found in `asgideck ps`)")
    call.add_argument("--auth", metavar="USER:PASS", help="log in (OAuth2 password flow or basic)")
    call.add_argument(
        "--timeout",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="limit for connecting and for each read (default 30)",
    )
    call.add_argument(
        "--deadline",
        type=seconds,
        default=DEFAULT_DEADLINE_S,
        metavar="SECONDS",
        help=f"limit for the whole exchange, first byte to last (default {DEFAULT_DEADLINE_S:g})",
    )
    call.add_argument(
        "--max-body",
        type=body_size,
        default=DEFAULT_MAX_BODY,
        metavar="SIZE",
        help="keep at most this much of the body, e.g. 10M (default 1G); "
        "past it the body is cut and the exit code is 6",
    )
    call.add_argument("--no-history", action="store_true", help="do not record this request")
    call.set_defaults(run=run)


def seconds(text: str) -> float:
    """argparse type: a positive, finite number of seconds, at most a day."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive number of seconds, not {text!r}")
    if value > MAX_SECONDS:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_SECONDS:g} seconds, not {text!r}")
    return value


def body_size(text: str) -> int:
    """argparse type: a positive size such as ``1000``, ``64K``, ``10M`` or ``1G``."""
    try:
        return parse_size(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


#: httpie's separators (``SEPARATOR_GROUP_ALL_ITEMS``): every one takes part in finding
#: where an item splits, even those ``call`` does not support, so an item means what it
#: would mean to httpie or is refused, never something else.
SEPARATORS = (":=@", "==@", "=@", ":@", "==", ":=", "@", "=", ":", ";")
_UNSUPPORTED = {
    ":=@": "raw JSON from a file",
    "==@": "a query value from a file",
    "=@": "a field from a file",
    ":@": "a header value from a file",
    "@": "a file upload",
}
_SPECIAL = frozenset("".join(SEPARATORS) + "\\")


class _Escaped(str):
    """A character that came after a backslash: never part of a separator."""


def split_item(item: str) -> tuple[str, str, str]:
    """(name, separator, value) of one item, as httpie's ``KeyValueArgType`` splits it:
    in the first unescaped stretch that holds a separator, the one starting earliest
    wins, the longest when several start there; ``\\`` + a separator character (or a
    backslash) stands for that character itself. Raises ItemError."""
    tokens: list[str] = [""]
    chars = iter(item)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following in _SPECIAL and following:
                tokens += [_Escaped(following), ""]
            else:
                tokens[-1] += "\\" + following
        else:
            tokens[-1] += char
    for index, token in enumerate(tokens):
        if isinstance(token, _Escaped):
            continue
        found: dict[int, str] = {}
        for sep in sorted(SEPARATORS, key=len):  # longer ones overwrite at the same spot
            at = token.find(sep)
            if at != -1:
                found[at] = sep
        if found:
            sep = found[min(found)]
            name, value = token.split(sep, 1)
            return "".join(tokens[:index]) + name, sep, value + "".join(tokens[index + 1 :])
    raise ItemError(
        f"{item!r}: expected name==query, Header:value, Header;, key=value or key:=json"
    )


def parse_items(
    items: list[str],
) -> tuple[list[tuple[str, str]], list[tuple[str, str]], dict[str, Any]]:
    """(query, headers, JSON body fields); raises ItemError naming the bad item."""
    query: list[tuple[str, str]] = []
    headers: list[tuple[str, str]] = []
    body: dict[str, Any] = {}
    for item in items:
        name, sep, value = split_item(item)
        if sep in _UNSUPPORTED:
            raise ItemError(
                f"{item!r}: {sep!r} means {_UNSUPPORTED[sep]} to httpie, which "
                "asgideck call does not send (escape it as \\" + sep[0] + " if it is text)"
            )
        if not name:
            raise ItemError(f"{item!r}: nothing before {sep!r} (expected a name)")
        if sep == "==":
            query.append((name, value))
        elif sep == ":=":
            try:
                body[name] = json.loads(value)
            except ValueError as exc:
                raise ItemError(f"{item!r}: {value!r} is not JSON ({exc})") from None
        elif sep == "=":
            body[name] = value
        elif sep == ";":
            if value:
                raise ItemError(f"{item!r}: 'Header;' sends an empty header; use Header:value")
            headers.append((name, ""))
        else:
            headers.append((name, value.lstrip()))
    return query, headers, body


def running_base_url(root: Path, profile: str | None) -> str | None:
    """The URL of a server asgideck started for ``root`` (matching ``profile`` when asked)."""
    from asgideck.runtime.servers import alive_entries

    entries = [e for e in alive_entries() if Path(e.root) == root and e.port and not e.service]
    if profile:
        named = [e for e in entries if e.name == profile or e.name.endswith(f":{profile}")]
        entries = named or entries
    if not entries:
        return None
    entry = entries[0]
    host = "127.0.0.1" if entry.host in ("0.0.0.0", "") else entry.host
    return f"http://{host}:{entry.port}"


#: Where apps commonly serve their document when it is not at /openapi.json.
COMMON_OPENAPI_URLS = (
    "/api/openapi.json",
    "/api/v1/openapi.json",
    "/api/v2/openapi.json",
    "/v1/openapi.json",
    "/docs/openapi.json",
)
DOCS_PAGES = ("/docs", "/redoc", "/api/docs", "/api/v1/docs")
# FastAPI's Swagger UI page: ``url: '/api/v1/openapi.json'``; ReDoc: ``spec-url="..."``
_DOC_URL = re.compile(r"""(?:\burl\s*:\s*|spec-url=)['"]([^'"]+\.json)['"]""")


def openapi_locations(
    base_url: str, timeout: float, *, deadline: float | None = None, max_bytes: int | None = None
) -> list[str]:
    """Where the server may serve its document: /openapi.json, what its docs pages
    load (they name the app's real ``openapi_url``, root path included), common spots.

    Each page is read through the capped reader (``max_bytes``, default
    ``openapi.MAX_PAGE_BYTES``); ``deadline`` (default ``openapi.DEADLINE``) bounds the
    whole search, so a page that drips or never ends is skipped, not waited for."""
    # imported here: this module's header belongs to the request side of `call`
    import time

    import httpx

    from asgideck.runtime.openapi import DEADLINE, MAX_PAGE_BYTES, OpenAPIError, read_url

    budget = DEADLINE if deadline is None else deadline
    end = time.monotonic() + budget
    found = ["/openapi.json"]
    with httpx.Client(timeout=timeout, trust_env=False, follow_redirects=True) as client:
        for page in DOCS_PAGES:
            left = end - time.monotonic()
            if left <= 0:
                break
            try:
                data = read_url(
                    base_url.rstrip("/") + page,
                    client=client,
                    timeout=timeout,
                    max_bytes=MAX_PAGE_BYTES if max_bytes is None else max_bytes,
                    deadline=left,
                )
            except OpenAPIError:  # missing, unreachable, too big or too slow: not a clue
                continue
            text = data.decode("utf-8", errors="replace")
            found += [m for m in _DOC_URL.findall(text) if m.startswith("/")]
    found += COMMON_OPENAPI_URLS
    return list(dict.fromkeys(found))


def token_url(
    base_url: str,
    timeout: float,
    *,
    deadline: float | None = None,
    max_bytes: int | None = None,
    max_depth: int | None = None,
) -> tuple[str | None, str]:
    """(the OAuth2 password flow's tokenUrl or None, where it was looked for).

    The whole search (docs pages and documents) ends within ``deadline`` seconds
    (default ``openapi.DEADLINE``); a document over a limit (``max_bytes``,
    ``max_depth``: ``openapi.MAX_BYTES``/``MAX_DEPTH``) ends it with that reason."""
    import time

    from asgideck.runtime.inspect import fetch_openapi
    from asgideck.runtime.openapi import (
        DEADLINE,
        MAX_BYTES,
        MAX_DEPTH,
        OpenAPIError,
        OpenAPILimitError,
    )

    budget = DEADLINE if deadline is None else deadline
    end = time.monotonic() + budget
    tried: list[str] = []
    for location in openapi_locations(base_url, timeout, deadline=budget):
        left = end - time.monotonic()
        if left <= 0:
            where = f" (tried {', '.join(tried)})" if tried else ""
            return None, f"no OpenAPI document found within {budget:g} s{where}"
        try:
            doc = fetch_openapi(
                base_url,
                location,
                timeout=timeout,
                deadline=left,
                max_bytes=MAX_BYTES if max_bytes is None else max_bytes,
                max_depth=MAX_DEPTH if max_depth is None else max_depth,
            )
        except OpenAPILimitError as exc:  # the server answered, badly: say so, look no further
            return None, str(exc)
        except OpenAPIError:
            tried.append(location)
            continue
        for scheme in doc.security_schemes.values():
            flows = scheme.get("flows", {}) if isinstance(scheme, dict) else {}
            password = flows.get("password") if isinstance(flows, dict) else None
            if isinstance(password, dict) and isinstance(password.get("tokenUrl"), str):
                return str(password["tokenUrl"]), location
        return None, f"{location} declares no OAuth2 password flow"
    return None, f"no OpenAPI document at {', '.join(tried)}"


def run(args: argparse.Namespace, out: TextIO) -> int:
    _sweep()
    root, name = locate_project(args.path)
    base = args.url or running_base_url(root, args.profile)
    if base is None:
        print(
            f"asgideck: no running server of {root} "
            f"(start one: asgideck run {args.path} --profile NAME, or pass --url)",
            file=sys.stderr,
        )
        return EXIT_NO_SERVER
    query, headers, fields = parse_items(args.items)
    try:
        auth = _login(args.auth, base, args.timeout) if args.auth else None
    except RequestFailed as exc:
        print(f"asgideck: logging in failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    spec = RequestSpec(
        args.method,
        args.route,
        base_url=base,
        query=query,
        headers=headers,
        body_kind="json" if fields else "none",
        body=fields or None,
        timeout=args.timeout,
        auth=auth,
    )
    with Sender(deadline=args.deadline, max_body=args.max_body) as sender:
        try:
            response = sender.send(spec)
        except RequestFailed as exc:
            print(f"asgideck: {exc}", file=sys.stderr)
            _record(args, name, spec, None, str(exc))
            return EXIT_FAILED
        try:
            _print(response, out)  # before the history: a broken history never hides an answer
        except BaseException:  # a full disk, a closed output, a signal: the request happened
            _record(args, name, spec, response, None)
            raise
        if response.cut:
            print(f"asgideck: warning: {response.cut_notice()} (--max-body)", file=sys.stderr)
        _record(args, name, spec, response, None)
    if response.cut:
        return EXIT_CUT
    return EXIT_OK if response.status < 400 else response.status // 100


def _sweep() -> None:
    """Remove scratch files an asgideck that was killed left behind (never fatal)."""
    with contextlib.suppress(OSError):  # a broken state folder is reported where it is used
        sweep_temp()


def _login(credentials: str, base: str, timeout: float) -> BearerAuth | BasicAuth:
    user, _, password = credentials.partition(":")
    url, where = token_url(base, timeout)
    if url is None:
        print(f"asgideck: {where}; sending HTTP basic auth instead", file=sys.stderr)
        return BasicAuth(user, password)
    print(f"asgideck: logging in at {url} (the tokenUrl in {where})", file=sys.stderr)
    return BearerAuth(oauth2_password_token(base, url, user, password, timeout=timeout))


def _record(
    args: argparse.Namespace,
    project: str,
    spec: RequestSpec,
    response: ResponseRecord | None,
    error: str | None,
) -> None:
    """Add the request to the history; a history that cannot be written is a warning only:
    the answer has arrived (and was printed), and a retry would repeat its side effects."""
    if args.no_history:
        return
    from asgideck.runtime.client import History, HistoryUnavailable  # sqlite: only here

    try:
        history = History()
        try:
            history.add(project, spec, response, error)
        finally:
            history.close()
    except (HistoryUnavailable, OSError) as exc:
        why = " ".join(str(exc).split()) or type(exc).__name__
        print(f"asgideck: warning: the request history was not updated: {why}", file=sys.stderr)


TERMINAL_CHUNK = 2**20


def _print(response: ResponseRecord, out: TextIO) -> None:
    """Status line, headers, a blank line, the body: as it came when ``out`` is a pipe or a
    file; made printable, or a note for binary data, when it is a terminal."""
    terminal = _isatty(out)
    lines = [f"{response.http_version} {response.status} {response.reason}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    head = "\n".join(lines) + "\n\n"
    out.write(printable(head) if terminal else head)
    if terminal:
        _print_for_terminal(response, out)
    else:
        _print_exact(response, out)


def _isatty(out: TextIO) -> bool:
    try:
        return out.isatty()
    except (AttributeError, ValueError):
        return False


def _print_exact(response: ResponseRecord, out: TextIO) -> None:
    raw = getattr(out, "buffer", None)
    if raw is None:  # a text-only stream (a test's StringIO): the body decoded
        out.write(_decoded(response, _read_all(response)))
        return
    out.flush()
    if response.body_file is None:
        raw.write(response.body)
    else:
        with response.body_file.open("rb") as handle:
            while chunk := handle.read(TERMINAL_CHUNK):
                raw.write(chunk)
    raw.flush()


def _read_all(response: ResponseRecord) -> bytes:
    return response.body if response.body_file is None else response.body_file.read_bytes()


def _print_for_terminal(response: ResponseRecord, out: TextIO) -> None:
    if response.is_binary:
        kind = response.mime or "unknown type"
        out.write(
            f"(binary data not shown: {size_text(response.size)} of {kind}; "
            "redirect the output to a file to keep it)\n"
        )
        return
    if response.body_file is None:
        text = response.pretty()
        out.write(_for_terminal(text))
        if text and not text.endswith("\n"):
            out.write("\n")
        return
    decoder = codecs.getincrementaldecoder(_charset(response))(errors="replace")
    last = ""
    with response.body_file.open("rb") as handle:
        while chunk := handle.read(TERMINAL_CHUNK):
            text = decoder.decode(chunk)
            out.write(_for_terminal(text))
            last = text[-1:] or last
    text = decoder.decode(b"", final=True)
    out.write(_for_terminal(text))
    if (text[-1:] or last) != "\n":
        out.write("\n")


def _for_terminal(text: str) -> str:
    """No escape sequence reaches the terminal; CRLF line ends stay line ends."""
    return printable(text.replace("\r\n", "\n"))


def _charset(response: ResponseRecord) -> str:
    found = re.search(r"charset=\"?([\w.:-]+)", response.content_type, re.IGNORECASE)
    name = found.group(1) if found else "utf-8"
    try:
        codecs.lookup(name)
    except LookupError:
        return "utf-8"
    return name


def _decoded(response: ResponseRecord, data: bytes) -> str:
    return data.decode(_charset(response), errors="replace")


__all__ = [
    "EXIT_CUT",
    "ItemError",
    "add_parser",
    "body_size",
    "parse_items",
    "run",
    "running_base_url",
    "seconds",
    "split_item",
    "token_url",
]
