"""Every error asgideck raises on purpose, in one tree (httpx draws its own the same way).

``str(exc)`` is the message to show a person: one line naming the file, line,
field, variable or port where there is one. The GUI's presenter and the CLI catch
:class:`AsgideckError`; anything else that escapes is a bug and is shown as one.

::

    AsgideckError
    ├── ProjectError ............ project: no app found, unreadable project
    │   └── AppNotFound
    ├── EnvFileError ............ profiles: a .env file that cannot be read or edited
    │   └── EditConflict ........ the edited variable changed on disk meanwhile
    ├── ProbeError .............. inspect: the probe gave no usable result
    ├── OpenAPIError ............ openapi: a document that cannot be loaded or parsed
    │   └── OpenAPILimitError ... over a size, time or nesting limit (openapi/_limits.py)
    ├── ServerError ............. servers (also a RuntimeError)
    │   ├── AlreadyRunning
    │   ├── LaunchFailed
    │   ├── PortInUse
    │   └── ConfigError ......... a launch config or server spec that is not valid
    ├── RequestFailed ........... client: why a request failed
    │   ├── InvalidRequest
    │   ├── RequestCancelled
    │   └── AuthFailed
    ├── HistoryUnavailable ...... client: the request history cannot be opened, read or written
    ├── WsError ................. client: the WebSocket panel
    │   └── WsClosed
    ├── InputError .............. text a person typed that cannot be read (also a ValueError);
    │   │                         raised as is for a bad variable name or CLI argument
    │   ├── CurlError ........... client: a pasted curl command
    │   ├── ItemError ........... cli: an httpie-style request item (``asgideck call``)
    │   └── LoadTestError ....... client: load-test settings
    ├── NotFound ................ a named thing that is not there (also a LookupError):
    │                             a server name, a history entry
    └── StateError .............. userstate: a state file or ASGIDECK_HOME asgideck cannot
                                  use (also an OSError); lives in userstate.py

The concrete classes live with the capability that raises them and are exported
by its package; this module holds the root and the shared branches. ``ConfigError``
is a ``ValueError`` too, so callers that validate input may catch either.
"""

from __future__ import annotations

__all__ = ["AsgideckError", "InputError", "NotFound", "ServerError"]


class AsgideckError(Exception):
    """The root: an error asgideck raised on purpose, with a message fit to show."""


class ServerError(AsgideckError, RuntimeError):
    """A server could not be started, stopped or configured as asked."""


class InputError(AsgideckError, ValueError):
    """Something a person typed or pasted could not be read."""


class NotFound(AsgideckError, LookupError):
    """A server, history entry or other named thing asked for is not there."""
