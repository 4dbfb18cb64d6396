"""Encoding jobs: creation, the forward-only state machine, and the signed callback.

Callbacks follow Standard Webhooks (verified with the ``standardwebhooks`` package):
bad signature or a timestamp off by more than 5 minutes → SignatureInvalid (HTTP 401),
nothing changes; a repeated ``webhook-id`` gets the stored answer, with no second effect.
Phases only move forward (Pending → Running → Succeeded | Failed): a late
``encoding.progress`` after ``encoding.succeeded`` changes nothing.
"""

from __future__ import annotations

import binascii
import json
import logging
from uuid import UUID

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from pydantic import ValidationError
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from api.captions.services import chapters_import
from api.core import metrics, storage
from api.core.errors import NotFound, SignatureInvalid, ValidationFailed
from api.core.request_id import current_request_id
from api.encoding.models import CallbackReceipt, EncodingJob, JobPhase
from api.videos.models import Video
from api.videos.services import video_fail, video_mark_ready
from podv5_contract.events import (
    ENCODING_EVENTS,
    LIVE_EVENTS,
    CallbackEvent,
    EncodingEventData,
    LiveEventData,
)
from podv5_contract.outputs import Manifest
from podv5_contract.spec import DEFAULT_LADDER, EncodingJobSpec

logger = logging.getLogger(__name__)


def callback_url() -> str:
    return settings.API_BASE_URL + reverse("v1:encoding_callback")


def build_spec(*, job_id: UUID, video: Video) -> EncodingJobSpec:
    """The EncodingJob spec for a video's current source."""
    return EncodingJobSpec(
        job_id=job_id,
        video_id=video.id,
        source=storage.storage_uri(video.source_name),
        output=storage.storage_uri(f"{video.storage_prefix}encodes/{job_id}/"),
        ladder=list(DEFAULT_LADDER),
        segment_duration=settings.ENCODING_SEGMENT_DURATION,
        callback_url=callback_url(),
        request_id=current_request_id(),  # the request that started it: into worker logs
    )


@transaction.atomic
def encoding_job_create(*, video: Video) -> EncodingJob:
    """Create the job for the video's source and hand it to the backend once committed."""
    from api.encoding.backends import get_backend

    job = EncodingJob(video=video, backend=settings.ENCODING_BACKEND)
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()
    transaction.on_commit(lambda: get_backend().submit(job.id))
    metrics.ENCODING_JOBS_CREATED.labels(backend=job.backend).inc()
    return job


def _outcome(job: EncodingJob, applied: bool) -> dict:
    return {"job_id": str(job.id), "phase": job.phase, "progress": job.progress, "applied": applied}


@transaction.atomic
def encoding_job_apply(*, job_id: UUID, event_type: str, data: EncodingEventData) -> dict:
    """Apply one ``encoding.*`` event to a job, forward only; returns the outcome
    ``{job_id, phase, progress, applied}``. Raises NotFound (404) for an unknown job and
    ValidationFailed (422) for a ``succeeded`` event without a valid manifest."""
    job = EncodingJob.objects.select_for_update().filter(id=job_id).first()
    if job is None or job.video_id != data.video_id:
        raise NotFound("No such encoding job for this video.")
    if job.is_terminal:
        return _outcome(job, applied=False)
    now = timezone.now()
    fields = ["phase", "progress", "updated_at"]
    if event_type in ("encoding.running", "encoding.progress"):
        progress = data.progress if event_type == "encoding.progress" else None
        if job.phase == JobPhase.RUNNING and (progress is None or progress <= job.progress):
            return _outcome(job, applied=False)
        if job.phase == JobPhase.PENDING:
            job.phase, job.started_at = JobPhase.RUNNING, job.started_at or now
            fields.append("started_at")
        if progress is not None:
            job.progress = max(job.progress, min(progress, 99.9))
    elif event_type == "encoding.succeeded":
        try:
            manifest = Manifest.model_validate(data.manifest or {})
        except ValidationError as exc:
            raise ValidationFailed(
                f"Invalid manifest: {exc.errors()[0]['msg']}", field="data.manifest"
            ) from None
        job.phase, job.progress, job.completed_at = JobPhase.SUCCEEDED, 100.0, now
        fields.append("completed_at")
        output = storage.storage_name(job.spec["output"])
        video = video_mark_ready(
            video=job.video, output_prefix=output, manifest=manifest.model_dump(mode="json")
        )
        # chapters embedded in the source file, unless the video has chapters already
        chapters_import(video=video, chapters=[c.model_dump() for c in manifest.source.chapters])
    elif event_type == "encoding.failed":
        job.phase, job.completed_at = JobPhase.FAILED, now
        job.reason = (data.reason or "encoding_failed")[:64]
        job.message = data.message or "The encoding failed."
        fields += ["completed_at", "reason", "message"]
        video_fail(video=job.video, code=job.reason, message=job.message)
    job.save(update_fields=fields)
    return _outcome(job, applied=True)


