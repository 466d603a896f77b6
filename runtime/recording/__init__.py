"""Recorded requests: what the agent wrote, read back, filtered and kept bounded.

Where a server's records live (``records_dir``; a start empties it with
``begin_records``), ``RequestLog`` (its files read as they grow, newest ``keep``
kept), the record model and its parser (the format contract with ``runtime/agent``).

The names are loaded on first use (PEP 562): starting a server only prepares the
records folder; the record model and its JSON are for the readers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asgideck.runtime._lazy import lazy_exports

if TYPE_CHECKING:
    from asgideck.runtime.recording._json import record_to_json
    from asgideck.runtime.recording._model import (
        FORMAT,
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
    "FORMAT",
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

#: where each public name lives (the private module in this package)
_HOME: dict[str, str] = {
    "FORMAT": "_model",
    "N_PLUS_ONE_REPEATS": "_model",
    "RECORD_SUFFIX": "_paths",
    "ExceptionInfo": "_model",
    "Frame": "_model",
    "HttpCall": "_model",
    "LogLine": "_model",
    "RecordedServer": "_paths",
    "RequestFilter": "_model",
    "RequestLog": "_store",
    "RequestRecord": "_model",
    "Span": "_model",
    "SqlStatement": "_model",
    "WorkerInfo": "_model",
    "begin_records": "_paths",
    "clear_records": "_paths",
    "parse_line": "_model",
    "record_files": "_paths",
    "record_to_json": "_json",
    "recorded_servers": "_paths",
    "records_dir": "_paths",
    "records_root": "_paths",
    "requests_in": "_store",
}


__getattr__, __dir__ = lazy_exports(globals(), _HOME)
