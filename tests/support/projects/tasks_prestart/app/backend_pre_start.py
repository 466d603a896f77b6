"""Waits for the database in the template; here: says who runs it."""

import os
import sys

import tasks_only_here  # exists only in this project's venv: proves whose python this is

print("Initializing service", flush=True)
print(f"pre-start python prefix: {sys.prefix}", flush=True)
print(f"pre-start venv module: {tasks_only_here.VENV}", flush=True)
print(f"pre-start database: {os.environ['APP_DB']}", flush=True)
print("Service finished initializing", flush=True)
