"""gunicorn's settings for the site: `gunicorn --config deploy/gunicorn.conf.py wsgi:app`.

Read by gunicorn at start (and on HUP); every value can be changed through the environment:
GUNICORN_BIND (default 127.0.0.1:8000, where nginx proxies to), WEB_CONCURRENCY (workers; default
two per CPU plus one), GUNICORN_TIMEOUT (default 30 seconds) and FORWARDED_ALLOW_IPS (default the
loopback addresses, where nginx runs).

Sync workers: nginx in front buffers slow clients, so each worker is busy only while the app works.
"""

import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1) + 1)
worker_class = "sync"

# A worker that has not answered in this long (a hung database connection, say) is killed and
# replaced, and its request answered 502 by nginx. Longer than the app's own database timeouts
# (DATABASE_STATEMENT_TIMEOUT, 15 s), so those normally fail the request first.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# On SIGTERM (systemctl stop or restart) or HUP, requests in flight get this long to finish.
graceful_timeout = 30
# Workers are replaced after this many requests (with jitter, not all at once): memory stays flat.
max_requests = 2000
max_requests_jitter = 200
# The heartbeat file on a memory file system: a slow disk must not look like a hung worker.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108

# Only nginx's requests may set the scheme through X-Forwarded-Proto. The client's address is the
# app's business (TRUSTED_PROXIES, werkzeug's ProxyFix); gunicorn never rewrites REMOTE_ADDR.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

proc_name = "enab-web"
# To stdout and stderr: journald (systemd) keeps them. Each request names the client as the app saw
# it (after ProxyFix: the reader's address), the time taken in milliseconds, and the whole
# X-Forwarded-For chain nginx passed on.
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
access_log_format = (
    '%(h)s "%(r)s" %(s)s %(B)s %(M)sms "%(f)s" "%(a)s" forwarded-for="%({x-forwarded-for}i)s"'
)
