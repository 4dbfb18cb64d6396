"""Live backends: where the ``media-live`` worker of a live event runs.

- ``local`` (embedded default): a local process per running event
  (:mod:`api.live.backends.local`), the schedule run in the API processes;
- ``kubernetes``: a LiveEvent custom resource per event, reconciled by the operator into
  a Deployment + Service (:mod:`api.live.backends.kubernetes`), which runs the schedule.

``LIVE_BACKEND`` picks one (default: ``ENCODING_BACKEND``'s value); :func:`get_backend`
returns the process-wide instance. The interface is :class:`~.base.LiveBackend`.
"""

from __future__ import annotations

import threading

from django.conf import settings

from api.live.backends.base import BackendUnavailable, LiveBackend

__all__ = ["BackendUnavailable", "LiveBackend", "get_backend"]

_backend: LiveBackend | None = None
_lock = threading.Lock()


def get_backend() -> LiveBackend:
    """The backend ``LIVE_BACKEND`` names (made on first use, again if the setting
    changes)."""
    global _backend
    name = settings.LIVE_BACKEND
    backend = _backend
    if backend is not None and backend.name == name:  # every request asks (the scheduler)
        return backend
    with _lock:
        if _backend is None or _backend.name != name:
            if name == "local":
                from api.live.backends.local import LocalLiveBackend

                _backend = LocalLiveBackend()
            elif name == "kubernetes":
                # imported here, not at the top: it imports the kubernetes client (through
                # api.core.kube), a heavy import the embedded default never needs
                from api.live.backends.kubernetes import KubernetesLiveBackend

                _backend = KubernetesLiveBackend()
            else:  # settings validated the name
                raise RuntimeError(f"unknown live backend {name!r}")
        return _backend
