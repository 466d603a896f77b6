"""The Try tab: composer, response viewer, history, Authorize flow, WebSocket and load-test
panels, all over ``asgideck.runtime.workbench``; ``view`` puts them together."""
