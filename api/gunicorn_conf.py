"""gunicorn configuration of the API: Prometheus metrics of all workers on a metrics port,
and gunicorn's own logs in the format of the application's (``LOG_FORMAT``).

Use: ``gunicorn -c api/gunicorn_conf.py api.asgi:application -k api.serving.UvicornWorker
--bind ... --workers N`` (see ``make serve`` and api/serving.py)
(command-line options win over this file; it sets only what is below).

With ``METRICS_PORT`` set (e.g. 9100):

- ``PROMETHEUS_MULTIPROC_DIR`` is set for the workers (prometheus-client's multiprocess
  mode) unless given — a new temporary folder; a given folder is emptied of ``*.db``
  files from a previous run at start. It must be set before prometheus-client is
  imported anywhere, hence here, in the master, before the workers start;
- the master serves ``GET /metrics`` on ``METRICS_ADDRESS:METRICS_PORT`` (default
  ``0.0.0.0``), summing the values of every worker — not on the API's public port;
- when a worker exits, its live gauges are dropped (``mark_process_dead``).

Without ``METRICS_PORT`` nothing of this happens (one registry per process, not served).
"""

from __future__ import annotations

import glob
import os
import tempfile

METRICS_PORT = os.environ.get("METRICS_PORT", "").strip()
METRICS_ADDRESS = os.environ.get("METRICS_ADDRESS", "").strip() or "0.0.0.0"

if METRICS_PORT:
    if not METRICS_PORT.isdigit():
        raise SystemExit(f"METRICS_PORT must be a port number, got {METRICS_PORT!r}")
    _dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="podv5-prom-")
    os.makedirs(_dir, exist_ok=True)
    for _stale in glob.glob(os.path.join(_dir, "*.db")):
        os.remove(_stale)
    # before any import of prometheus_client (the workers import it after the fork)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _dir


def when_ready(server) -> None:
    """Master: serve the workers' summed metrics on the metrics port."""
    if not METRICS_PORT:
        return
    from prometheus_client import CollectorRegistry, multiprocess, start_http_server

    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry)
    start_http_server(int(METRICS_PORT), addr=METRICS_ADDRESS, registry=registry)
    server.log.info("metrics on http://%s:%s/metrics", METRICS_ADDRESS, METRICS_PORT)


def child_exit(server, worker) -> None:
    """Master: a worker exited; drop its live gauges (in-flight uploads)."""
    if METRICS_PORT:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def _logconfig() -> dict | None:
    """gunicorn's error and access logs as JSON lines when ``LOG_FORMAT=json``."""
    if os.environ.get("LOG_FORMAT", "").strip().lower() != "json":
        return None
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "podv5_contract.logs.RequestIdFilter"}},
        "formatters": {
            "json": {"()": "podv5_contract.logs.make_formatter", "fmt": "json"},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json",
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "gunicorn.error": {"handlers": ["console"], "level": "INFO", "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
        },
    }


logconfig_dict = _logconfig() or {}
