"""Pipeline endpoints under ``/videos/``: import a video from a URL; encode the kept
source again; transcribe its speech (``api.pipeline.transcription``: owners, additional
owners and staff, the captions endpoints' rules: 403 for others who can see the video,
404 for those who cannot)."""

from __future__ import annotations

from uuid import UUID

from ninja import Router, Status

from api.accounts.auth import auth_required
from api.core.ratelimit import enforce
from api.encoding.schemas import JobOut
from api.imports.schemas import ImportIn
from api.pipeline import selectors, transcription
from api.pipeline.schemas import TranscriptionIn, TranscriptionOut
from api.pipeline.services import video_import, video_reencode
from api.videos.schemas import VideoOut
from api.videos.selectors import video_get, video_get_editable

router = Router()


@router.post("/{uuid:video_id}/encode", response={202: JobOut}, auth=auth_required)
def encode_video(request, video_id: UUID):
    """Encode the video again from its kept source, with its current cut and dressing:
    a new encoding job (202). A ready video keeps serving its current outputs until the
    new job succeeds (a failed re-encode leaves them in place, the job tells why). Owners,
    additional owners and staff. A job pending or running: 409 ``encoding_running``; no
    source yet: 409 ``invalid_state``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return Status(202, video_reencode(video=video))


@router.post("/import", response={202: VideoOut}, auth=auth_required)
def import_video(request, payload: ImportIn):
    """Import a video from a URL (a media file, a PeerTube video, a BigBlueButton
    recording; ``kind``, default ``auto``): a new video, ``processing`` at once (202),
    whose source a worker downloads, keeps and encodes; the metadata left out come from
    the source. Its failure shows as the video's ``error.code`` (``import_failed``,
    ``import_too_large``, ``import_forbidden_address``... see docs/import.md). Uploaders
    (viewers: 403); counted with tus creations (``upload_create``, 429). A URL refused
    at once: 422 ``import_invalid_url``, ``import_forbidden_address``,
    ``import_unsupported_source``; the owner's quota used up: 413 ``quota_exceeded``."""
    enforce(request, "upload_create")
    video = video_import(owner=request.auth, **payload.dict())
    return Status(202, video_get(video_id=video.id, user=request.auth))


@router.post(
    "/{uuid:video_id}/transcriptions", response={202: TranscriptionOut}, auth=auth_required
)
def start_transcription(request, video_id: UUID, payload: TranscriptionIn):
    """Transcribe the video's speech into a captions track (generated; it replaces the
    generated track of the language, never an uploaded one): 202 with the job, whose
    phase and progress show here and in the video's ``encoding``. 409
    ``transcription_running`` while one runs, ``invalid_state`` while the video is not
    ready; 422 ``transcription_language_unsupported`` for a language the engine lacks."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    job = transcription.transcription_start(
        video=video, engine=payload.engine, language=payload.language
    )
    return Status(202, selectors.transcription_entry(job))


@router.get("/{uuid:video_id}/transcriptions", response=list[TranscriptionOut], auth=auth_required)
def list_transcriptions(request, video_id: UUID):
    """The video's transcriptions (with its encodes or alone), newest first."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return selectors.transcription_list(video=video)
