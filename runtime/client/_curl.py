"""Copy a request as a curl command or an httpx snippet, and read a pasted curl command back.

Both exports start from :func:`asgideck.runtime.client.prepare`, the same resolution the
Sender uses, so what they send is what the composer sends. Every argument of
the curl command is quoted with :func:`shlex.quote`; a pasted command is split
with :mod:`shlex` the way a POSIX shell would.
"""

from __future__ import annotations

import re
import secrets
import shlex
from pathlib import Path
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

from asgideck.runtime.client._auth import BasicAuth, BearerAuth
from asgideck.runtime.client._spec import (
    BodyKind,
    MultipartBody,
    RequestSpec,
    encode_multipart_fields,
    file_content_type,
    prepare,
)
from asgideck.runtime.errors import InputError

__all__ = ["CurlError", "from_curl", "to_curl", "to_httpx"]


class CurlError(InputError):
    """A request that cannot be written as curl, or a pasted command that cannot be read."""


# --- export ---------------------------------------------------------------------------------


def _form_file_arg(name: str, path: Path) -> str:
    """``name=@path;type=...``; curl needs the path in double quotes when it has ``;,"``."""
    shown = str(path)
    if any(ch in shown for ch in ';,"'):
        shown = '"' + shown.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return f"{name}=@{shown};type={file_content_type(path)}"


def to_curl(spec: RequestSpec, *, multiline: bool = False) -> str:
    """One shell-quoted curl command sending exactly what the Sender sends.

    ``multiline`` puts each option on its own line, joined with `` \\``.
    """
    prepared = prepare(spec)
    # The command as groups: "curl -sS -X POST URL" first, then one option with its value each.
    head = ["curl", "-sS"]
    # "-X HEAD" would make curl wait for a body that never comes; -I asks for headers only.
    head += ["-I"] if prepared.method == "HEAD" else ["-X", prepared.method]
    groups = [[*head, prepared.url]]
    groups += [["-H", f"{name}: {value}"] for name, value in prepared.headers]
    if prepared.content is not None:
        groups.append(["--data-binary", _shell_text(prepared.content)])
    if prepared.multipart is not None:
        for name, value in prepared.multipart.fields:
            groups.append(["--form-string", f"{name}={value}"])
        for name, path in prepared.multipart.files:
            groups.append(["-F", _form_file_arg(name, Path(path).expanduser())])
    if prepared.follow_redirects:
        groups.append(["-L"])
    if not prepared.verify:
        groups.append(["-k"])
    if spec.timeout != RequestSpec.timeout:
        groups.append(["--max-time", f"{spec.timeout:g}"])
    lines = [" ".join(shlex.quote(arg) for arg in group) for group in groups]
    return " \\\n  ".join(lines) if multiline else " ".join(lines)


def _shell_text(content: bytes) -> str:
    """The body as text for the command line; binary bodies cannot be passed as an argument."""
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise CurlError(
            f"the body is binary ({len(content)} bytes) and cannot be written into a shell "
            "command: save it to a file and use --data-binary @FILE"
        )
    return text


def to_httpx(spec: RequestSpec) -> str:
    """A runnable Python snippet (``python snippet.py``) sending the same request with httpx."""
    prepared = prepare(spec)
    headers = list(prepared.headers)
    content = prepared.content
    body = prepared.multipart
    if body is not None and not body.files:
        # Fields alone: httpx would urlencode them, so the snippet carries the multipart body.
        boundary = "asgideck-" + secrets.token_hex(8)
        headers.append(("Content-Type", f"multipart/form-data; boundary={boundary}"))
        content, body = encode_multipart_fields(body.fields, boundary), None
    call = ["response = httpx.request(", f"    {prepared.method!r},", f"    {prepared.url!r},"]
    if headers:
        call.append("    headers=[")
        for name, value in headers:
            shown = repr(value) if value.isascii() else f"{value!r}.encode()"
            call.append(f"        ({name!r}, {shown}),")
        call.append("    ],")
    if content is not None:
        try:
            call.append(f"    content={content.decode('utf-8')!r},")
        except UnicodeDecodeError:
            call.append(f"    content={content!r},")
    if body is not None:
        call += _httpx_files(body)
    call.append(f"    timeout={prepared.timeout!r},")
    call.append(f"    follow_redirects={prepared.follow_redirects!r},")
    if not prepared.verify:
        call.append("    verify=False,")
    call.append(")")
    closing = ["print(response.status_code, response.reason_phrase)", "print(response.text)"]
    return "\n".join(["import httpx", "", *call, *closing]) + "\n"


