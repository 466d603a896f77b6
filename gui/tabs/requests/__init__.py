"""Requests tab: what a recorded dev server handled, the browser-devtools "Network" shape.

The table of records (``model``), the filter bar (``filters``), one request's detail
(``detail``, with its HTML parts in ``render`` and the painted ``waterfall``), what a
record turns into elsewhere (``actions``: curl, a Try draft) and the view that polls the
server's :class:`~asgideck.runtime.recording.RequestLog` (``view``).
"""
