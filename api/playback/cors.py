"""CORS of the media URLs (``/media/...``), for players embedded on any site.

Media files are read-only and need no cookie (a non-public video's URL carries its token),
so every origin may read them: each media response, whatever its status (200, 206, 304,
302 to a presigned URL, 403 ``invalid_media_token``, 404, 405, 416), carries
``Access-Control-Allow-Origin: *`` and exposes the headers a player reads
(:data:`EXPOSE_HEADERS`). A player thus sees an expired token as a 403, not as a network
error. Credentialed requests (``withCredentials``, ``crossorigin="use-credentials"``)
are not allowed with ``*``: media never needs them.

A preflight (``OPTIONS`` with ``Access-Control-Request-Method``, sent for a suffix range
``bytes=-N`` or for a range with another non-safelisted header) answers 204 allowing
GET/HEAD and the request headers it asked for. django-cors-headers, which serves the API
to ``CORS_ALLOWED_ORIGINS`` only, leaves ``/media/`` alone (``CORS_URLS_REGEX``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse

from api.core.envelope import json_error_response

#: response headers a player may read besides the CORS-safelisted ones
EXPOSE_HEADERS = "Accept-Ranges, Content-Range, Content-Length, ETag, X-Request-ID"
ALLOW_METHODS = "GET, HEAD, OPTIONS"
#: allowed when a preflight names no header, or a list that is not one
DEFAULT_ALLOW_HEADERS = "range, if-range, if-none-match, if-modified-since, x-request-id"

#: a comma-separated list of RFC 9110 header names (tokens), at most 2,000 characters
_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_HEADER_LIST = re.compile(rf"{_TOKEN}(?:[ \t]*,[ \t]*{_TOKEN})*", re.ASCII)


def _allow_headers(requested: str) -> str:
    requested = requested.strip()
    if len(requested) <= 2000 and _HEADER_LIST.fullmatch(requested):
        return requested.lower()
    return DEFAULT_ALLOW_HEADERS


def _preflight(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(status=204)
    response["Allow"] = ALLOW_METHODS
    response["Access-Control-Allow-Methods"] = ALLOW_METHODS
    response["Access-Control-Allow-Headers"] = _allow_headers(
        request.headers.get("Access-Control-Request-Headers", "")
    )
    response["Access-Control-Max-Age"] = str(getattr(settings, "CORS_PREFLIGHT_MAX_AGE", 86400))
    response["Vary"] = "Access-Control-Request-Headers"
    return response


def media_cors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Wrap a media view: answer ``OPTIONS`` (preflight), turn ``Http404`` into the 404
    envelope here, and add the CORS headers to whatever the view answers. The view is
    CSRF-exempt: it changes nothing, and any unsafe method answers its 405."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.method == "OPTIONS":
            response = _preflight(request)
        else:
            try:
                response = view(request, *args, **kwargs)
            except Http404:
                response = json_error_response(404, "not_found", "Not found.")
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Expose-Headers"] = EXPOSE_HEADERS
        return response

    wrapper.csrf_exempt = True  # type: ignore[attr-defined]
    return wrapper
