"""The SERVICES part of the sidebar: the databases, caches and mail catcher the selected
profile needs, their lights and start/stop, Open shell, Start all / Stop all, and the
dialogs a start may need (a taken port, a rejected password)."""
