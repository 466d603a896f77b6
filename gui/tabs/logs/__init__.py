"""Logs tab: a virtual list over a server's ring buffer (``model``) and its view."""
