"""Reads of the pipeline: a video's transcriptions (the EncodingJobs that make
captions, ``spec.transcribe``), for a video already fetched with its access rules."""

from __future__ import annotations

from api.encoding.models import EncodingJob
from api.videos.models import Video


def transcription_entry(job: EncodingJob) -> dict:
    """A job as ``TranscriptionOut`` shows it."""
    options = job.spec.get("transcribe") or {}
    return {
        "job_id": job.id,
        "phase": job.phase,
        "progress": job.progress,
        "engine": options.get("engine", ""),
        "language": options.get("language", ""),
        "only": bool(options.get("only")),
        "reason": job.reason,
        "message": job.message,
        "created_at": job.created_at,
        "completed_at": job.completed_at,
    }


def transcription_list(*, video: Video) -> list[dict]:
    """The video's transcriptions, newest first."""
    jobs = EncodingJob.objects.filter(video=video).order_by("-created_at")
    return [transcription_entry(job) for job in jobs if job.spec.get("transcribe")]
