"""Django-level error views (handler404/handler500): JSON envelope, never HTML."""

from api.core.envelope import json_error_response


def not_found(request, exception=None):
    return json_error_response(404, "not_found", "Not found.")


def server_error(request):
    return json_error_response(500, "internal_error", "Internal server error.")