def _httpx_files(body: MultipartBody) -> list[str]:
    lines = []
    if body.fields:
        grouped: dict[str, list[str]] = {}
        for name, value in body.fields:
            grouped.setdefault(name, []).append(value)
        lines.append("    data={")
        for name, values in grouped.items():
            shown = repr(values[0]) if len(values) == 1 else repr(values)
            lines.append(f"        {name!r}: {shown},")
        lines.append("    },")
    lines.append("    files=[")
    for name, raw in body.files:
        path = Path(raw).expanduser()
        entry = f"({path.name!r}, open({str(path)!r}, 'rb'), {file_content_type(path)!r})"
        lines.append(f"        ({name!r}, {entry}),")
    lines.append("    ],")
    return lines


# --- import ---------------------------------------------------------------------------------

# Options that take a value, by every name curl accepts; the value is the long name.
_WITH_VALUE = {
    "-X": "--request",
    "--request": "--request",
    "-H": "--header",
    "--header": "--header",
    "-d": "--data",
    "--data": "--data",
    "--data-ascii": "--data",
    "--data-raw": "--data-raw",
    "--data-binary": "--data-binary",
    "--data-urlencode": "--data-urlencode",
    "--json": "--json",
    "-F": "--form",
    "--form": "--form",
    "--form-string": "--form-string",
    "-u": "--user",
    "--user": "--user",
    "-b": "--cookie",
    "--cookie": "--cookie",
    "--url": "--url",
    "-A": "--user-agent",
    "--user-agent": "--user-agent",
    "-e": "--referer",
    "--referer": "--referer",
    "-m": "--max-time",
    "--max-time": "--max-time",
    "--connect-timeout": "--connect-timeout",
    "--oauth2-bearer": "--oauth2-bearer",
}
_FLAGS = {
    "-G": "--get",
    "--get": "--get",
    "-k": "--insecure",
    "--insecure": "--insecure",
    "-L": "--location",
    "--location": "--location",
    "-I": "--head",
    "--head": "--head",
}
# Flags that only change what curl prints or how it talks, not what the server receives.
_HARMLESS = {
    "-s", "--silent", "-S", "--show-error", "-v", "--verbose", "-i", "--include",
    "--compressed", "-f", "--fail", "--fail-with-body", "--http1.1", "-g", "--globoff",
    "--no-progress-meter", "-N", "--no-buffer", "--raw", "--location-trusted",
}  # fmt: skip
_CONTINUATION = re.compile(r"\\\r?\n")


class _Parsed:
    def __init__(self) -> None:
        self.method: str | None = None
        self.url: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.data: list[str] = []
        self.json = False
        self.fields: list[tuple[str, str]] = []
        self.files: list[tuple[str, str]] = []
        self.auth: BasicAuth | BearerAuth | None = None
        self.cookies: dict[str, str] = {}
        self.get = self.insecure = self.location = self.head = False
        self.timeout: float | None = None


