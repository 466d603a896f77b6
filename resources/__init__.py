"""Icons and the stylesheet, read with :mod:`importlib.resources`."""
