"""Live events: a scheduled broadcast, its ingest point, its stream key, its state."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from api.videos.models import Visibility


class LiveState(models.TextChoices):
    """``scheduled → starting → live → ended`` (``failed`` from any non-final state)."""

    SCHEDULED = "scheduled", "Scheduled"
    STARTING = "starting", "Starting (worker launched, waiting for it)"
    LIVE = "live", "Live (ingest open; on_air tells whether a stream arrives)"
    ENDED = "ended", "Ended"
    FAILED = "failed", "Failed"


class IngestProtocol(models.TextChoices):
    RTMP = "rtmp", "RTMP"
    SRT = "srt", "SRT"


#: states only move forward along this order; ended and failed are final
STATE_ORDER = {
    LiveState.SCHEDULED: 0,
    LiveState.STARTING: 1,
    LiveState.LIVE: 2,
    LiveState.ENDED: 3,
    LiveState.FAILED: 3,
}
FINAL = (LiveState.ENDED, LiveState.FAILED)
#: states that hold the ingest point (for the overlap rule)
ACTIVE = (LiveState.SCHEDULED, LiveState.STARTING, LiveState.LIVE)


def new_stream_key() -> str:
    """A random stream key: 32 URL-safe characters (about 190 bits)."""
    return secrets.token_urlsafe(24)


class LiveEvent(models.Model):
    """A scheduled live broadcast.

    ``start``/``end`` are timezone-aware (``end > start``, a database constraint).
    ``ingest`` names the ingest point (one at a time: overlapping events on the same
    ingest point are refused). ``stream_key`` is secret: shown to owners only, never
    logged. ``record``: at the end the recording becomes ``video``.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="live_events"
    )
    additional_owners = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="co_owned_live_events", blank=True
    )
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, default="")
    visibility = models.CharField(
        max_length=16, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    password = models.CharField(max_length=128, blank=True, default="")
    password_version = models.PositiveIntegerField(default=0)
    access_groups = models.ManyToManyField(
        "accounts.AccessGroup", related_name="live_events", blank=True
    )
    is_draft = models.BooleanField(default=False)

    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField(db_index=True)
    auto_start = models.BooleanField(default=True)
    protocol = models.CharField(
        max_length=8, choices=IngestProtocol.choices, default=IngestProtocol.RTMP
    )
    #: the ingest point (a broadcaster/room); overlapping events on it are refused
    ingest = models.CharField(max_length=64, default="default")
    stream_key = models.CharField(max_length=64, default=new_stream_key)
    record = models.BooleanField(default=True)

    state = models.CharField(
        max_length=16, choices=LiveState.choices, default=LiveState.SCHEDULED, db_index=True
    )
    on_air = models.BooleanField(default=False)
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_message = models.TextField(blank=True, default="")
    #: local runner: TCP port of the worker's ingest listener
    ingest_port = models.PositiveIntegerField(null=True, blank=True)
    #: local runner: pid of the worker process (0: none)
    worker_pid = models.PositiveIntegerField(default=0)
    #: sequence number of the latest on_air/off_air applied (orders late deliveries)
    air_seq = models.PositiveIntegerField(default=0)
    viewers = models.PositiveIntegerField(default=0)
    peak_viewers = models.PositiveIntegerField(default=0)
    video = models.ForeignKey(
        "videos.Video", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("start", "id")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="live_end_after_start")
        ]

    def __str__(self) -> str:
        return self.title

    def __repr__(self) -> str:  # never the stream key
        return f"<LiveEvent {self.id} {self.state}>"

    @property
    def storage_prefix(self) -> str:
        return f"live/{self.id}/"


class LiveViewer(models.Model):
    """One viewer's last heartbeat; a viewer counts while ``seen_at`` is recent."""

    event = models.ForeignKey(LiveEvent, on_delete=models.CASCADE, related_name="heartbeats")
    viewer = models.CharField(max_length=128)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "viewer"], name="live_viewer_unique")
        ]

    def __str__(self) -> str:
        return f"{self.viewer} @ {self.event_id}"
