"""The video workflow. Keyword-only services, each one step of a video's life:

- :func:`source_received` — the last byte of a tus upload: probe → attach → encode;
- :func:`recording_received` — a live event's recording → a new VOD video → encode;
- :func:`source_imported` — a file of another platform (the Esup-Pod V4 import) → a
  copy as the video's source → encode;
- :func:`encoding_succeeded` / :func:`encoding_failed` — a job's end: the video is
  ready (chapters and generated captions imported) or failed; :func:`encoding_job_lost`
  for a job its backend could not run; a transcription-only job's end leaves the video
  as it is (captions imported, or nothing: see ``api.pipeline.transcription``);
- :func:`video_reencode` — encode the kept source again, with the video's cut and
  dressing (``api.editing``); a ready video keeps its outputs until the new ones are in;
- :func:`video_deleted` — cancel the jobs, drop the uploads, delete the video;
- :func:`video_import` — a new video whose source the worker imports from a URL, then
  encodes (``api.imports``, ``podv5_media.imports``); :func:`url_source_stored` — the
  worker stored it: the video's source, and the source's metadata.

The callbacks that drive the encoding and live steps arrive through ``api.pipeline.handlers``.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path
from uuid import UUID

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction

from api.accounts.models import User
from api.captions.services import chapters_import
from api.core import storage
from api.core.errors import (
    Conflict,
    InvalidState,
    PermissionDenied,
    PodError,
    ValidationFailed,
)
from api.editing.selectors import edit_spec_for
from api.encoding.models import EncodingJob
from api.encoding.selectors import encoding_job_active
from api.encoding.services import (
    encoding_job_create,
    encoding_job_fail,
    encoding_jobs_cancel_for_video,
    encoding_output_prefix,
    is_transcription_only,
)
from api.events.payloads import publish_video
from api.imports.services import (
    METADATA_FIELDS,
    import_default_title,
    import_quota_left,
    import_spec,
    import_url_check,
    video_import_create,
    video_import_finish,
)
from api.live.models import LiveEvent
from api.live.services import live_event_set_video
from api.pipeline.transcription import (
    captions_import,
    reencode_transcribe,
    transcription_succeeded,
    upload_transcribe_option,
)
from api.uploads.models import Upload
from api.uploads.probe import check_media
from api.uploads.services import (
    upload_attach_source,
    upload_probe,
    upload_store_source,
    uploads_delete_for_video,
)
from api.videos.models import SOURCE_DIR, Video, VideoStatus
from api.videos.services import (
    safe_filename,
    video_attach_source,
    video_create,
    video_delete,
    video_fail,
    video_mark_importing,
    video_mark_processing,
    video_mark_ready,
    video_source_imported,
    video_store_source,
    video_update,
)
from podv5_contract.imports import ImportedSource
from podv5_contract.outputs import Manifest, TranscriptionManifest

logger = logging.getLogger(__name__)

RECORDING_FILENAME = "recording.ts"
#: where an imported source is stored, under the video's source folder
IMPORTED_SOURCE = "imported"


def source_received(*, upload: Upload) -> Upload:
    """The last byte of ``upload`` arrived: probe the file (not media → the video fails,
    UnsupportedMedia, 415), store it as the video's source (StorageUnavailable, 503:
    retry the last PATCH), attach it and create the encoding job, in one transaction
    (the stored file is deleted if that fails). An upload already complete is left as
    it is."""
    probed = upload_probe(upload=upload)
    if upload.is_complete:
        return upload
    transcribe = _upload_transcribe(upload)
    stored = upload_store_source(upload=upload)
    try:
        with transaction.atomic():
            upload, video = upload_attach_source(upload=upload, stored_name=stored)
            encoding_job_create(
                video=video,
                edit=edit_spec_for(video=video),
                duration=probed["duration"],
                has_video=probed["video"],
                transcribe=transcribe,
            )
            publish_video("video.processing", video)
    except Exception:
        storage.delete_prefix(stored)
        raise
    return upload


def _upload_transcribe(upload: Upload):
    """The upload's transcription option (its Upload-Metadata, checked when the upload
    was created); a value the settings refuse since then: no transcription."""
    from api.uploads.views import parse_metadata  # the views import this module

    try:
        return upload_transcribe_option(metadata=parse_metadata(upload.metadata_header))
    except ValidationFailed as exc:
        logger.warning("upload %s: no transcription (%s)", upload.id, exc)
        return None


@transaction.atomic
def recording_received(
    *, event: LiveEvent, uri: str, duration: float | None = None
) -> Video | None:
    """A live event ended with a recording at ``uri``: a new Video owned by the event's
    owner (title, description, visibility, access groups and co-owners carried over)
    whose source is the recording, sent to the normal encoding (with automatic captions
    if ``AUTO_TRANSCRIBE``), and recorded on the event. None if the recording is
    missing or outside the storage. ``duration``: the recording's, seconds (a long one
    is encoded in chunks)."""
    try:
        path = Path(default_storage.path(storage.storage_name(uri)))
    except ValueError:
        logger.warning("live event %s: recording outside storage, ignored", event.id)
        return None
    if not path.is_file() or path.stat().st_size == 0:
        return None
    video = Video.objects.create(
        owner=event.owner,
        title=event.title,
        description=event.description,
        visibility=event.visibility,
        is_draft=event.is_draft,
    )
    video.access_groups.set(event.access_groups.all())
    video.additional_owners.set(event.additional_owners.all())
    size = path.stat().st_size
    stored = video_store_source(video=video, local_path=path, filename=RECORDING_FILENAME)
    video = video_attach_source(
        video=video, stored_name=stored, filename=RECORDING_FILENAME, size=size
    )
    # transcribed as an upload without the option is: if AUTO_TRANSCRIBE
    encoding_job_create(
        video=video, duration=duration, transcribe=upload_transcribe_option(metadata={})
    )
    publish_video("video.processing", video)
    live_event_set_video(event=event, video=video)
    logger.info("live event %s: recording → video %s", event.id, video.id)
    return video


def source_imported(*, video: Video, path: Path, filename: str) -> Video:
    """Make a copy of the file at ``path`` (left as it is) the source of ``video`` and
    start its encoding, as an upload's last byte does: probe it (UnsupportedMedia, 415,
    for anything that is not audio/video), copy it next to the upload spool, store it
    (:func:`video_store_source`), then attach it and create the encoding job in one
    transaction (the stored copy is deleted if that fails). Raises OSError when the
    file cannot be read, InvalidState (409) when the video no longer takes a source."""
    check_media(path)
    spool = Path(settings.UPLOAD_SPOOL_DIR)
    spool.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix="import-", dir=spool)
    copy = Path(name)
    try:
        with open(fd, "wb") as out, open(path, "rb") as src:
            shutil.copyfileobj(src, out, 8 << 20)
        size = copy.stat().st_size
        stored = video_store_source(video=video, local_path=copy, filename=filename)
    finally:
        copy.unlink(missing_ok=True)
    try:
        with transaction.atomic():
            video = video_attach_source(
                video=video, stored_name=stored, filename=filename, size=size
            )
            # transcribed as an upload without the option is: if AUTO_TRANSCRIBE
            encoding_job_create(video=video, transcribe=upload_transcribe_option(metadata={}))
            publish_video("video.processing", video)
    except Exception:
        storage.delete_prefix(stored)
        raise
    return video


@transaction.atomic
def encoding_succeeded(*, job: EncodingJob, manifest: Manifest | TranscriptionManifest) -> Video:
    """The job succeeded: its video is ready with the job's outputs; chapters embedded
    in the source file are imported, unless the video has chapters already, and the
    captions it made become generated tracks. A transcription-only job: its captions
    only."""
    prefix = encoding_output_prefix(job=job)
    if is_transcription_only(job):
        return transcription_succeeded(job=job, output_prefix=prefix, captions=manifest.captions)
    video = video_mark_ready(
        video=job.video, output_prefix=prefix, manifest=manifest.model_dump(mode="json")
    )
    chapters_import(video=video, chapters=[c.model_dump() for c in manifest.source.chapters])
    captions_import(video=video, output_prefix=prefix, captions=manifest.captions)
    publish_video("video.ready", video)
    return video


@transaction.atomic
def encoding_failed(*, job: EncodingJob, code: str, message: str) -> Video:
    """The job failed: so does its video, with the job's reason and message; unless the
    video is ready (a re-encode or a transcription-only job failed): its outputs stay,
    the job's record tells why."""
    video = Video.objects.select_for_update().get(pk=job.video_id)
    if video.status == VideoStatus.READY:
        return video
    video = video_fail(video=video, code=code, message=message)
    publish_video("video.failed", video)
    return video


