"""``python -m asgideck``: the same as the ``asgideck`` command."""

import sys

from asgideck.gui.entry import main

if __name__ == "__main__":
    sys.exit(main())