def _split_options(tokens: list[str]) -> list[tuple[str, str | None]]:
    """Normalise ``-XPOST``, ``-sSL``, ``--data=x`` into (long option, value) pairs."""
    out: list[tuple[str, str | None]] = []
    index = 0
    while index < len(tokens):
        token = tokens[index]
        index += 1
        if token.startswith("--") and len(token) > 2:
            name, eq, inline = token.partition("=")
            if name in _WITH_VALUE:
                if eq:
                    out.append((_WITH_VALUE[name], inline))
                elif index < len(tokens):
                    out.append((_WITH_VALUE[name], tokens[index]))
                    index += 1
                else:
                    raise CurlError(f"curl option {name} needs a value")
            elif name in _FLAGS:
                out.append((_FLAGS[name], None))
            elif name in _HARMLESS:
                continue
            else:
                raise CurlError(f"unsupported curl option {name!r}")
        elif token.startswith("-") and len(token) > 1:
            letters = token[1:]
            while letters:
                short = "-" + letters[0]
                letters = letters[1:]
                if short in _WITH_VALUE:
                    if letters:
                        out.append((_WITH_VALUE[short], letters))
                    elif index < len(tokens):
                        out.append((_WITH_VALUE[short], tokens[index]))
                        index += 1
                    else:
                        raise CurlError(f"curl option {short} needs a value")
                    letters = ""
                elif short in _FLAGS:
                    out.append((_FLAGS[short], None))
                elif short not in _HARMLESS:
                    raise CurlError(f"unsupported curl option {short!r} (in {token!r})")
        else:
            out.append(("--url", token))
    return out


def _apply(parsed: _Parsed, option: str, value: str | None) -> None:
    text = value or ""
    match option:
        case "--request":
            parsed.method = text.upper()
        case "--header":
            parsed.headers.append(_header(text))
        case "--data" | "--data-binary" | "--json":
            if text.startswith("@"):
                raise CurlError(
                    f"{option} {text!r} reads the body from a file; paste the body itself instead"
                )
            parsed.data.append(text)
            parsed.json = parsed.json or option == "--json"
        case "--data-raw":
            parsed.data.append(text)
        case "--data-urlencode":
            parsed.data.append(_urlencode_arg(text))
        case "--form":
            _form(parsed, text)
        case "--form-string":
            parsed.fields.append(_pair(text, option))
        case "--user":
            _user(parsed, text)
        case "--cookie":
            _cookies(parsed, text)
        case "--url":
            _url(parsed, text)
        case "--user-agent":
            parsed.headers.append(("User-Agent", text))
        case "--referer":
            parsed.headers.append(("Referer", text))
        case "--max-time":
            parsed.timeout = _seconds(option, text)
        case "--oauth2-bearer":
            parsed.auth = BearerAuth(text)
        case "--get":
            parsed.get = True
        case "--insecure":
            parsed.insecure = True
        case "--location":
            parsed.location = True
        case "--head":
            parsed.head = True
        case _:  # --connect-timeout: the spec has one timeout, --max-time sets it
            pass


def _header(text: str) -> tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise CurlError(f"header {text!r} is not 'Name: value'")
    return name.strip(), value.strip()


def _pair(text: str, option: str) -> tuple[str, str]:
    name, eq, value = text.partition("=")
    if not eq or not name:
        raise CurlError(f"{option} {text!r} is not 'name=value'")
    return name, value


def _urlencode_arg(text: str) -> str:
    name, eq, value = text.partition("=")
    if not eq:
        return quote_plus(text)
    if value.startswith("@") or name.endswith("@"):
        raise CurlError(f"--data-urlencode {text!r} reads a file; paste the value instead")
    return f"{name}={quote_plus(value)}" if name else quote_plus(value)


def _form(parsed: _Parsed, text: str) -> None:
    name, value = _pair(text, "-F")
    if value.startswith("@"):
        path = value[1:]
        if path.startswith('"'):
            end = path.find('"', 1)
            path = path[1:end] if end > 0 else path[1:]
        else:
            path = path.split(";", 1)[0]
        parsed.files.append((name, path))
    elif value.startswith("<"):
        raise CurlError(f"-F {text!r} reads a field from a file; paste the value instead")
    else:
        parsed.fields.append((name, value.split(";type=", 1)[0]))


