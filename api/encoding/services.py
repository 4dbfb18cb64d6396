"""Encoding jobs: creation, cancellation and the forward-only state machine.

The jobs only: what a job's end means for its video is the pipeline's business
(``api.pipeline.services``), which calls these. Phases only move forward
(Pending → Running → Succeeded | Failed): a late
``encoding.progress`` after ``encoding.succeeded`` changes nothing.
"""

from __future__ import annotations

import logging
import math
from typing import NamedTuple
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from pydantic import ValidationError

from api.core import metrics, storage
from api.core.errors import NotFound, ValidationFailed
from api.core.links import callback_url
from api.core.request_id import current_request_id
from api.encoding.backends import get_backend
from api.encoding.models import EncodingJob, JobPhase
from api.videos.models import Video
from podv5_contract.edit import EditSpec
from podv5_contract.events import EncodingEventData
from podv5_contract.imports import ImportSpec
from podv5_contract.outputs import Manifest, TranscriptionManifest
from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec, Hdr
from podv5_contract.transcribe import Transcribe

logger = logging.getLogger(__name__)


def chunk_count(
    *, duration: float | None, has_video: bool = True, edit: EditSpec | None = None
) -> int | None:
    """How many chunks to encode a source of ``duration`` seconds in (``spec.chunks``):
    None (one pass) below ``ENCODING_CHUNK_MIN_SECONDS`` (0: never), for audio only, an
    unknown duration or an edited encode (cut, dressing: one pass applies them); else
    about one per ``ENCODING_CHUNK_SECONDS``, 2 to ``ENCODING_CHUNK_MAX``."""
    threshold = settings.ENCODING_CHUNK_MIN_SECONDS
    if not has_video or not duration or not threshold or duration < threshold or edit:
        return None
    count = math.ceil(duration / settings.ENCODING_CHUNK_SECONDS)
    return max(2, min(settings.ENCODING_CHUNK_MAX, count))


def build_spec(
    *,
    job_id: UUID,
    video: Video,
    edit: EditSpec | None = None,
    duration: float | None = None,
    has_video: bool = True,
    source_name: str | None = None,
    source_import: ImportSpec | None = None,
    transcribe: Transcribe | None = None,
) -> EncodingJobSpec:
    """The EncodingJob spec for a video's current source; ``edit``: its cut and dressing
    (``api.editing.selectors.edit_spec_for``); ``duration`` (seconds) and ``has_video``:
    what the source's probe found, which decides chunking (``chunk_count``).
    ``source_import``: the worker imports the source from a URL and stores it at
    ``source_name`` first (its duration unknown: one pass). ``transcribe``: make captions
    too (or only them, ``transcribe.only``; see ``podv5_contract.transcribe``). An HDR
    source keeps an HDR rendition too when ``ENCODING_KEEP_HDR`` (``spec.hdr``)."""
    return EncodingJobSpec(
        job_id=job_id,
        video_id=video.id,
        source=storage.storage_uri(source_name or video.source_name),
        source_import=source_import,
        output=storage.storage_uri(f"{video.storage_prefix}encodes/{job_id}/"),
        ladder=list(DEFAULT_LADDER),
        segment_duration=settings.ENCODING_SEGMENT_DURATION,
        rate_control=settings.ENCODING_RATE_CONTROL,
        hdr=Hdr(keep=True) if settings.ENCODING_KEEP_HDR else None,
        callback_url=callback_url(),
        # a transcription-only job encodes nothing: one pass (the captions of a chunked
        # job are made by its audio step, podv5_media.encode.chunked)
        chunks=None
        if transcribe is not None and transcribe.only
        else chunk_count(duration=duration, has_video=has_video, edit=edit),
        request_id=current_request_id(),  # the request that started it: into worker logs
        edit=edit,
        transcribe=transcribe,
    )


def is_transcription_only(job: EncodingJob) -> bool:
    """Whether the job only transcribes (``spec.transcribe.only``): no new outputs for
    its video, a ``TranscriptionManifest`` when it succeeds."""
    return bool((job.spec.get("transcribe") or {}).get("only"))


