"""The callback handlers of the pipeline, one per event-type prefix (registered by
``api.callbacks.apps``, which sits above the pipeline): each applies an event to its
subject, forward only, runs the pipeline step it completes, and returns its own outcome
(the callback's answer)."""

from __future__ import annotations

from api.encoding.services import encoding_job_apply
from api.events.payloads import publish_video
from api.live.services import live_callback_apply
from api.pipeline.services import (
    encoding_failed,
    encoding_succeeded,
    recording_received,
    url_source_stored,
)
from podv5_contract.events import EncodingEventData, LiveEventData


def encoding_event(event_type: str, data: EncodingEventData) -> dict:
    """``encoding.*``: ``{job_id, phase, progress, applied}``. NotFound (404) for an
    unknown job, ValidationFailed (422) for a ``succeeded`` without a valid manifest. A
    final event with ``imported`` attaches the imported source first."""
    update = encoding_job_apply(job_id=data.job_id, event_type=event_type, data=data)
    if update.applied and update.job.is_terminal and data.imported is not None:
        url_source_stored(job=update.job, imported=data.imported)
    if update.applied and event_type == "encoding.succeeded":
        encoding_succeeded(job=update.job, manifest=update.manifest)
    elif update.applied and event_type == "encoding.failed":
        encoding_failed(job=update.job, code=update.job.reason, message=update.job.message)
    elif update.applied:  # running, progress: the front ends' progress bars
        publish_video("video.progress", update.job.video, progress=update.job.progress)
    return update.outcome()


def live_event(event_type: str, data: LiveEventData) -> dict:
    """``live.*``: ``{event_id, phase (the event's state), on_air, applied}``. NotFound
    (404) for an unknown event. ``live.ended`` with a recording of a recorded event
    makes it a new video (:func:`~api.pipeline.services.recording_received`)."""
    update = live_callback_apply(event_type=event_type, data=data)
    event = update.event
    if update.applied and event_type == "live.ended" and event.record and data.recording:
        recording_received(event=event, uri=data.recording, duration=data.duration)
    return update.outcome()
