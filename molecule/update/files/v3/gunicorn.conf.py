"""Test fixture (release v3): gunicorn listens on the wrong port, so the health check fails."""

bind = "0.0.0.0:8001"
workers = 1
worker_tmp_dir = "/dev/shm"
accesslog = "-"
errorlog = "-"
