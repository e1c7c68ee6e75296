"""gunicorn's settings for kim-admin (``make serve``, the systemd unit in docs/operations.md).

Every value can be set from the environment; the defaults fit one machine with a few cores.
Reports, exports and batches run in the job worker, so a web request is short: sync workers,
one request each, and a timeout that kills a stuck worker instead of letting it hold its slot.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
# gunicorn's rule of thumb: two per core plus one (WEB_CONCURRENCY is the usual override).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("WEB_TIMEOUT", 30))
graceful_timeout = int(os.environ.get("WEB_GRACEFUL_TIMEOUT", 30))
keepalive = 5
# A worker is replaced after this many requests (with jitter): memory cannot creep up.
max_requests = int(os.environ.get("WEB_MAX_REQUESTS", 1000))
max_requests_jitter = 100
# The app is imported once and the workers forked from it (less memory, the settings are
# checked once, before any worker starts). Django opens no connection at import.
preload_app = True
# The heartbeat files in memory, not on a disk that may stall.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
# The app logs one line per request with its id (kim_admin.requestlog): no second access log.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind the reverse proxy on this machine: trust its X-Forwarded-* headers.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
proc_name = "kim-admin"
wsgi_app = "kim_admin.wsgi:application"