@transaction.atomic
def encoding_job_create(
    *,
    video: Video,
    edit: EditSpec | None = None,
    duration: float | None = None,
    has_video: bool = True,
    source_name: str | None = None,
    source_import: ImportSpec | None = None,
    transcribe: Transcribe | None = None,
) -> EncodingJob:
    """Create the job for the video's source (with ``edit`` applied on the way, and
    ``transcribe``) and hand it to the backend once committed. ``duration``/``has_video``:
    the source's probe, when known (long videos are chunked, see ``chunk_count``);
    ``source_import``: see :func:`build_spec`."""
    job = EncodingJob(video=video, backend=settings.ENCODING_BACKEND)
    spec = build_spec(
        job_id=job.id,
        video=video,
        edit=edit,
        duration=duration,
        has_video=has_video,
        source_name=source_name,
        source_import=source_import,
        transcribe=transcribe,
    )
    job.spec = spec.to_wire()
    job.save()
    transaction.on_commit(lambda: get_backend().submit(job.id))
    metrics.ENCODING_JOBS_CREATED.labels(backend=job.backend).inc()
    return job


class JobUpdate(NamedTuple):
    """What an event did to a job: the job after it, whether it changed anything, and
    the validated manifest of an applied ``encoding.succeeded``."""

    job: EncodingJob
    applied: bool
    manifest: Manifest | TranscriptionManifest | None = None

    def outcome(self) -> dict:
        """The callback's answer: ``{job_id, phase, progress, applied}``."""
        job = self.job
        return {
            "job_id": str(job.id),
            "phase": job.phase,
            "progress": job.progress,
            "applied": self.applied,
        }


@transaction.atomic
def encoding_job_apply(*, job_id: UUID, event_type: str, data: EncodingEventData) -> JobUpdate:
    """Apply one ``encoding.*`` event to a job, forward only. Raises NotFound (404) for
    an unknown job and ValidationFailed (422) for a ``succeeded`` event without a valid
    manifest. The video is left alone (see ``api.pipeline.services``)."""
    job = EncodingJob.objects.select_for_update().filter(id=job_id).first()
    if job is None or job.video_id != data.video_id:
        raise NotFound("No such encoding job for this video.")
    if job.is_terminal:
        return JobUpdate(job, applied=False)
    now, manifest = timezone.now(), None
    fields = ["phase", "progress", "updated_at"]
    if event_type in ("encoding.running", "encoding.progress"):
        progress = data.progress if event_type == "encoding.progress" else None
        if job.phase == JobPhase.RUNNING and (progress is None or progress <= job.progress):
            return JobUpdate(job, applied=False)
        if job.phase == JobPhase.PENDING:
            job.phase, job.started_at = JobPhase.RUNNING, job.started_at or now
            fields.append("started_at")
        if progress is not None:
            job.progress = max(job.progress, min(progress, 99.9))
    elif event_type == "encoding.succeeded":
        try:
            model = TranscriptionManifest if is_transcription_only(job) else Manifest
            manifest = model.model_validate(data.manifest or {})
        except ValidationError as exc:
            raise ValidationFailed(
                f"Invalid manifest: {exc.errors()[0]['msg']}", field="data.manifest"
            ) from None
        job.phase, job.progress, job.completed_at = JobPhase.SUCCEEDED, 100.0, now
        fields.append("completed_at")
    elif event_type == "encoding.failed":
        job.phase, job.completed_at = JobPhase.FAILED, now
        job.reason = (data.reason or "encoding_failed")[:64]
        job.message = data.message or "The encoding failed."
        fields += ["completed_at", "reason", "message"]
    job.save(update_fields=fields)
    return JobUpdate(job, applied=True, manifest=manifest)


def encoding_output_prefix(*, job: EncodingJob) -> str:
    """The storage name under which the job's worker wrote its outputs."""
    return storage.storage_name(job.spec["output"])


def encoding_job_fail(*, job_id: UUID, reason: str, message: str) -> JobUpdate:
    """Fail a job from the API side (e.g. the worker died without reporting)."""
    job = EncodingJob.objects.get(id=job_id)
    data = EncodingEventData(job_id=job.id, video_id=job.video_id, reason=reason, message=message)
    return encoding_job_apply(job_id=job_id, event_type="encoding.failed", data=data)


def encoding_jobs_cancel_for_video(*, video: Video) -> None:
    """Cancel the video's unfinished jobs (phase Failed, reason ``cancelled``); the
    backend stops their workers after commit."""
    jobs = list(
        EncodingJob.objects.select_for_update().filter(
            video=video, phase__in=(JobPhase.PENDING, JobPhase.RUNNING)
        )
    )
    for job in jobs:
        job.phase, job.reason, job.message = JobPhase.FAILED, "cancelled", "Cancelled."
        job.completed_at = timezone.now()
        job.save(update_fields=["phase", "reason", "message", "completed_at", "updated_at"])
        transaction.on_commit(lambda job_id=job.id: get_backend().cancel(job_id))
