"""Static files (``STATIC_URL``) served by the API itself, in every deployment.

The only static files are the apps' own: Swagger UI's JS, CSS and icons (django-ninja's
``ninja/static``, so ``/api/docs`` works offline and under a ``script-src 'self'`` CSP)
and the admin's. They are looked up with Django's staticfiles finders in the installed
packages (no ``collectstatic`` step, no extra server) and answered with an explicit
``Content-Type`` (the platform's MIME table may lack ``.svg`` or call ``.js``
``application/javascript``; with ``X-Content-Type-Options: nosniff`` a wrong type breaks
the page), ``Last-Modified`` (``If-Modified-Since`` → 304) and ``Cache-Control: public``.
Unknown paths and directories answer the 404 envelope.
"""

from __future__ import annotations

from pathlib import PurePosixPath

from django.contrib.staticfiles import views
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".map": "application/json",
    ".woff2": "font/woff2",
}

#: browsers may keep a static file this long (seconds) before revalidating it
MAX_AGE = 3600


@require_safe
def static_file(request: HttpRequest, path: str) -> HttpResponse:
    """A file of an installed app's ``static/`` folder (``path`` relative to it)."""
    response = views.serve(request, path, insecure=True)
    content_type = _TYPES.get(PurePosixPath(path).suffix.lower())
    if response.status_code == 200 and content_type:
        response["Content-Type"] = content_type
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    return response
