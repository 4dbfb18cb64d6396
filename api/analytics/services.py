"""Heartbeats in, aggregated counters out.

A player sends a heartbeat every few seconds while a video plays (``docs/analytics.md``):
the session id it made up, the position, and the ranges of the video it played since the
previous heartbeat. :func:`heartbeat_record` merges the ranges, adds their length to the
session's watch time and to the day's, counts the session once per day it starts, counts
a view once when the session's watch time crosses the threshold
(``min(ANALYTICS_VIEW_SECONDS, ANALYTICS_VIEW_FRACTION × duration)``), and counts each
retention bucket once per session. A bucket is watched when one of the played ranges
holds its middle (the video of duration ``d`` is cut into ``n = min(ceil(d),
ANALYTICS_RETENTION_BUCKETS)`` buckets of ``d / n`` seconds: one per second for short
videos).

Errors (nothing is counted): ValidationFailed (422, ``position_out_of_range``) for a
position or a range past the end of the video (plus ``POSITION_SLACK_SECONDS``),
``validation_error`` for a range that ends before it starts, ``heartbeat_too_long``
(422) for ranges adding up to more than ``ANALYTICS_HEARTBEAT_MAX_SECONDS``; InvalidState
(409) for a video without a duration (not encoded yet).

Concurrency: the session row is locked (``SELECT ... FOR UPDATE``), so two heartbeats of
one session are applied one after the other; counters change with ``F()`` updates of rows
first inserted with ``ON CONFLICT DO NOTHING``, so simultaneous heartbeats of many
sessions each count once (PostgreSQL; SQLite serialises writers).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Model
from django.utils import timezone
from django.utils.crypto import salted_hmac

from api.analytics.models import DailyVideoStats, RetentionBucket, RetentionCurve, ViewingSession
from api.core.errors import InvalidState, ValidationFailed
from api.enrichment.services import resume_save
from api.videos.models import Video

#: a position or range end at most this far past the video's duration is taken for the
#: end (players' clocks run a frame or two past the probed duration); further: 422
POSITION_SLACK_SECONDS = 1.0
#: the most ranges one heartbeat may carry (a longer list: 422 before anything is read)
MAX_RANGES = 50
_SALT = "podv5.analytics-session"

Range = tuple[float, float]


def session_key(*, video_id, session: str, user) -> str:
    """The stored key of a client's session id: hex HMAC-SHA256 (keyed by ``SECRET_KEY``)
    of the video id, the user id (signed-in viewers) and the session id. It cannot be
    turned back into the session id, and the same id on another video gives another
    key."""
    user_id = user.pk if user is not None and user.is_authenticated else ""
    message = f"{video_id}\n{user_id}\n{session}"
    return salted_hmac(_SALT, message, algorithm="sha256").hexdigest()


def merge_ranges(ranges: list[Range], *, duration: float) -> list[Range]:
    """The played ranges ``[(start, end)]`` (seconds) sorted and merged (overlapping or
    touching ranges become one), ends past ``duration`` clamped to it. Raises
    ValidationFailed (422, ``field="watched.<i>"``) for a range that ends before it
    starts or past ``duration + POSITION_SLACK_SECONDS`` (``position_out_of_range``)."""
    checked = []
    for i, (start, end) in enumerate(ranges):
        if end < start:
            raise ValidationFailed(
                f"A played range ends before it starts ([{start:g}, {end:g}]).",
                field=f"watched.{i}",
            )
        if end > duration + POSITION_SLACK_SECONDS:
            raise ValidationFailed(
                f"A played range ends past the end of the video ({duration:g} s).",
                field=f"watched.{i}",
                code="position_out_of_range",
            )
        checked.append((min(start, duration), min(end, duration)))
    merged: list[list[float]] = []
    for start, end in sorted(checked):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(start, end) for start, end in merged]


def bucket_count(duration: float) -> int:
    """How many retention buckets a video of ``duration`` seconds is cut into: one per
    second (rounded up) up to ``ANALYTICS_RETENTION_BUCKETS``."""
    return max(1, min(settings.ANALYTICS_RETENTION_BUCKETS, math.ceil(duration)))


def buckets_watched(ranges: list[Range], *, duration: float, buckets: int) -> int:
    """The buckets whose middle one of ``ranges`` holds (ends included), as a bit mask
    (bit ``i``: bucket ``i``, which spans ``[i × w, (i + 1) × w)`` with ``w = duration /
    buckets``)."""
    if duration <= 0:
        return 0
    width = duration / buckets
    mask = 0
    for start, end in ranges:
        first = max(0, math.ceil(start / width - 0.5))
        last = min(buckets - 1, math.floor(end / width - 0.5))
        if last >= first:
            mask |= ((1 << (last - first + 1)) - 1) << first
    return mask


def view_threshold_ms(duration: float) -> int:
    """The watch time (milliseconds) that makes a session a view."""
    seconds = min(settings.ANALYTICS_VIEW_SECONDS, settings.ANALYTICS_VIEW_FRACTION * duration)
    return max(0, round(seconds * 1000))


def _bump(model: type[Model], lookup: dict, **deltas: int) -> None:
    """Add ``deltas`` to the counters of the row ``lookup`` names, with one ``F()``
    update; a missing row is first inserted with zeros (``ON CONFLICT DO NOTHING``: a
    concurrent insert of the same row wins, and this update then adds to it)."""
    changes = {name: F(name) + delta for name, delta in deltas.items() if delta}
    if not changes:
        return
    if not model.objects.filter(**lookup).update(**changes):
        model.objects.bulk_create([model(**lookup)], ignore_conflicts=True)
        model.objects.filter(**lookup).update(**changes)


def _curve(video: Video, duration_ms: int, buckets: int) -> RetentionCurve:
    """The video's retention curve for this duration, created with its bucket rows."""
    curve = RetentionCurve.objects.filter(video=video, duration_ms=duration_ms).first()
    if curve is None:
        RetentionCurve.objects.bulk_create(
            [RetentionCurve(video=video, duration_ms=duration_ms, buckets=buckets)],
            ignore_conflicts=True,
        )
        curve = RetentionCurve.objects.get(video=video, duration_ms=duration_ms)
        RetentionBucket.objects.bulk_create(
            [RetentionBucket(curve=curve, index=i) for i in range(curve.buckets)],
            ignore_conflicts=True,
        )
    return curve


