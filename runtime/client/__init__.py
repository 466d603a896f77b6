"""Send requests to a running server: the spec, the sender, the response, auth, errors,
curl/httpx snippets, the WebSocket client, the loopback load test and the redacted history.

The names are loaded on first use (PEP 562): the window imports this package for
``size_text`` and the workbench's types at start-up, and httpx, websockets and asyncio
(the sender, the WebSocket client, the load test) are paid for only when a request is
made or the Try tab is shown.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
    from asgideck.runtime.client._auth import (
        ApiKeyAuth,
        ApiKeyLocation,
        Auth,
        BasicAuth,
        BearerAuth,
        TokenStore,
        authorization_value,
        join_url,
        oauth2_password_token,
    )
    from asgideck.runtime.client._curl import CurlError, from_curl, to_curl, to_httpx
    from asgideck.runtime.client._errors import (
        AuthFailed,
        DeadlineExceeded,
        InvalidRequest,
        RequestCancelled,
        RequestFailed,
    )
    from asgideck.runtime.client._history import History, HistoryEntry, HistoryUnavailable
    from asgideck.runtime.client._history_record import Redactor
    from asgideck.runtime.client._loadtest import (
        MAX_CONCURRENCY,
        MAX_DURATION_S,
        LoadResult,
        LoadTestError,
        check_loopback,
        parse_hey,
        parse_wrk,
        percentile,
        run_load,
    )
    from asgideck.runtime.client._response import (
        HEX_HEAD,
        ResponseRecord,
        hex_dump,
        parse_size,
        size_text,
    )
    from asgideck.runtime.client._sender import (
        DEFAULT_BODY_CAP,
        DEFAULT_DEADLINE_S,
        DEFAULT_MAX_BODY,
        Sender,
    )
    from asgideck.runtime.client._spec import BodyKind, MultipartBody, RequestSpec, prepare
    from asgideck.runtime.client._websocket import (
        WsClient,
        WsClosed,
        WsError,
        WsMessage,
        filter_messages,
        websockets_connector,
        ws_url,
    )

__all__ = [
    "DEFAULT_BODY_CAP",
    "DEFAULT_DEADLINE_S",
    "DEFAULT_MAX_BODY",
    "HEX_HEAD",
    "MAX_CONCURRENCY",
    "MAX_DURATION_S",
    "ApiKeyAuth",
    "ApiKeyLocation",
    "Auth",
    "AuthFailed",
    "BasicAuth",
    "BearerAuth",
    "BodyKind",
    "CurlError",
    "DeadlineExceeded",
    "History",
    "HistoryEntry",
    "HistoryUnavailable",
    "InvalidRequest",
    "LoadResult",
    "LoadTestError",
    "MultipartBody",
    "Redactor",
    "RequestCancelled",
    "RequestFailed",
    "RequestSpec",
    "ResponseRecord",
    "Sender",
    "TokenStore",
    "WsClient",
    "WsClosed",
    "WsError",
    "WsMessage",
    "authorization_value",
    "check_loopback",
    "filter_messages",
    "from_curl",
    "hex_dump",
    "join_url",
    "oauth2_password_token",
    "parse_hey",
    "parse_size",
    "parse_wrk",
    "percentile",
    "prepare",
    "run_load",
    "size_text",
    "to_curl",
    "to_httpx",
    "websockets_connector",
    "ws_url",
]

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "DEFAULT_BODY_CAP": "_sender",
    "DEFAULT_DEADLINE_S": "_sender",
    "DEFAULT_MAX_BODY": "_sender",
    "HEX_HEAD": "_response",
    "MAX_CONCURRENCY": "_loadtest",
    "MAX_DURATION_S": "_loadtest",
    "ApiKeyAuth": "_auth",
    "ApiKeyLocation": "_auth",
    "Auth": "_auth",
    "AuthFailed": "_errors",
    "BasicAuth": "_auth",
    "BearerAuth": "_auth",
    "BodyKind": "_spec",
    "CurlError": "_curl",
    "DeadlineExceeded": "_errors",
    "History": "_history",
    "HistoryEntry": "_history",
    "HistoryUnavailable": "_history",
    "InvalidRequest": "_errors",
    "LoadResult": "_loadtest",
    "LoadTestError": "_loadtest",
    "MultipartBody": "_spec",
    "Redactor": "_history_record",
    "RequestCancelled": "_errors",
    "RequestFailed": "_errors",
    "RequestSpec": "_spec",
    "ResponseRecord": "_response",
    "Sender": "_sender",
    "TokenStore": "_auth",
    "WsClient": "_websocket",
    "WsClosed": "_websocket",
    "WsError": "_websocket",
    "WsMessage": "_websocket",
    "authorization_value": "_auth",
    "check_loopback": "_loadtest",
    "filter_messages": "_websocket",
    "from_curl": "_curl",
    "hex_dump": "_response",
    "join_url": "_auth",
    "oauth2_password_token": "_auth",
    "parse_hey": "_loadtest",
    "parse_size": "_response",
    "parse_wrk": "_loadtest",
    "percentile": "_loadtest",
    "prepare": "_spec",
    "run_load": "_loadtest",
    "size_text": "_response",
    "to_curl": "_curl",
    "to_httpx": "_curl",
    "websockets_connector": "_websocket",
    "ws_url": "_websocket",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
