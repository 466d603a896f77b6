"""Server log lines: a bounded ring buffer, the reader loop that fills it, line parsing,
run-log files, and the excerpt that explains a crash.
"""

from __future__ import annotations

from asgideck.runtime.logs._buffer import LogBuffer, LogLine
from asgideck.runtime.logs._excerpt import error_excerpt
from asgideck.runtime.logs._files import RunLog, logs_dir, prune_run_logs
from asgideck.runtime.logs._parse import (
    PLAIN,
    AccessFields,
    Span,
    Stream,
    Style,
    count_status_classes,
    decode_spans,
    parse_access,
    parse_level,
    strip_ansi,
)
from asgideck.runtime.logs._reader import COALESCE_S, LineSplitter, pump

__all__ = [
    "COALESCE_S",
    "PLAIN",
    "AccessFields",
    "LineSplitter",
    "LogBuffer",
    "LogLine",
    "RunLog",
    "Span",
    "Stream",
    "Style",
    "count_status_classes",
    "decode_spans",
    "error_excerpt",
    "logs_dir",
    "parse_access",
    "parse_level",
    "prune_run_logs",
    "pump",
    "strip_ansi",
]
