"""Health endpoints for load balancers and kubelet probes, answered before Django's host
validation (a probe's Host header is the pod IP, which ALLOWED_HOSTS rightly refuses):

- ``GET /healthz`` — liveness: the process answers; touches nothing else. 200.
- ``GET /readyz`` — readiness: the database answers a query and the media storage is a
  writable folder (``STORAGE_BACKEND=s3``: the bucket answers a HEAD). 200, or 503 with
  one error per failed check (codes
  ``database_unavailable``, ``storage_unavailable``).

Both answer in the JSON envelope.
"""

from __future__ import annotations

import logging

from django.db import connection
from django.http import HttpRequest, JsonResponse

from api.core.envelope import error, error_body, success_body
from api.core.storage import check_reachable

logger = logging.getLogger(__name__)

PATHS = ("/healthz", "/readyz")


def _database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # any driver error means not ready
        logger.warning("readiness: database check failed: %s", exc)
        return "The database does not answer."
    return None


def _storage() -> str | None:
    return check_reachable()  # local: MEDIA_ROOT writable; s3: HEAD of the bucket


def readiness() -> tuple[int, dict]:
    """(HTTP status, envelope body) of the readiness checks."""
    problems = [
        error(code, message)
        for code, message in (
            ("database_unavailable", _database()),
            ("storage_unavailable", _storage()),
        )
        if message
    ]
    if problems:
        return 503, error_body(problems)
    return 200, success_body({"status": "ready", "checks": ["database", "storage"]})


class HealthMiddleware:
    """Answers ``/healthz`` and ``/readyz`` (GET/HEAD) before the rest of the stack."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        if request.path in PATHS and request.method in ("GET", "HEAD"):
            if request.path == "/healthz":
                status, body = 200, success_body({"status": "alive"})
            else:
                status, body = readiness()
            response = JsonResponse(body, status=status)
            response["Cache-Control"] = "no-store"
            return response
        return self.get_response(request)
