"""Reads of API keys: a user sees only their own."""

from __future__ import annotations

from django.db.models import QuerySet

from api.apikeys.models import ApiKey
from api.core.errors import NotFound
from api.core.fields import INT64_MAX


def api_key_list(*, owner) -> QuerySet[ApiKey]:
    """``owner``'s keys, revoked ones included, newest first."""
    return ApiKey.objects.filter(owner=owner).order_by("-created_at", "-id")


def api_key_get_own(*, owner, key_id: int) -> ApiKey:
    """``owner``'s key ``key_id``; NotFound (HTTP 404) for another's or an unknown one."""
    api_key = ApiKey.objects.filter(owner=owner, pk=key_id).first() if key_id <= INT64_MAX else None
    if api_key is None:
        raise NotFound("No such API key.")
    return api_key
