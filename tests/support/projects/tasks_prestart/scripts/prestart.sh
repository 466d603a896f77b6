#! /usr/bin/env bash
# As full-stack-fastapi-template's backend/scripts/prestart.sh: run from the backend folder.

set -e
set -x

# Let the DB start
python app/backend_pre_start.py

# Run migrations
alembic upgrade head

# Create initial data in DB
python app/initial_data.py
