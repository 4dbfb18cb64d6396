"""Reads of retention rows: a video's (with the video's access rules), and what
``retention_tick`` has to do on a given day. Dates are calendar days in ``TIME_ZONE``."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from django.conf import settings
from django.db.models import Q, QuerySet

from api.retention.models import RetentionNotice, RetentionState, VideoRetention
from api.retention.policy import warning_stage
from api.videos.models import Video
from api.videos.selectors import video_get_editable


def retention_get_editable(*, video_id: UUID, user) -> Video:
    """A video whose retention ``user`` may read and extend: owners, additional owners
    and staff (as for editing it). Raises NotFound (404) when the user may not see the
    video, PermissionDenied (403) when they see it but may not change it."""
    return video_get_editable(video_id=video_id, user=user)


def videos_without_retention() -> QuerySet[Video]:
    """Videos that have no retention row yet (made before the app, or in bulk)."""
    return Video.objects.filter(retention__isnull=True).select_related("owner")


def retention_due_warnings(*, today: date) -> list[tuple[VideoRetention, int]]:
    """``(row, threshold)`` for each active video that reached a warning threshold it
    was not warned for (see ``api.retention.policy.warning_stage``), soonest first."""
    if not settings.RETENTION_WARNING_DAYS:
        return []
    horizon = today + timedelta(days=max(settings.RETENTION_WARNING_DAYS))
    rows = VideoRetention.objects.filter(
        state=RetentionState.ACTIVE, deletion_date__gt=today, deletion_date__lte=horizon
    ).order_by("deletion_date", "video_id")
    due = []
    for row in rows:
        stage = warning_stage(days_left=(row.deletion_date - today).days)
        if stage is not None and (row.warned_days is None or row.warned_days > stage):
            due.append((row, stage))
    return due


def retention_due_archive(*, today: date) -> QuerySet[VideoRetention]:
    """Rows to archive: active ones whose deletion date came, and archived ones whose
    video was published again without a new date (archived videos stay drafts)."""
    return (
        VideoRetention.objects.filter(
            Q(state=RetentionState.ACTIVE, deletion_date__lte=today)
            | Q(state=RetentionState.ARCHIVED, video__is_draft=False)
        )
        .select_related("video")
        .order_by("deletion_date", "video_id")
    )


def retention_due_purge(*, today: date) -> list[VideoRetention]:
    """Archived rows whose archive period is over (``purge_date`` <= today)."""
    cutoff = today - timedelta(days=settings.RETENTION_ARCHIVE_DAYS)
    rows = (
        VideoRetention.objects.filter(state=RetentionState.ARCHIVED, deletion_date__lte=cutoff)
        .select_related("video")
        .order_by("deletion_date", "video_id")
    )
    return [row for row in rows if row.purge_date <= today]


def notice_recipients_pending() -> list[int]:
    """Ids of the users who have warnings not sent yet."""
    return list(
        RetentionNotice.objects.filter(sent_at=None)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
