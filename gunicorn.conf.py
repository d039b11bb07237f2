"""gunicorn settings for `make serve` (override with GUNICORN_CMD_ARGS)."""
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("LMS_WORKERS", "2"))
worker_class = "sync"
timeout = 30
graceful_timeout = 20
max_requests = 5000  # recycle workers now and then (memory hygiene)
max_requests_jitter = 500
accesslog = "-"
preload_app = False  # each worker builds its own engine after fork
