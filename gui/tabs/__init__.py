"""One module or package per tab of the project page; each view takes its runtime object
in ``__init__`` and owns a task scope for its background work."""
