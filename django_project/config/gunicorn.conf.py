"""gunicorn settings for the shop's API (``make api``, the Docker image, the API benchmark).

Tuned with ``benchmarks/api_load.py`` on 2 cores shared with PostgreSQL and the load generator.
``gthread`` keeps HTTP connections alive and lets a process serve a request while another waits
for the database (reading an order takes five statements, placing one three, plus the
connection's health check); three processes keep both cores busy despite the GIL (both are
mostly CPU: Django and DRF around the queries). Two processes left the cores idle during
placements; more processes or threads only added switching.

``HOST`` and ``PORT`` choose the address; any other setting can be overridden without editing
this file through gunicorn's own ``GUNICORN_CMD_ARGS`` (e.g. ``"--workers 5 --threads 2"``,
``"--access-logfile -"``).
"""

import os

# 127.0.0.1 by default: the API is meant to sit behind a proxy or a load balancer on the host.
# A container must listen on every interface instead (HOST=0.0.0.0).
bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"

worker_class = "gthread"
workers = 3
threads = 4
# At most this many open connections per process. Unbounded, the first process to wake up
# takes most of a burst of keep-alive connections (15 of 16 measured) and serves them on one
# core while the others idle; bounded, they spread. Keep a proxy's pool of upstream connections
# below workers x this, or the extra ones wait in the listen backlog for a free slot.
worker_connections = 8
# Seconds an idle keep-alive connection keeps its slot.
keepalive = 5
# Load Django once in the master, then fork: workers start fast and share memory.
preload_app = True
timeout = 30
graceful_timeout = 20
# Recycle workers now and then, so a slow leak cannot grow without bound.
max_requests = 20_000
max_requests_jitter = 2_000

# No access log: it costs CPU on every request (turn it on with "--access-logfile -").
accesslog = None
errorlog = "-"
loglevel = "info"
