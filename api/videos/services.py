"""Writes on videos. Keyword-only, typed; raise ``api.core.errors`` exceptions."""

from __future__ import annotations

import logging
import re
import unicodedata
from pathlib import Path

from django.db import transaction

from api.core import storage
from api.core.errors import InvalidState
from api.videos.models import Video, VideoStatus

logger = logging.getLogger(__name__)

#: statuses from which a new source may be uploaded
UPLOADABLE = (VideoStatus.DRAFT, VideoStatus.UPLOADING, VideoStatus.FAILED)


@transaction.atomic
def video_create(*, owner, title: str, description: str = "") -> Video:
    """A new video in ``draft`` status, waiting for its source upload."""
    return Video.objects.create(owner=owner, title=title, description=description)


@transaction.atomic
def video_update(
    *, video: Video, title: str | None = None, description: str | None = None
) -> Video:
    """Change metadata; ``None`` leaves a field as it is."""
    fields = []
    if title is not None:
        video.title = title
        fields.append("title")
    if description is not None:
        video.description = description
        fields.append("description")
    if fields:
        video.save(update_fields=[*fields, "updated_at"])
    return video


def video_delete(*, video: Video) -> None:
    """Delete the video, its uploads and encoding jobs (running ones are cancelled),
    then its files once the transaction has committed."""
    from api.encoding.services import encoding_jobs_cancel_for_video
    from api.uploads.services import uploads_delete_for_video

    prefix = video.storage_prefix
    with transaction.atomic():
        encoding_jobs_cancel_for_video(video=video)
        uploads_delete_for_video(video=video)
        video.delete()
        transaction.on_commit(lambda: storage.delete_prefix(prefix))


@transaction.atomic
def video_start_upload(*, video: Video) -> Video:
    """Mark the video ``uploading`` (from draft, uploading or failed); raises
    InvalidState (409) once a source is being encoded or is ready."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if video.status not in UPLOADABLE:
        raise InvalidState(f"The video is {video.status}: its source can no longer change.")
    video.status = VideoStatus.UPLOADING
    video.error_code = video.error_message = ""
    video.save(update_fields=["status", "error_code", "error_message", "updated_at"])
    return video


def safe_filename(filename: str, default: str = "source") -> str:
    """A file name safe as a storage path segment (ASCII, no separators), extension kept."""
    name = unicodedata.normalize("NFKD", Path(filename or "").name)
    name = name.encode("ascii", "ignore").decode()
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:120]
    return name or default


@transaction.atomic
def video_attach_source(*, video: Video, local_path: Path, filename: str, size: int) -> Video:
    """Move a complete, probed upload into storage as the video's source and mark the
    video ``processing``. Raises InvalidState (409) if the video no longer takes a source."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if video.status not in UPLOADABLE:
        raise InvalidState(f"The video is {video.status}: its source can no longer change.")
    if video.source_name:
        old = video.source_name
        transaction.on_commit(lambda: storage.delete_prefix(old))
    name = f"{video.storage_prefix}source/{safe_filename(filename)}"
    if storage.exists(name):
        name = f"{video.storage_prefix}source/{local_path.stem[:8]}-{safe_filename(filename)}"
    storage.move_into_storage(local_path, name)
    video.source_name = name
    video.source_filename = filename[:255]
    video.source_size = size
    video.status = VideoStatus.PROCESSING
    video.error_code = video.error_message = ""
    video.save()
    return video


@transaction.atomic
def video_fail(*, video: Video, code: str, message: str) -> Video:
    """Mark the video ``failed`` with a stable ``code`` and a message."""
    Video.objects.filter(pk=video.pk).update(
        status=VideoStatus.FAILED, error_code=code[:64], error_message=message
    )
    video.refresh_from_db()
    return video


@transaction.atomic
def video_mark_ready(*, video: Video, output_prefix: str, manifest: dict) -> Video:
    """Record the outputs of a successful encoding (``manifest.json``) and mark the
    video ``ready``. Outputs of an earlier encoding are deleted after commit."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    old_prefix = video.output_prefix
    video.output_prefix = output_prefix
    video.manifest = manifest
    video.duration = manifest.get("duration")
    video.status = VideoStatus.READY
    video.error_code = video.error_message = ""
    video.save()
    if old_prefix and old_prefix != output_prefix:
        transaction.on_commit(lambda: storage.delete_prefix(old_prefix))
    return video
