"""One module per tab of the main window; each takes its runtime object in ``__init__``."""
