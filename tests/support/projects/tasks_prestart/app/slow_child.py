"""Writes its pid where the test looks, then waits far longer than any test runs."""

import os
import sys
import time
from pathlib import Path

Path(sys.argv[1]).write_text(str(os.getpid()), encoding="utf-8")
print(f"slow task child {os.getpid()} started", flush=True)
time.sleep(600)
