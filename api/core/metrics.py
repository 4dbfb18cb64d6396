"""Prometheus metrics of the API (prometheus-client), served on a separate metrics port.

Metrics (names as scraped; ``_total``/``_bucket``... suffixes added by the exposition):

- ``podv5_http_request_duration_seconds`` histogram, labels ``route`` (the URL pattern
  that matched, e.g. ``/api/v1/videos/<uuidstr:video_id>``; ``/healthz``, ``/readyz``;
  ``unmatched`` for a 404 with no pattern — never the raw path), ``method`` (GET, POST...,
  ``other``) and ``status`` (``2xx``...``5xx``): time until the response is ready,
  seconds (for streamed media, until its first byte);
- ``podv5_tus_uploads_in_flight`` gauge: tus requests writing upload bytes right now;
- ``podv5_tus_received_bytes_total`` counter: upload bytes received (request bodies),
  bytes;
- ``podv5_encoding_jobs_created_total`` counter, label ``backend``;
- ``podv5_callbacks_total`` counter, labels ``type`` (the event type) and ``outcome``
  (``applied``, ``ignored`` — a late or repeated state —, ``duplicate`` webhook-id);
- ``podv5_callback_rejections_total`` counter, label ``code`` (the error code answered,
  e.g. ``signature_invalid``, ``validation_failed``, ``not_found``).

Exposition: under gunicorn, the config ``api/gunicorn_conf.py`` sets
``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode: each worker process
writes its values to files there) and serves the sum of all workers on ``METRICS_PORT``
from the master process. Elsewhere (one process: tests, a single server)
:func:`start_metrics_server` serves this process's registry.
"""

from __future__ import annotations

import os
import time

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    multiprocess,
    start_http_server,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

#: seconds; tus PATCH requests of large chunks take long
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_DURATION = Histogram(
    "podv5_http_request_duration_seconds",
    "API request latency until the response is ready, seconds.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
)
UPLOADS_IN_FLIGHT = Gauge(
    "podv5_tus_uploads_in_flight",
    "tus requests writing upload bytes right now.",
    multiprocess_mode="livesum",
)
TUS_RECEIVED_BYTES = Counter(
    "podv5_tus_received_bytes", "Upload bytes received by tus (request bodies), bytes."
)
ENCODING_JOBS_CREATED = Counter(
    "podv5_encoding_jobs_created", "Encoding jobs created, by backend.", ["backend"]
)
CALLBACKS = Counter(
    "podv5_callbacks",
    "Signed callbacks accepted, by event type and outcome (applied, ignored, duplicate).",
    ["type", "outcome"],
)
CALLBACK_REJECTIONS = Counter(
    "podv5_callback_rejections", "Signed callbacks refused, by error code.", ["code"]
)


def route_of(request) -> str:
    """The bounded ``route`` label of a handled request (see the module docstring)."""
    match = getattr(request, "resolver_match", None)
    if match is not None and match.route:
        return "/" + match.route
    if request.path in ("/healthz", "/readyz"):
        return request.path
    return "unmatched"


class MetricsMiddleware:
    """Observes ``podv5_http_request_duration_seconds`` for every request."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        method = request.method if request.method in METHODS else "other"
        started = time.perf_counter()
        response = self.get_response(request)
        REQUEST_DURATION.labels(
            route=route_of(request), method=method, status=f"{response.status_code // 100}xx"
        ).observe(time.perf_counter() - started)
        return response


def exposition_registry() -> CollectorRegistry:
    """What to expose: every process's values when ``PROMETHEUS_MULTIPROC_DIR`` is set
    (a fresh registry with a ``MultiProcessCollector``), else this process's registry."""
    path = os.environ.get(MULTIPROC_ENV)
    if not path:
        return REGISTRY
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=path)
    return registry


def start_metrics_server(port: int, addr: str = "0.0.0.0"):
    """Serve the metrics (``GET /metrics``, Prometheus text format) on ``addr:port`` from
    a daemon thread; returns (server, thread). Raises OSError if the port is taken."""
    return start_http_server(port, addr=addr, registry=exposition_registry())