@transaction.atomic
def video_reencode(*, video: Video) -> EncodingJob:
    """A new encoding job for the video's kept source, with its current cut and dressing.
    A ready video stays ready on its current outputs (replaced when the job succeeds); a
    failed one is ``processing`` again. Raises Conflict (409, ``encoding_running``) while
    a job is pending or running, InvalidState (409) without a source."""
    video = Video.objects.select_for_update().get(pk=video.pk)
    if not video.source_name or video.status in (VideoStatus.DRAFT, VideoStatus.UPLOADING):
        raise InvalidState("The video has no source to encode yet.")
    if encoding_job_active(video=video) is not None:
        raise Conflict(
            "An encoding of this video is under way: wait for it to end.",
            code="encoding_running",
        )
    video = video_mark_processing(video=video)
    publish_video("video.processing", video)
    # the duration of its last encode (a long video is chunked again; unknown: one pass)
    return encoding_job_create(
        video=video,
        edit=edit_spec_for(video=video),
        duration=video.duration,
        transcribe=reencode_transcribe(video=video),
    )


@transaction.atomic
def encoding_job_lost(*, job_id: UUID, reason: str, message: str) -> None:
    """A backend could not run the job (worker not started, died without reporting,
    the cluster refused the resource): the job fails, and so does its video."""
    update = encoding_job_fail(job_id=job_id, reason=reason, message=message)
    if update.applied:
        encoding_failed(job=update.job, code=update.job.reason, message=update.job.message)


