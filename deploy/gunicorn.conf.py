"""gunicorn settings for OncoNet: `gunicorn -c deploy/gunicorn.conf.py config.wsgi`.

Every value can be changed through the environment (see the README, "Production and scale-out"):

    GUNICORN_BIND           address to listen on                  127.0.0.1:8000
    WEB_CONCURRENCY         worker processes                      2 × CPU cores + 1, at most 8
    GUNICORN_THREADS        threads per worker process            2
    GUNICORN_TIMEOUT        seconds before a silent worker is killed and replaced    60
    GUNICORN_GRACEFUL_TIMEOUT  seconds a worker may finish its requests on restart or stop  30
    GUNICORN_MAX_REQUESTS   requests after which a worker is replaced (0: never)     1000
    GUNICORN_ACCESS_LOG     "-" for gunicorn's access log on stdout; empty (default) for none,
                            since OncoNet logs every request itself as a JSON line
    GUNICORN_LOG_LEVEL      gunicorn's own log level              info
"""

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


bind = [address.strip() for address in os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",") if address.strip()]
workers = _int("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8))
# gthread: a slow client or a long upload holds a thread, not a whole process.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 2)
timeout = _int("GUNICORN_TIMEOUT", 60)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = 5
# Replacing a worker now and then bounds the memory a long-lived process gathers (matplotlib, OR-Tools);
# the jitter keeps the workers from restarting all at once.
max_requests = _int("GUNICORN_MAX_REQUESTS", 1000)
max_requests_jitter = max_requests // 10
# The heartbeat file lives in memory, not on a disk that may stall (the gunicorn docs' advice for containers).
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
# Client, request line, status, bytes, duration in µs and the X-Request-ID that OncoNet answers with.
access_log_format = '%(h)s "%(r)s" %(s)s %(B)s %(D)sus rid=%({x-request-id}o)s'
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a reverse proxy on the same host, X-Forwarded-* from 127.0.0.1 is trusted (gunicorn's default);
# set FORWARDED_ALLOW_IPS for a proxy elsewhere, and BEHIND_TLS_PROXY=1 for Django.
