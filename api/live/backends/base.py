"""The interface :mod:`api.live.services` drives a live backend through.

A backend runs the ``media-live`` worker of an event somewhere (local processes, or the
operator's Deployments on Kubernetes); the services own the event's row and its state
machine, and call the backend inside their transactions (so a refusal — an exception —
rolls the change back). The worker's and the operator's signed callbacks move the event
(``live_callback_apply``), whatever the backend.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from datetime import datetime
from uuid import UUID

from api.core.errors import PodError
from api.live.models import LiveEvent


class BackendUnavailable(PodError):
    """The live backend could not be reached or refused the event (HTTP 503)."""

    status, code = 503, "backend_unavailable"
    default_message = "The live backend (Kubernetes) is unavailable; try again."


class LiveBackend(ABC):
    """Where live workers run. One instance per process (:func:`api.live.backends.get_backend`);
    methods take keyword arguments and must be safe to call from several threads."""

    #: the ``LIVE_BACKEND`` value that selects it
    name: str
    #: whether the API processes run the schedule (``live_tick`` in a thread,
    #: :mod:`api.live.scheduler`); False when something else does (the operator's timers)
    runs_scheduler: bool

    @abstractmethod
    def apply(self, *, event: LiveEvent) -> None:
        """Bring what the backend keeps of an unfinished event up to date with its row
        (schedule, protocol, record, stream key...): called, inside the transaction, after
        create, update and rotate-key. Raises BackendUnavailable (503) if it cannot: the
        change is rolled back. A no-op where the backend keeps nothing between runs."""

    @abstractmethod
    def start(self, *, event: LiveEvent) -> None:
        """Launch the worker of ``event``, just moved to ``starting`` (inside the
        transaction: launching after commit, or a refusal raising BackendUnavailable
        (503) to roll the start back). A worker that cannot start later fails the event
        (``live_event_fail`` or a ``live.failed`` callback)."""

    @abstractmethod
    def stop(self, *, event: LiveEvent) -> bool:
        """Stop the worker of an unfinished ``event`` (inside the transaction, row locked).
        Returns True when a worker is stopping and will report ``live.ended`` (the event
        stays as it is until then), False when nothing runs: the caller ends the event at
        once. Raises BackendUnavailable (503): the stop is rolled back."""

    @abstractmethod
    def delete(self, *, event: LiveEvent) -> None:
        """Stop the event's worker and drop whatever the backend keeps of it, before its
        row is deleted (outside any transaction). Never raises: failures are logged."""

    @abstractmethod
    def on_air_changed(self, *, event_id: UUID, on_air: bool) -> None:
        """A ``live.on_air``/``live.off_air`` callback changed the event's ``on_air``
        (called inside the callback's transaction). A backend that mirrors it (the
        LiveEvent's ``status.onAir``) does so after commit, best effort, never raising."""

    @abstractmethod
    def lost_events(self, *, now: datetime) -> list[UUID]:
        """Ids of starting/live events started more than 30 s before ``now`` whose worker
        is gone without reporting (the scheduler fails them ``worker_lost``). Empty when
        the backend reports such losses itself (the operator's ``live.failed``)."""
