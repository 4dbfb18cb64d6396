"""Absolute URLs the API hands out, built from URL names only (no import of the apps
that serve them): the signed callback endpoint given to workers and the operator, and
media files."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

#: the URL name of ``POST /api/v1/internal/callbacks`` (``api.callbacks.api``)
CALLBACK_URL_NAME = "v1:callbacks_receive"


def callback_url() -> str:
    """The absolute URL workers and the operator send their signed callbacks to (the
    one place that builds it: encoding backends, live runner and live Kubernetes
    backend use it)."""
    return settings.API_BASE_URL + reverse(CALLBACK_URL_NAME)


def media_url(request: HttpRequest, name: str, token: str | None = None) -> str:
    """Absolute URL of a stored file (``api.playback.views``): plain, or with a token."""
    if token is None:
        return request.build_absolute_uri(reverse("media", kwargs={"path": name}))
    url = reverse("media-token", kwargs={"token": token, "path": name})
    return request.build_absolute_uri(url)
