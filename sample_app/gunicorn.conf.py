"""Gunicorn settings: `gunicorn -c gunicorn.conf.py` (command-line flags win over these)."""

import os

wsgi_app = "app.main:app"
worker_class = "uvicorn_worker.UvicornWorker"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
bind = "127.0.0.1:8000"

# Kill a worker that is silent for this long; give in-flight requests this long on stop.
timeout = 60
graceful_timeout = 20
keepalive = 5

accesslog = "-"
errorlog = "-"
loglevel = "info"
