"""The encoding backend interface, and how a backend reports a job it could not run."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from uuid import UUID

logger = logging.getLogger(__name__)

FailureHandler = Callable[..., None]


def _log_failure(*, job_id: UUID, reason: str, message: str) -> None:
    logger.error(
        "job %s failed (%s: %s) and no failure handler is registered", job_id, reason, message
    )


_failure_handler: FailureHandler = _log_failure


def set_failure_handler(handler: FailureHandler) -> None:
    """Register what a backend calls when a job fails outside its worker (the worker
    could not start, died without reporting, the cluster refused the resource):
    ``handler(job_id=, reason=, message=)``. The pipeline registers
    ``api.pipeline.services.encoding_job_lost`` (``api.pipeline.apps``)."""
    global _failure_handler
    _failure_handler = handler


def report_failure(*, job_id: UUID, reason: str, message: str) -> None:
    """A backend's report of a job that failed outside its worker."""
    _failure_handler(job_id=job_id, reason=reason, message=message)


class EncodingBackend(ABC):
    name: str

    @abstractmethod
    def submit(self, job_id: UUID) -> None:
        """Start (or queue) the job. Idempotent: a job already running is left alone."""

    @abstractmethod
    def cancel(self, job_id: UUID) -> None:
        """Stop the job's worker if it runs; a no-op otherwise."""

    @abstractmethod
    def resume(self) -> int:
        """Pick up jobs left unfinished by a previous server process; returns how many."""
