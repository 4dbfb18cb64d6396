"""The ``data`` of each event type, built from the subject (a Video, an Upload, a
LiveEvent: read by attribute, so this app imports none of theirs), and the one-line
publishers the workflow calls: :func:`publish_video`, :func:`publish_upload`,
:func:`publish_live`.

Shapes (JSON):

- ``video.*``: ``{id, title, status, duration (s) | null, progress (0-100) | null,
  error: {code, message} | null}``;
- ``upload.created``: ``{id, video_id, length (bytes) | null, filename}``;
- ``live.*``: ``{id, title, state, on_air, viewers, peak_viewers, error: {code,
  message} | null}``.

Texts are cut (titles to 200 characters, messages to 500) so an event always fits in a
PostgreSQL ``NOTIFY`` payload (8000 bytes).
"""

from __future__ import annotations

from api.events.services import publish


def _owner_ids(subject) -> list[int]:
    ids = [subject.owner_id]
    if getattr(subject, "pk", None) is not None and hasattr(subject, "additional_owners"):
        ids += [pk for pk in subject.additional_owners.values_list("pk", flat=True) if pk != ids[0]]
    return ids


def _error(code: str, message: str) -> dict | None:
    return {"code": code[:64], "message": message[:500]} if code else None


def video_data(video, *, progress: float | None = None) -> dict:
    """``video.*`` data of ``video`` (an ``api.videos.models.Video``)."""
    return {
        "id": str(video.id),
        "title": video.title[:200],
        "status": video.status,
        "duration": video.duration,
        "progress": progress,
        "error": _error(video.error_code, video.error_message),
    }


def live_data(event) -> dict:
    """``live.*`` data of ``event`` (an ``api.live.models.LiveEvent``)."""
    return {
        "id": str(event.id),
        "title": event.title[:200],
        "state": event.state,
        "on_air": event.on_air,
        "viewers": event.viewers,
        "peak_viewers": event.peak_viewers,
        "error": _error(event.error_code, event.error_message),
    }


def publish_video(event_type: str, video, *, progress: float | None = None) -> None:
    """Publish ``event_type`` about ``video`` once the current transaction commits."""
    publish(
        event_type,
        subject_id=video.id,
        owner_ids=_owner_ids(video),
        data=video_data(video, progress=progress),
    )


def publish_upload(upload) -> None:
    """Publish ``upload.created`` for ``upload`` (an ``api.uploads.models.Upload``): its
    subject is the upload's video (a video's stream shows it)."""
    video = upload.video
    publish(
        "upload.created",
        subject_id=video.id,
        owner_ids=_owner_ids(video),
        data={
            "id": str(upload.id),
            "video_id": str(video.id),
            "length": upload.length,
            "filename": upload.filename[:200],
        },
    )


def publish_live(event_type: str, event) -> None:
    """Publish ``event_type`` about the live event ``event``."""
    publish(event_type, subject_id=event.id, owner_ids=_owner_ids(event), data=live_data(event))


def publish_live_callback(callback_type: str, event) -> None:
    """Publish what an applied ``live.*`` worker callback did to ``event``: the
    worker's ``live.starting`` becomes ``live.started`` once the ingest listens (state
    ``live``; before, nothing new); ``live.on_air``, ``live.off_air``, ``live.ended``,
    ``live.failed`` as they are."""
    if callback_type == "live.starting":
        if event.state != "live":
            return  # still starting: published when it started (live_event_start)
        callback_type = "live.started"
    publish_live(callback_type, event)
