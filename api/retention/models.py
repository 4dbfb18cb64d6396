"""A video's retention (Esup-Pod's obsolescence: ``date_delete``): the date it leaves
publication, the warnings its owners got, and its archive.

Timeline of one video (``api.retention.services.retention_tick`` moves it):

- ``deletion_date``: set at creation (``api.retention.policy``); warnings are e-mailed
  ``RETENTION_WARNING_DAYS`` days before it (each once per date);
- at ``deletion_date``: **archived** (unpublished: a draft again; source and outputs kept);
- ``RETENTION_ARCHIVE_DAYS`` later (:attr:`VideoRetention.purge_date`): **deleted** with
  its files (``api.pipeline.services.video_deleted``), and this row with it.

Owners move the date within policy (``POST /videos/{id}/retention/extend``), which also
brings an archived video back (still a draft: they publish it again).
"""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


class RetentionState(models.TextChoices):
    ACTIVE = "active", "Active (kept until its deletion date)"
    ARCHIVED = "archived", "Archived (unpublished; deleted after the archive period)"


class VideoRetention(models.Model):
    """One video's retention, keyed by the video (``video.retention``)."""

    video = models.OneToOneField(
        "videos.Video", on_delete=models.CASCADE, primary_key=True, related_name="retention"
    )
    #: the day the video is archived (Esup-Pod's ``date_delete``)
    deletion_date = models.DateField(db_index=True)
    state = models.CharField(
        max_length=16, choices=RetentionState.choices, default=RetentionState.ACTIVE
    )
    archived_at = models.DateTimeField(null=True, blank=True)
    #: the smallest of ``RETENTION_WARNING_DAYS`` already warned for ``deletion_date``
    #: (``None``: none yet); a new date clears it
    warned_days = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [models.Index(fields=["state", "deletion_date"], name="retention_due")]

    def __str__(self) -> str:
        return f"{self.video_id} until {self.deletion_date} ({self.state})"

    @property
    def purge_date(self) -> date:
        """The day the video is deleted: ``RETENTION_ARCHIVE_DAYS`` after its deletion
        date, or after the day it was archived when that came later (a tick that did not
        run for a while never shortens the archive period)."""
        start = self.deletion_date
        if self.archived_at is not None:
            start = max(start, timezone.localdate(self.archived_at))
        return start + timedelta(days=settings.RETENTION_ARCHIVE_DAYS)


class RetentionNotice(models.Model):
    """A warning owed to one recipient (an owner or additional owner) about one video's
    deletion date; ``sent_at`` once it went out in their digest. Made when the video
    reaches a warning threshold; a digest gathers every pending notice of a recipient."""

    video = models.ForeignKey("videos.Video", on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    #: the video's deletion date the warning is about (a later extension voids it)
    deletion_date = models.DateField()
    #: the threshold reached (one of ``RETENTION_WARNING_DAYS``)
    days_before = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("recipient_id", "deletion_date", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["video", "recipient", "deletion_date", "days_before"],
                name="retention_notice_once",
            )
        ]
        indexes = [
            models.Index(
                fields=["recipient"], condition=models.Q(sent_at=None), name="retention_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.video_id} → {self.recipient_id} ({self.days_before} d)"
