"""Reads of videos, with the access rules applied in the query."""

from __future__ import annotations

from uuid import UUID

from django.db.models import Q, QuerySet

from api.core.errors import NotFound, PermissionDenied
from api.videos.models import Video, VideoStatus


def videos_visible_to(user) -> QuerySet[Video]:
    """Videos ``user`` may see: everything for staff; ready videos and their own for
    others (anonymous: ready videos only)."""
    qs = Video.objects.select_related("owner")
    if user.is_authenticated and user.is_staff:
        return qs
    if user.is_authenticated:
        return qs.filter(Q(status=VideoStatus.READY) | Q(owner=user))
    return qs.filter(status=VideoStatus.READY)


def video_list_own(*, user) -> QuerySet[Video]:
    """The user's own videos, newest first."""
    return Video.objects.select_related("owner").filter(owner=user).order_by("-created_at", "-id")


def video_get(*, video_id: UUID, user) -> Video:
    """A video ``user`` may see; raises NotFound (404) otherwise (also when it exists but
    is hidden, so ids are not disclosed)."""
    video = videos_visible_to(user).filter(id=video_id).first()
    if video is None:
        raise NotFound("No such video.")
    return video


def video_get_editable(*, video_id: UUID, user) -> Video:
    """A video ``user`` may change (owner or staff); raises NotFound (404) or
    PermissionDenied (403, when the user can see it but not change it)."""
    video = video_get(video_id=video_id, user=user)
    if not can_edit(user, video):
        raise PermissionDenied("Only the owner may change this video.")
    return video


def can_edit(user, video: Video) -> bool:
    return bool(user.is_authenticated and (user.is_staff or video.owner_id == user.id))
