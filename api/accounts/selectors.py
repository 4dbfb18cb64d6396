"""Reads of accounts."""

from __future__ import annotations

from django.db.models import QuerySet

from api.accounts.models import AccessGroup


def access_group_list() -> QuerySet[AccessGroup]:
    """Every access group, by display name (audiences a video may be restricted to)."""
    return AccessGroup.objects.order_by("display_name", "code_name")
