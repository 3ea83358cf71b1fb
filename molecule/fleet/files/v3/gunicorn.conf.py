"""Test fixture (release v3 of the fleet scenario): unhealthy on one web host only.

gunicorn listens on the wrong port where the app environment has
DJSTACK_TEST_UNHEALTHY (the scenario sets it for web2 alone), so that host's
health check fails while the other's passes.
"""

import os

bind = "0.0.0.0:8001" if os.environ.get("DJSTACK_TEST_UNHEALTHY") else "0.0.0.0:8000"
workers = int(os.environ.get("GUNICORN_WORKERS") or 2)
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
graceful_timeout = 30
forwarded_allow_ips = "*"
