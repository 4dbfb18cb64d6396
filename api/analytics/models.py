"""Viewing analytics of videos, from the players' heartbeats (``api.analytics.services``).

PeerTube's video stats and Mux Data's basics are the reference: views, watch time, unique
sessions per day, and an audience retention curve. What is stored is compact and
aggregated:

- ``DailyVideoStats``: one row per video and day (``TIME_ZONE``): sessions started, views
  (sessions that crossed the view threshold that day), watch time (milliseconds);
- ``RetentionCurve`` and ``RetentionBucket``: per video and duration (``duration_ms``: a
  new encoding of another length starts a new curve), how many sessions took part and
  how many watched each bucket (the video cut in ``buckets`` equal parts);
- ``ViewingSession``: the state of one playback session (watch time so far, whether it
  became a view, which buckets it already counted), so that a session counts once. Its
  ``key`` is an HMAC of the client's session id (with the video and, for signed-in
  viewers, the user id): nothing in it names a person, an address or a browser.

Counters only ever change with ``F()`` updates (after ``INSERT ... ON CONFLICT DO
NOTHING`` of a zero row), in the same transaction as the session they count.
"""

from __future__ import annotations

from django.db import models


class DailyVideoStats(models.Model):
    """What the heartbeats of one day (``TIME_ZONE``) counted for one video."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    #: sessions whose first heartbeat came that day
    sessions = models.PositiveBigIntegerField(default=0)
    #: sessions that crossed the view threshold that day
    views = models.PositiveBigIntegerField(default=0)
    #: milliseconds of video played that day (re-watched parts count again)
    watch_ms = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name_plural = "daily video stats"
        constraints = [
            models.UniqueConstraint(fields=["video", "day"], name="one_daily_stats_per_video_day")
        ]
        indexes = [models.Index(fields=["day"], name="daily_stats_day")]

    def __str__(self) -> str:
        return f"stats of {self.video_id} on {self.day}"


class RetentionCurve(models.Model):
    """The sessions that took part in a video's retention curve for one duration."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    #: the video's duration the curve is for, milliseconds
    duration_ms = models.PositiveBigIntegerField()
    #: how many parts the video is cut into
    buckets = models.PositiveIntegerField()
    sessions = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["video", "duration_ms"], name="one_retention_curve_per_duration"
            )
        ]

    def __str__(self) -> str:
        return f"retention of {self.video_id} ({self.duration_ms} ms)"


class RetentionBucket(models.Model):
    """How many sessions watched bucket ``index`` of a curve."""

    curve = models.ForeignKey(RetentionCurve, on_delete=models.CASCADE, related_name="counts")
    index = models.PositiveIntegerField()
    sessions = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["curve", "index"], name="one_retention_bucket")
        ]

    def __str__(self) -> str:
        return f"bucket {self.index} of {self.curve_id}"


class ViewingSession(models.Model):
    """One playback session of one video (see the module: ``key`` names no one)."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    #: hex HMAC-SHA256 of the client's session id, the video id and the user id (if any)
    key = models.CharField(max_length=64)
    started_at = models.DateTimeField()
    last_beat_at = models.DateTimeField()
    watch_ms = models.PositiveBigIntegerField(default=0)
    is_view = models.BooleanField(default=False)
    #: the curve's duration the ``seen`` buckets are for (0: none yet)
    curve_duration_ms = models.PositiveBigIntegerField(default=0)
    #: buckets already counted for this session: a bit mask, as hex
    seen = models.CharField(max_length=260, blank=True, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["video", "key"], name="one_viewing_session_per_key")
        ]
        indexes = [models.Index(fields=["last_beat_at"], name="viewing_session_age")]

    def __str__(self) -> str:
        return f"session of {self.video_id}"
