"""Makes every error response JSON: Django's own 404/405/500 pages (unmatched URLs,
method not allowed, uncaught exceptions, DEBUG pages) become the error envelope."""

from __future__ import annotations

import logging

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import csrf

from api.core.envelope import (
    _code_for,
    django_error,
    error_body,
    json_error_response,
    pod_error_response,
)
from api.core.errors import CsrfFailed

logger = logging.getLogger("api.errors")

_MESSAGES = {
    400: "Bad request.",
    403: "Permission denied.",
    404: "Not found.",
    405: "Method not allowed.",
    500: "Internal server error.",
}


class JsonErrorMiddleware:
    """Replaces non-JSON error responses (status ≥ 400) outside the admin with the
    envelope. Bodies that are JSON already (ours) and the admin's pages pass through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code < 400 or request.path.startswith("/admin/"):
            return response
        if response.get("Content-Type", "").startswith("application/json"):
            return response
        status = response.status_code
        message = _MESSAGES.get(status, response.reason_phrase or "Error.")
        if status == 405 and response.has_header("Allow"):
            message = f"Method not allowed; allowed: {response['Allow']}."
        replacement = json_error_response(status, _code_for(status), message)
        for header, value in response.items():
            if header.lower() not in ("content-type", "content-length"):
                replacement[header] = value
        return replacement

    def process_exception(self, request: HttpRequest, exception: Exception):
        if request.path.startswith("/admin/"):
            return None
        mapped = django_error(exception)  # 413 for a body over the limit, 400, 403
        if mapped is not None:
            return JsonResponse(error_body([mapped[1]]), status=mapped[0])
        if isinstance(exception, Http404):
            return None  # Django answers 404; __call__ makes it JSON
        logger.exception("unhandled error on %s %s", request.method, request.path)
        return json_error_response(500, "internal_error", "Internal server error.")


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """``CSRF_FAILURE_VIEW``: Django's CSRF rejections (plain Django views such as
    ``/oidc/logout/``) answer 403 ``csrf_failed`` in the envelope; the admin keeps
    Django's page."""
    if request.path.startswith("/admin/"):
        return csrf.csrf_failure(request, reason)
    return pod_error_response(CsrfFailed())
