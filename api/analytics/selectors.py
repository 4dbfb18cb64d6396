"""Reads of the viewing analytics: per video (its owners, additional owners, staff), per
channel (its owners, staff) and per owner (the videos a user owns or co-owns).

Every summary covers the days ``start``..``end`` (inclusive, ``TIME_ZONE``): a row per
day (zeros included), the totals, ``average_view_duration`` (watch time ÷ sessions,
seconds). A video's summary adds its retention curve (for its current duration); a
channel's or an owner's adds its most viewed videos of the period. Each is a constant
number of aggregate queries whatever the period.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import QuerySet, Sum
from django.utils import timezone

from api.analytics.models import DailyVideoStats, RetentionBucket, RetentionCurve
from api.core.access import owners_q
from api.core.errors import NotFound, PermissionDenied, ValidationFailed
from api.editorial.models import Channel
from api.editorial.selectors import channels_visible_to
from api.videos.models import Video

#: the longest period one request may cover, days
MAX_DAYS = 366
#: the default period: the last 30 days, today included
DEFAULT_DAYS = 30
#: how many videos a channel's or an owner's summary lists
TOP_VIDEOS = 50

_COUNTERS = ("sessions", "views", "watch_ms")


def period(*, start: date | None, end: date | None) -> tuple[date, date]:
    """The period asked for: ``end`` defaults to today, ``start`` to 29 days before
    ``end``. ValidationFailed (422, ``field="from"``) when ``start`` is after ``end`` or
    the period is longer than ``MAX_DAYS``."""
    end = end or timezone.localdate()
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if start > end:
        raise ValidationFailed("The period starts after it ends.", field="from")
    if (end - start).days + 1 > MAX_DAYS:
        raise ValidationFailed(f"A period covers at most {MAX_DAYS} days.", field="from")
    return start, end


def _seconds(ms: int | None) -> float:
    return (ms or 0) / 1000


def _counts(row: dict) -> dict:
    sessions, watch = row.get("sessions") or 0, _seconds(row.get("watch_ms"))
    return {"views": row.get("views") or 0, "watch_time": watch, "sessions": sessions}


def _summary(rows: QuerySet[DailyVideoStats], start: date, end: date) -> dict:
    rows = rows.filter(day__range=(start, end))
    sums = {name: Sum(name) for name in _COUNTERS}
    by_day = {row["day"]: row for row in rows.values("day").order_by("day").annotate(**sums)}
    days = []
    for n in range((end - start).days + 1):
        day = start + timedelta(days=n)
        days.append({"day": day, **_counts(by_day.get(day, {}))})
    totals = _counts(rows.aggregate(**sums))
    sessions = totals["sessions"]
    totals["average_view_duration"] = totals["watch_time"] / sessions if sessions else 0.0
    return {"start": start, "end": end, "days": days, "totals": totals}


def _top_videos(rows: QuerySet[DailyVideoStats], start: date, end: date) -> list[dict]:
    per_video = (
        rows.filter(day__range=(start, end))
        .values("video_id", "video__title")
        .order_by()
        .annotate(**{name: Sum(name) for name in _COUNTERS})
        .order_by("-views", "-watch_ms", "video_id")[:TOP_VIDEOS]
    )
    return [
        {"id": row["video_id"], "title": row["video__title"], **_counts(row)} for row in per_video
    ]


def retention(*, video: Video) -> dict | None:
    """The retention curve for the video's current duration: ``{duration, buckets,
    bucket_seconds, sessions, curve}``, ``curve[i]`` the fraction (0-1) of the sessions
    that watched bucket ``i``; None before any heartbeat."""
    if not video.duration:
        return None
    curve = RetentionCurve.objects.filter(
        video=video, duration_ms=round(video.duration * 1000)
    ).first()
    if curve is None:
        return None
    counts = dict(RetentionBucket.objects.filter(curve=curve).values_list("index", "sessions"))
    total = curve.sessions
    return {
        "duration": curve.duration_ms / 1000,
        "buckets": curve.buckets,
        "bucket_seconds": curve.duration_ms / 1000 / curve.buckets,
        "sessions": total,
        "curve": [(counts.get(i, 0) / total if total else 0.0) for i in range(curve.buckets)],
    }


def video_analytics(*, video: Video, start: date, end: date) -> dict:
    """The summary of one video (its retention curve included)."""
    summary = _summary(DailyVideoStats.objects.filter(video=video), start, end)
    summary["retention"] = retention(video=video)
    return summary


def channel_get_analyzable(*, slug: str, user) -> Channel:
    """A channel whose analytics ``user`` may read (its owners, staff); NotFound (404)
    when the user may not see it, PermissionDenied (403) when only seeing it."""
    channel = channels_visible_to(user).filter(slug=slug).first()
    if channel is None:
        raise NotFound("No such channel.")
    if not channel.user_can_edit:
        raise PermissionDenied("Only the owners of this channel may read its analytics.")
    return channel


def channel_analytics(*, channel: Channel, start: date, end: date) -> dict:
    """The summary of the videos of ``channel`` (whoever owns them), with its most
    viewed videos."""
    rows = DailyVideoStats.objects.filter(video__in=Video.objects.filter(channels=channel))
    return {**_summary(rows, start, end), "videos": _top_videos(rows, start, end)}


def owner_analytics(*, user, start: date, end: date) -> dict:
    """The summary of the videos ``user`` owns or co-owns, with the most viewed."""
    rows = DailyVideoStats.objects.filter(video__in=Video.objects.filter(owners_q(Video, user)))
    return {**_summary(rows, start, end), "videos": _top_videos(rows, start, end)}
