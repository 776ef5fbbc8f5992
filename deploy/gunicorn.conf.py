"""gunicorn settings for one Doorstep app server (systemd's doorstep-web@.service and `make prod-local`).

The listening address comes from the command line (--bind); sizes come from the environment so
one file serves a 2-core test box and a 16-core server. Tuning notes: docs/deploy.md.
"""

import os

wsgi_app = "config.wsgi:application"
# Threads let a worker overlap database round trips; workers use the cores (Python holds one per process).
worker_class = "gthread"
workers = int(os.environ.get("DOORSTEP_WEB_WORKERS", "2"))
threads = int(os.environ.get("DOORSTEP_WEB_THREADS", "4"))
# nginx keeps connections to the app servers open (upstream keepalive); keep them a little longer here.
keepalive = int(os.environ.get("DOORSTEP_WEB_KEEPALIVE", "75"))
timeout = int(os.environ.get("DOORSTEP_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# Recycle workers now and then so a slow leak never grows without bound. Not too often: a new worker
# spends ~2.8 s of CPU importing Django and Doorstep and warms its caches on its first requests, and at
# 5,000 a worker of a busy 2-core server was replaced every two or three minutes (docs/bench/load.md).
max_requests = int(os.environ.get("DOORSTEP_WEB_MAX_REQUESTS", "20000"))
max_requests_jitter = max_requests // 10
# nginx is the only client: it sets X-Forwarded-Proto, which Django reads (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("DOORSTEP_TRUSTED_PROXIES", "127.0.0.1,::1")
# nginx writes the access log; gunicorn logs errors only, to stderr (journald) unless --error-logfile.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("DOORSTEP_WEB_LOG_LEVEL", "info")
proc_name = "doorstep-web"
