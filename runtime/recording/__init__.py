"""Recorded requests: what the agent wrote, read back, filtered and kept bounded."""

from __future__ import annotations

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

__all__ = [
    "N_PLUS_ONE_REPEATS",
    "ExceptionInfo",
    "Frame",
    "HttpCall",
    "LogLine",
    "RequestFilter",
    "RequestRecord",
    "Span",
    "SqlStatement",
    "WorkerInfo",
    "parse_line",
]
