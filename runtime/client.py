"""Try a route: send one request to the running server and record the answer.

This is the public face of the request client; the parts live beside it:

- ``client_spec``: :class:`RequestSpec` and :func:`prepare` (what goes on the wire)
- ``client_sender``: :class:`Sender` (streams, caps, cancels, times)
- ``client_response``: :class:`ResponseRecord` (JSON, text or hex views)
- ``client_auth``: bearer/basic/API key, the OAuth2 password flow, :class:`TokenStore`
- ``client_errors``: :class:`RequestFailed` and friends, with messages a person can act on

Callers import from ``runtime.client`` only.
"""

from __future__ import annotations

from runtime.client_auth import (
    ApiKeyAuth,
    Auth,
    BasicAuth,
    BearerAuth,
    TokenStore,
    join_url,
    oauth2_password_token,
)
from runtime.client_errors import (
    AuthFailed,
    InvalidRequest,
    RequestCancelled,
    RequestFailed,
)
from runtime.client_response import ResponseRecord
from runtime.client_sender import DEFAULT_BODY_CAP, Sender
from runtime.client_spec import (
    BodyKind,
    MultipartBody,
    Prepared,
    RequestSpec,
    encode_multipart_fields,
    file_content_type,
    prepare,
)

__all__ = [
    "DEFAULT_BODY_CAP",
    "ApiKeyAuth",
    "Auth",
    "AuthFailed",
    "BasicAuth",
    "BearerAuth",
    "BodyKind",
    "InvalidRequest",
    "MultipartBody",
    "Prepared",
    "RequestCancelled",
    "RequestFailed",
    "RequestSpec",
    "ResponseRecord",
    "Sender",
    "TokenStore",
    "encode_multipart_fields",
    "file_content_type",
    "join_url",
    "oauth2_password_token",
    "prepare",
]
