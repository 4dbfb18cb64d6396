from __future__ import annotations

import uuid

from django.db import models


class JobPhase(models.TextChoices):
    """EncodingJob ``status.phase`` (same values as the custom resource)."""

    PENDING = "Pending"
    RUNNING = "Running"
    SUCCEEDED = "Succeeded"
    FAILED = "Failed"


#: phases only move forward along this order; Succeeded and Failed are terminal
PHASE_ORDER = {JobPhase.PENDING: 0, JobPhase.RUNNING: 1, JobPhase.SUCCEEDED: 2, JobPhase.FAILED: 2}
TERMINAL = (JobPhase.SUCCEEDED, JobPhase.FAILED)


class EncodingJob(models.Model):
    """The API's record of one encoding: mirrors ``podv5_contract.spec.EncodingJobSpec``
    (``spec``, wire form) and the custom resource's status."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    video = models.ForeignKey(
        "videos.Video", on_delete=models.CASCADE, related_name="encoding_jobs"
    )
    backend = models.CharField(max_length=16)
    spec = models.JSONField()
    phase = models.CharField(
        max_length=16, choices=JobPhase.choices, default=JobPhase.PENDING, db_index=True
    )
    #: percent, 0-100
    progress = models.FloatField(default=0)
    #: stable reason code of a failure (e.g. ``unsupported_media``, ``ffmpeg_failed``)
    reason = models.CharField(max_length=64, blank=True, default="")
    message = models.TextField(blank=True, default="")
    attempts = models.PositiveIntegerField(default=0)
    #: local backend: which server process runs the job, until when (lease, renewed)
    lease_owner = models.CharField(max_length=128, blank=True, default="")
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"EncodingJob {self.id} ({self.phase})"

    @property
    def is_terminal(self) -> bool:
        return self.phase in TERMINAL
