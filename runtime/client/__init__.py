"""Send requests to a running server: the spec, the sender, the response, auth, errors,
curl/httpx snippets, the WebSocket client, the loopback load test and the redacted history.
"""

from __future__ import annotations

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
