"""Seeds the database (one line in the file the stand-in migration created)."""

import os
import sys
from pathlib import Path

db = Path(os.environ["APP_DB"])
if not db.is_file():
    print(f"ERROR: {db} does not exist: run the migrations first", file=sys.stderr)
    sys.exit(1)
with db.open("a", encoding="utf-8") as handle:
    handle.write("seeded\n")
print("Creating initial data", flush=True)
print("Initial data created", flush=True)
