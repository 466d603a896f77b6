"""Recorded requests: what the agent wrote, read back, filtered and kept bounded.

Where a server's records live (``records_dir``; a start empties it with
``begin_records``), ``RequestLog`` (its files read as they grow, newest ``keep``
kept), the record model and its parser (the format contract with ``runtime/agent``).
"""

from __future__ import annotations

from asgideck.runtime.recording._json import record_to_json
from asgideck.runtime.recording._model import (
    N_PLUS_ONE_REPEATS,
    ExceptionInfo,
    Frame,
    HttpCall,
    LogLine,
    RequestFilter,
    RequestRecord,
    Span,
    SqlStatement,
    WorkerInfo,
    parse_line,
)
from asgideck.runtime.recording._paths import (
    RECORD_SUFFIX,
    RecordedServer,
    begin_records,
    clear_records,
    record_files,
    recorded_servers,
    records_dir,
    records_root,
)
from asgideck.runtime.recording._store import RequestLog, requests_in

__all__ = [
    "N_PLUS_ONE_REPEATS",
    "RECORD_SUFFIX",
    "ExceptionInfo",
    "Frame",
    "HttpCall",
    "LogLine",
    "RecordedServer",
    "RequestFilter",
    "RequestLog",
    "RequestRecord",
    "Span",
    "SqlStatement",
    "WorkerInfo",
    "begin_records",
    "clear_records",
    "parse_line",
    "record_files",
    "record_to_json",
    "recorded_servers",
    "records_dir",
    "records_root",
    "requests_in",
]
