"""The folder a recorded server gets first on ``PYTHONPATH``: only ``_asgideck_agent.py``.

Nothing imports this package: the server imports ``_asgideck_agent`` as a top-level
module from here (see ``asgideck.runtime.agent``).
"""
