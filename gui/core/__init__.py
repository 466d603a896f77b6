"""What every view shares: the task runner and its scopes (``tasks``), the look (``theme``),
small widgets, the status strip, the table-model base and the JSON highlighter."""
