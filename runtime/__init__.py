"""Headless core of asgideck: projects, profiles, probes, checks, servers.

Nothing in this package imports Qt or ``gui``; the GUI, the CLI and the tests
all drive the same objects (a test enforces the boundary).
"""