def _session_locked(video: Video, key: str, now: datetime) -> tuple[ViewingSession, bool]:
    """The session row, locked; ``(row, new)``. A session idle for longer than
    ``ANALYTICS_SESSION_IDLE_SECONDS`` starts over (counted again as a new session)."""
    rows = ViewingSession.objects.select_for_update()
    session = rows.filter(video=video, key=key).first()
    if session is None:
        try:
            with transaction.atomic():
                session = ViewingSession.objects.create(
                    video=video, key=key, started_at=now, last_beat_at=now
                )
            return session, True
        except IntegrityError:  # the same session's concurrent first heartbeat won
            session = rows.get(video=video, key=key)
    idle = timedelta(seconds=settings.ANALYTICS_SESSION_IDLE_SECONDS)
    if session.last_beat_at < now - idle:
        session.started_at, session.watch_ms, session.is_view = now, 0, False
        session.curve_duration_ms, session.seen = 0, ""
        return session, True
    return session, False


def _check_position(position: float, duration: float) -> float:
    if position > duration + POSITION_SLACK_SECONDS:
        raise ValidationFailed(
            f"The position is past the end of the video ({duration:g} s).",
            field="position",
            code="position_out_of_range",
        )
    return min(position, duration)


@transaction.atomic
def heartbeat_record(
    *,
    video: Video,
    key: str,
    user,
    position: float,
    watched: list[Range],
) -> dict:
    """Apply one heartbeat of session ``key`` (:func:`session_key`) to ``video`` (one
    the caller may see): ``position`` and ``watched`` in seconds (see the module for
    the rules and the errors). A signed-in ``user``'s resume position follows
    ``position`` (``api.enrichment.services.resume_save``). Returns ``{"view": bool,
    "watch_time": seconds}`` of the session so far."""
    duration = video.duration
    if not duration or not math.isfinite(duration) or duration <= 0:
        raise InvalidState("The video has no duration yet: it is not encoded.")
    position = _check_position(position, duration)
    ranges = merge_ranges(watched, duration=duration)
    played = sum(end - start for start, end in ranges)
    if played > settings.ANALYTICS_HEARTBEAT_MAX_SECONDS:
        raise ValidationFailed(
            f"One heartbeat may report at most {settings.ANALYTICS_HEARTBEAT_MAX_SECONDS:g} s "
            f"played ({played:g} s here): send them more often.",
            field="watched",
            code="heartbeat_too_long",
        )
    now = timezone.now()
    session, new = _session_locked(video, key, now)
    played_ms = round(played * 1000)
    session.watch_ms += played_ms
    became_view = not session.is_view and session.watch_ms >= view_threshold_ms(duration)
    session.is_view = session.is_view or became_view
    _bump(
        DailyVideoStats,
        {"video": video, "day": timezone.localdate(now)},
        sessions=int(new),
        views=int(became_view),
        watch_ms=played_ms,
    )
    duration_ms = round(duration * 1000)
    curve = _curve(video, duration_ms, bucket_count(duration))
    seen = int(session.seen, 16) if session.curve_duration_ms == duration_ms else 0
    if session.curve_duration_ms != duration_ms:  # new, or the video was encoded again
        RetentionCurve.objects.filter(pk=curve.pk).update(sessions=F("sessions") + 1)
    fresh = buckets_watched(ranges, duration=duration, buckets=curve.buckets) & ~seen
    if fresh:
        indexes = [i for i in range(curve.buckets) if fresh >> i & 1]
        rows = RetentionBucket.objects.filter(curve=curve, index__in=indexes)
        list(rows.select_for_update().order_by("index").values_list("pk", flat=True))
        rows.update(sessions=F("sessions") + 1)
    session.curve_duration_ms, session.seen = duration_ms, format(seen | fresh, "x")
    session.last_beat_at = now
    session.save()
    if user is not None and user.is_authenticated:
        resume_save(video=video, user=user, position=position)
    return {"view": session.is_view, "watch_time": session.watch_ms / 1000}


def viewing_sessions_purge() -> int:
    """Forget the sessions idle for longer than ``ANALYTICS_SESSION_IDLE_SECONDS`` (a
    heartbeat of theirs would start over anyway); returns how many went. The counters
    stay. For a periodic task (``manage.py analytics_purge``)."""
    cutoff = timezone.now() - timedelta(seconds=settings.ANALYTICS_SESSION_IDLE_SECONDS)
    deleted, _ = ViewingSession.objects.filter(last_beat_at__lt=cutoff).delete()
    return deleted
