"""``python -m asgideck``: the same as the ``asgideck`` command."""

import sys

from asgideck.gui.entry import main

sys.exit(main())