def encoding_job_fail(*, job_id: UUID, reason: str, message: str) -> dict:
    """Fail a job from the API side (e.g. the worker died without reporting)."""
    job = EncodingJob.objects.get(id=job_id)
    data = EncodingEventData(job_id=job.id, video_id=job.video_id, reason=reason, message=message)
    return encoding_job_apply(job_id=job_id, event_type="encoding.failed", data=data)


def encoding_jobs_cancel_for_video(*, video: Video) -> None:
    """Cancel the video's unfinished jobs (phase Failed, reason ``cancelled``); the
    backend stops their workers after commit."""
    from api.encoding.backends import get_backend

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


def _verify(body: bytes, headers) -> dict:
    try:
        Webhook(settings.CALLBACK_SIGNING_SECRET).verify(body, dict(headers), json_parse=False)
    except (WebhookVerificationError, ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise SignatureInvalid(f"Callback rejected: {exc}") from None
    try:
        return json.loads(body)
    except ValueError:
        raise ValidationFailed("The callback body is not JSON.", code="malformed_json") from None


def callback_receive(*, body: bytes, headers) -> tuple[int, dict]:
    """Verify, de-duplicate and apply one callback; returns (HTTP status, data).

    Raises SignatureInvalid (401), ValidationFailed (422) for a body that is not an
    event we know, NotFound (404) for an unknown job.
    """
    payload = _verify(body, headers)
    webhook_id = headers["webhook-id"]
    receipt = CallbackReceipt.objects.filter(webhook_id=webhook_id).first()
    if receipt is not None:
        metrics.CALLBACKS.labels(type=receipt.event_type, outcome="duplicate").inc()
        return receipt.status_code, receipt.response
    try:
        event = CallbackEvent.model_validate(payload)
        if event.type not in ENCODING_EVENTS + LIVE_EVENTS:
            raise ValidationFailed(
                f"Event type {event.type} is not handled here.",
                field="type",
                code="unsupported_event",
            )
        # dispatch by event-type prefix: live.* go to the live service
        live = event.type in LIVE_EVENTS
        data = (LiveEventData if live else EncodingEventData).model_validate(event.data)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise ValidationFailed(
            f"Invalid callback: {first['msg']}", field=".".join(map(str, first["loc"]))
        ) from None
    subject = data.event_id if live else data.job_id
    try:
        with transaction.atomic():
            if live:
                from api.live.services import live_callback_apply

                outcome = live_callback_apply(event_type=event.type, data=data)
            else:
                outcome = encoding_job_apply(job_id=data.job_id, event_type=event.type, data=data)
            CallbackReceipt.objects.create(
                webhook_id=webhook_id,
                event_type=event.type,
                job_id=None if live else data.job_id,
                status_code=200,
                response=outcome,
            )
    except IntegrityError:
        # the same webhook-id delivered concurrently: answer as the first delivery did
        receipt = CallbackReceipt.objects.get(webhook_id=webhook_id)
        return receipt.status_code, receipt.response
    logger.info("callback %s %s %s → %s", webhook_id, event.type, subject, json.dumps(outcome))
    applied = outcome.get("applied", True) if isinstance(outcome, dict) else True
    metrics.CALLBACKS.labels(type=event.type, outcome="applied" if applied else "ignored").inc()
    return 200, outcome
