"""Reads of encoding jobs (the callers check who may see the video first)."""

from __future__ import annotations

from django.db.models import QuerySet

from api.encoding.models import EncodingJob, JobPhase
from api.videos.models import Video

ACTIVE = (JobPhase.PENDING, JobPhase.RUNNING)


def encoding_job_list(*, video: Video) -> QuerySet[EncodingJob]:
    """Every encoding job of ``video``, newest first."""
    return EncodingJob.objects.filter(video=video).order_by("-created_at", "-id")


def encoding_job_active(*, video: Video) -> EncodingJob | None:
    """The video's pending or running job, if any."""
    return EncodingJob.objects.filter(video=video, phase__in=ACTIVE).first()
