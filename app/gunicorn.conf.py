"""Gunicorn settings, picked up automatically from the working directory (/app)."""

import os

bind = "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2)
# Heartbeat files go to tmpfs so the container can run with a read-only root filesystem.
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
graceful_timeout = 30
# Only nginx can reach the app container, so trust its X-Forwarded-* headers.
forwarded_allow_ips = "*"
