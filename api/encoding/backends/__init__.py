"""Encoding backends: where EncodingJobs run.

- ``local`` (embedded default): the worker command as a local subprocess, bounded pool;
- ``kubernetes``: an EncodingJob custom resource, reconciled by the operator into a Job.

``ENCODING_BACKEND`` picks one; :func:`get_backend` returns the process-wide instance.
"""

from __future__ import annotations

import logging
import threading

from django.conf import settings

from api.encoding.backends.base import EncodingBackend, set_failure_handler
from api.encoding.backends.local import LocalBackend

__all__ = ["EncodingBackend", "get_backend", "on_server_start", "set_failure_handler"]

logger = logging.getLogger(__name__)


_backend: EncodingBackend | None = None
_lock = threading.Lock()


def get_backend() -> EncodingBackend:
    global _backend
    with _lock:
        if _backend is None or _backend.name != settings.ENCODING_BACKEND:
            if settings.ENCODING_BACKEND == "local":
                _backend = LocalBackend()
            elif settings.ENCODING_BACKEND == "kubernetes":
                # imported here: the Kubernetes client is an optional, heavy dependency
                # that the embedded default (local) never needs
                from api.encoding.backends.kubernetes import KubernetesBackend

                _backend = KubernetesBackend()
            else:  # settings validated the name
                raise RuntimeError(f"unknown encoding backend {settings.ENCODING_BACKEND}")
        return _backend


def on_server_start() -> None:
    """Called by the WSGI/ASGI entry points: resume jobs a restart cut off."""
    try:
        resumed = get_backend().resume()
    except Exception:  # the server must come up even if the database is not ready yet
        logger.exception("could not resume encoding jobs")
        return
    if resumed:
        logger.info("resumed %d encoding job(s)", resumed)
