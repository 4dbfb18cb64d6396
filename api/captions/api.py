"""Caption/subtitle track and chapter endpoints under ``/videos/{id}/``: thin handlers
over ``services`` and ``selectors``. Reading follows the video's access rules (404 when
you may not see it; ``X-Video-Grant`` for a password-protected one); changing is for
its owners, additional owners and staff (403 for others who can see it)."""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from ninja import File, Form, Router, Status
from ninja.files import UploadedFile

from api.accounts.auth import auth_optional, auth_required
from api.captions import selectors, services
from api.captions.models import TrackKind
from api.captions.schemas import (
    ChapterIn,
    ChapterOut,
    ChapterPatch,
    Label,
    Lang,
    TrackOut,
    TrackPatch,
)
from api.playback.services import video_media_token
from api.videos.api import GrantHeader
from api.videos.selectors import video_get, video_get_editable

router = Router()


@router.get("/{uuid:video_id}/tracks", response=list[TrackOut], auth=auth_optional)
def list_tracks(request, video_id: UUID, grant: str | None = GrantHeader):
    """The caption and subtitle tracks (WebVTT URLs, tokened for a non-public video)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    token, _ = video_media_token(video)
    return selectors.track_entries(request=request, video=video, token=token)


@router.post("/{uuid:video_id}/tracks", response={200: TrackOut, 201: TrackOut}, auth=auth_required)
def upload_track(
    request,
    video_id: UUID,
    file: File[UploadedFile],
    lang: Form[Lang],
    kind: Form[TrackKind],
    label: Form[Label | None] = None,
):
    """Upload a WebVTT or SRT file (multipart) as the ``lang``/``kind`` track: 201 when
    new, 200 when it replaces the track there was. SRT is converted to WebVTT; the
    content decides the format, not the file name. Errors: 413 ``payload_too_large``
    (over ``CAPTION_MAX_SIZE``), 422 ``invalid_webvtt`` / ``invalid_srt`` (the message
    names the line)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    data = file.read() if file.size <= settings.CAPTION_MAX_SIZE else b""
    track, created = services.track_save(
        video=video, lang=lang, kind=kind, label=label or "", data=data, size=file.size
    )
    token, _ = video_media_token(video)
    return Status(
        201 if created else 200, selectors.track_entry(request=request, track=track, token=token)
    )


@router.patch("/{uuid:video_id}/tracks/{uuid:track_id}", response=TrackOut, auth=auth_required)
def update_track(request, video_id: UUID, track_id: UUID, payload: TrackPatch):
    """Change the label of a track."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    track = selectors.track_get(video=video, track_id=track_id)
    track = services.track_update(track=track, label=payload.label)
    token, _ = video_media_token(video)
    return selectors.track_entry(request=request, track=track, token=token)


@router.delete("/{uuid:video_id}/tracks/{uuid:track_id}", response={204: None}, auth=auth_required)
def delete_track(request, video_id: UUID, track_id: UUID):
    """Delete a track and its file."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.track_delete(track=selectors.track_get(video=video, track_id=track_id))
    return Status(204, None)


@router.get("/{uuid:video_id}/chapters", response=list[ChapterOut], auth=auth_optional)
def list_chapters(request, video_id: UUID, grant: str | None = GrantHeader):
    """The chapters in order of start time (seconds)."""
    video = video_get(video_id=video_id, user=request.auth, grant=grant)
    return selectors.chapter_list(video=video)


@router.post("/{uuid:video_id}/chapters", response={201: ChapterOut}, auth=auth_required)
def create_chapter(request, video_id: UUID, payload: ChapterIn):
    """Add a chapter. Starting at or after the end of the video: 422
    ``chapter_out_of_range``; at the start of another chapter: 409 ``chapter_exists``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    chapter = services.chapter_create(video=video, title=payload.title, start=payload.start)
    return Status(201, chapter)


@router.patch("/{uuid:video_id}/chapters/{int:chapter_id}", response=ChapterOut, auth=auth_required)
def update_chapter(request, video_id: UUID, chapter_id: int, payload: ChapterPatch):
    """Change the title or the start of a chapter (same errors as creating one)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    chapter = selectors.chapter_get(video=video, chapter_id=chapter_id)
    return services.chapter_update(
        chapter=chapter, video=video, **payload.dict(exclude_unset=True, exclude_none=True)
    )


@router.delete(
    "/{uuid:video_id}/chapters/{int:chapter_id}", response={204: None}, auth=auth_required
)
def delete_chapter(request, video_id: UUID, chapter_id: int):
    """Delete a chapter."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.chapter_delete(chapter=selectors.chapter_get(video=video, chapter_id=chapter_id))
    return Status(204, None)
