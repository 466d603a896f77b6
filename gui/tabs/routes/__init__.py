"""Routes tab: every route grouped by tag or path prefix (``model``), its detail pane
(``detail``) and the view with its filter."""