def video_deleted(*, video: Video) -> None:
    """Delete the video with its uploads and encoding jobs (running ones are cancelled:
    their workers are stopped), then its files once the transaction has committed."""
    with transaction.atomic():
        encoding_jobs_cancel_for_video(video=video)
        uploads_delete_for_video(video=video)
        publish_video("video.deleted", video)
        video_delete(video=video)


def video_import(*, owner: User, url: str, kind: str = "auto", **fields) -> Video:
    """A new video of ``owner`` (``fields``: those of ``video_create``) whose source the
    worker imports from ``url`` and then encodes: the video is ``processing`` at once, and
    its encoding job carries the import (``api.imports.services.import_spec``); the
    metadata fields left out (None) are filled from the source's when it has them.

    Raises PermissionDenied (403) for a viewer, ValidationFailed (422:
    ``import_invalid_url``, ``import_forbidden_address``, ``import_unsupported_source``)
    and QuotaExceeded (413) when the owner's quota is used up; plus ``video_create``'s."""
    if not owner.upload_allowed:
        raise PermissionDenied("You may not upload videos: ask for the uploader role.")
    target, kind = import_url_check(url=url, kind=kind)
    quota_bytes = import_quota_left(owner=owner)
    kept = [name for name in METADATA_FIELDS if fields.get(name) is not None]
    fields["title"] = fields.get("title") or import_default_title(target=target, kind=kind)
    with transaction.atomic():
        video = video_create(owner=owner, **{k: v for k, v in fields.items() if v is not None})
        video = video_mark_importing(video=video)
        job = encoding_job_create(
            video=video,
            source_name=f"{video.storage_prefix}{SOURCE_DIR}{IMPORTED_SOURCE}",
            source_import=import_spec(url=url, kind=kind, quota_bytes=quota_bytes),
            transcribe=upload_transcribe_option(metadata={}),  # if AUTO_TRANSCRIBE
        )
        video_import_create(video=video, job_id=job.id, url=url, kind=kind, kept_fields=kept)
        publish_video("video.processing", video)
    logger.info("video %s: import of a %s source by job %s", video.id, kind, job.id)
    return video


@transaction.atomic
def url_source_stored(*, job: EncodingJob, imported: ImportedSource) -> Video | None:
    """The job's worker imported and stored the source (``data.imported`` of its final
    event): it becomes the video's source (re-encodes start from it), the import's
    record keeps what was fetched, and the source's metadata fill the fields the
    requester left out (tags that cannot be used are dropped, never failing the
    callback). None, and nothing changes, for a job that imports nothing or a source
    stored elsewhere than its spec said."""
    if "sourceImport" not in job.spec or imported.source != job.spec.get("source"):
        logger.warning("job %s: imported source %r not expected, ignored", job.id, imported.source)
        return None
    video = video_source_imported(
        video=job.video,
        stored_name=storage.storage_name(imported.source),
        filename=safe_filename(imported.filename),
        size=imported.size,
    )
    changes = video_import_finish(video=video, imported=imported)
    if changes:
        try:
            with transaction.atomic():
                video = video_update(video=video, actor=video.owner, **changes)
        except PodError as exc:  # e.g. a tag with nothing usable in it
            logger.info("video %s: source metadata not all applied (%s)", video.id, exc)
            changes.pop("tags", None)
            if changes:
                video = video_update(video=video, actor=video.owner, **changes)
    return video
