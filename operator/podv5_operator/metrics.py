"""Prometheus metrics of the operator (prometheus-client), on ``MEDIA_OPERATOR_METRICS_PORT``.

Metrics (names as scraped):

- ``podv5_operator_reconciles_total`` counter, labels ``kind`` (the resource the handler
  is about: ``EncodingJob``, ``Job``, ``Pod``...), ``handler`` (the kopf handler's
  function name) and ``outcome``: ``ok``, ``retry`` (``kopf.TemporaryError``: kopf runs
  it again later), ``failed`` (``kopf.PermanentError``) or ``error`` (any other
  exception, e.g. a Kubernetes API error: kopf retries with backoff);
- ``podv5_operator_encodingjobs`` gauge, label ``phase`` (Pending, Running, Succeeded,
  Failed): the EncodingJobs this operator sees, by ``status.phase`` (none yet: Pending);
- ``podv5_operator_callback_failures_total`` counter, labels ``type`` (the event type)
  and ``reason`` (``rejected``: the API refused it, final; ``undelivered``: unreachable,
  retried).

The operator is one process: the default registry, served by
:func:`start_metrics_server` from the startup handler when the port is configured.
"""

from __future__ import annotations

import functools
import logging
import threading

import kopf
from prometheus_client import Counter, Gauge, start_http_server

log = logging.getLogger(__name__)

PHASES = ("Pending", "Running", "Succeeded", "Failed")

RECONCILES = Counter(
    "podv5_operator_reconciles",
    "kopf handler runs, by resource kind, handler and outcome (ok, retry, failed, error).",
    ["kind", "handler", "outcome"],
)
ENCODINGJOBS = Gauge(
    "podv5_operator_encodingjobs", "EncodingJobs seen, by status.phase.", ["phase"]
)
CALLBACK_FAILURES = Counter(
    "podv5_operator_callback_failures",
    "Callbacks to the API not delivered, by event type and reason (rejected, undelivered).",
    ["type", "reason"],
)

for _phase in PHASES:  # every phase is exposed, 0 when none
    ENCODINGJOBS.labels(phase=_phase).set(0)

_phases: dict[str, str] = {}
_lock = threading.Lock()
_server = None


def reconciled(kind: str):
    """Decorator of a (sync) kopf handler: counts its runs in
    ``podv5_operator_reconciles_total``. Put it below the ``@kopf.on...`` decorators; the
    handler keeps its name (kopf's handler id) and its return value."""

    def decorate(fn):
        @functools.wraps(fn)
        def handler(*args, **kwargs):
            outcome = "error"
            try:
                result = fn(*args, **kwargs)
                outcome = "ok"
                return result
            except kopf.TemporaryError:
                outcome = "retry"
                raise
            except kopf.PermanentError:
                outcome = "failed"
                raise
            finally:
                RECONCILES.labels(kind=kind, handler=fn.__name__, outcome=outcome).inc()

        return handler

    return decorate


def track_phase(uid: str, phase: str | None) -> None:
    """Record the phase of the EncodingJob ``uid`` (None: it is gone) and update the
    ``podv5_operator_encodingjobs`` gauge."""
    with _lock:
        if phase is None:
            _phases.pop(uid, None)
        else:
            _phases[uid] = phase if phase in PHASES else "Pending"
        counts = dict.fromkeys(PHASES, 0)
        for value in _phases.values():
            counts[value] += 1
        for name, count in counts.items():
            ENCODINGJOBS.labels(phase=name).set(count)


def callback_failed(event_type: str, reason: str) -> None:
    """Count an undelivered callback (``reason``: ``rejected`` or ``undelivered``)."""
    CALLBACK_FAILURES.labels(type=event_type, reason=reason).inc()


def start_metrics_server(port: int, addr: str = "0.0.0.0"):
    """Serve ``GET /metrics`` on ``addr:port`` from a daemon thread, once per process (a
    second call returns the running server). Returns (server, thread); raises OSError
    when the port is taken."""
    global _server
    with _lock:
        if _server is None:
            _server = start_http_server(port, addr=addr)
            log.info("metrics on http://%s:%d/metrics", addr, port)
        return _server