def _user(parsed: _Parsed, text: str) -> None:
    user, colon, password = text.partition(":")
    if not colon:
        raise CurlError(f"-u {text!r} has no password: give -u user:password")
    parsed.auth = BasicAuth(user, password)


def _cookies(parsed: _Parsed, text: str) -> None:
    if "=" not in text:
        raise CurlError(f"-b {text!r} reads cookies from a file; paste 'name=value' pairs instead")
    for item in text.split(";"):
        name, _eq, value = item.strip().partition("=")
        if name:
            parsed.cookies[name] = value


def _url(parsed: _Parsed, text: str) -> None:
    if parsed.url is not None:
        raise CurlError(f"more than one URL: {parsed.url!r} and {text!r}")
    parsed.url = text if "://" in text else "http://" + text


def _seconds(option: str, text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise CurlError(f"{option} {text!r} is not a number of seconds") from None


def _tokens(command: str) -> list[str]:
    text = _CONTINUATION.sub(" ", command.strip())
    text = text.removeprefix("$ ").strip()
    try:
        tokens = shlex.split(text)
    except ValueError as exc:
        raise CurlError(f"cannot split the command: {exc}") from None
    if not tokens or Path(tokens[0]).name not in ("curl", "curl.exe"):
        first = tokens[0] if tokens else ""
        raise CurlError(f"not a curl command: it starts with {first!r}")
    return tokens[1:]


def from_curl(command: str) -> RequestSpec:
    """Read a pasted curl command into a spec (raises :class:`CurlError` naming the problem)."""
    parsed = _Parsed()
    for option, value in _split_options(_tokens(command)):
        _apply(parsed, option, value)
    if parsed.url is None:
        raise CurlError("the curl command has no URL")
    parts = urlsplit(parsed.url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    url = urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", ""))
    headers = parsed.headers
    content_type = next((v for k, v in headers if k.lower() == "content-type"), None)
    body_kind: BodyKind = "none"
    body: object = None
    default_type: str | None = None
    if parsed.fields or parsed.files:
        if parsed.data:
            raise CurlError("-F cannot be combined with -d/--data in one curl command")
        body_kind, body = "multipart", MultipartBody(tuple(parsed.fields), tuple(parsed.files))
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
    elif parsed.data and parsed.get:
        for chunk in parsed.data:
            query += parse_qsl(chunk, keep_blank_values=True)
    elif parsed.data:
        body_kind, body, default_type = _data_body(parsed, content_type)
        if parsed.json:
            for name, value in (
                ("Content-Type", "application/json"),
                ("Accept", "application/json"),
            ):
                if not any(k.lower() == name.lower() for k, _v in headers):
                    headers.append((name, value))
    if parsed.head:
        method = "HEAD"
    elif parsed.method:
        method = parsed.method
    else:
        method = "POST" if body_kind != "none" else "GET"
    return RequestSpec(
        method=method,
        url=url,
        query=tuple(query),
        headers=tuple(headers),
        cookies=parsed.cookies,
        body_kind=body_kind,
        body=body,
        follow_redirects=parsed.location,
        auth=parsed.auth,
        content_type=default_type,
        verify=not parsed.insecure,
        timeout=parsed.timeout if parsed.timeout is not None else RequestSpec.timeout,
    )


def _data_body(parsed: _Parsed, content_type: str | None) -> tuple[BodyKind, object, str | None]:
    """Kind, body and the Content-Type curl would send when the command sets none."""
    text = "&".join(parsed.data) if not parsed.json else "".join(parsed.data)
    mime = (content_type or "").split(";", 1)[0].strip().lower()
    if parsed.json or mime == "application/json" or mime.endswith("+json"):
        return "json", text, None
    if mime in ("", "application/x-www-form-urlencoded"):
        try:
            pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
        except ValueError:
            return "raw", text, None if mime else "application/x-www-form-urlencoded"
        return "form", tuple(pairs), None
    return "raw", text, None
