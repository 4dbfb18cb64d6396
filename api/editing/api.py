"""Editing endpoints: the dressings (``/dressings``) and, under ``/videos/{id}/``, a
video's ``cut`` and ``dressing``. Thin handlers over ``services`` and ``selectors``.

A video's cut and dressing are for those who may change the video (owners, additional
owners, staff: 403 for others who can see it, 404 for the rest); a dressing for its
owner and staff (404 for anyone else). Changes apply at the next encoding
(``POST /videos/{id}/encode``).
"""

from __future__ import annotations

from uuid import UUID

from django.conf import settings
from ninja import File, Router, Status
from ninja.files import UploadedFile

from api.accounts.auth import auth_required
from api.editing import selectors, services
from api.editing.schemas import (
    CutIn,
    CutOut,
    DressingIn,
    DressingOut,
    DressingPatch,
    Slot,
    VideoDressingIn,
    VideoDressingOut,
)
from api.videos.selectors import video_get_editable

dressings_router = Router()
videos_router = Router()


@dressings_router.get("", response=list[DressingOut], auth=auth_required)
def list_dressings(request):
    """Your dressings, newest first (staff: everyone's)."""
    return list(selectors.dressing_list(user=request.auth))


@dressings_router.post("", response={201: DressingOut}, auth=auth_required)
def create_dressing(request, payload: DressingIn):
    """A new dressing: watermark settings and credits taken from videos you may see
    (ready). Upload the watermark and credits files next. Viewers: 403."""
    return Status(201, services.dressing_create(owner=request.auth, **payload.dict()))


@dressings_router.get("/{uuid:dressing_id}", response=DressingOut, auth=auth_required)
def get_dressing(request, dressing_id: UUID):
    return selectors.dressing_get(dressing_id=dressing_id, user=request.auth)


@dressings_router.patch("/{uuid:dressing_id}", response=DressingOut, auth=auth_required)
def update_dressing(request, dressing_id: UUID, payload: DressingPatch):
    """Change fields; ``opening_video``/``closing_video`` null removes those credits."""
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    changes = payload.dict(exclude_unset=True)
    return services.dressing_update(dressing=dressing, actor=request.auth, **changes)


@dressings_router.delete("/{uuid:dressing_id}", response={204: None}, auth=auth_required)
def delete_dressing(request, dressing_id: UUID):
    """Delete a dressing and its files; videos that used it have none from then on."""
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    services.dressing_delete(dressing=dressing)
    return Status(204, None)


@dressings_router.post("/{uuid:dressing_id}/watermark", response=DressingOut, auth=auth_required)
def upload_watermark(request, dressing_id: UUID, file: File[UploadedFile]):
    """Upload the watermark (multipart ``file``, a PNG; transparency is kept). Over
    ``DRESSING_WATERMARK_MAX_SIZE``: 413; not a PNG: 415 ``unsupported_image``."""
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    size = file.size
    data = file.read() if size <= settings.DRESSING_WATERMARK_MAX_SIZE else b""
    return services.dressing_watermark_set(dressing=dressing, data=data, size=size)


@dressings_router.delete("/{uuid:dressing_id}/watermark", response=DressingOut, auth=auth_required)
def delete_watermark(request, dressing_id: UUID):
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    return services.dressing_watermark_clear(dressing=dressing)


@dressings_router.post("/{uuid:dressing_id}/{slot}", response=DressingOut, auth=auth_required)
def upload_credits(request, dressing_id: UUID, slot: Slot, file: File[UploadedFile]):
    """Upload opening or closing credits (multipart ``file``, a video; it replaces a
    video of the platform given before). Over ``DRESSING_CREDITS_MAX_SIZE``: 413; no
    video in it: 415 ``unsupported_media``."""
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    return services.dressing_credits_set(dressing=dressing, slot=slot, file=file)


@dressings_router.delete("/{uuid:dressing_id}/{slot}", response=DressingOut, auth=auth_required)
def delete_credits(request, dressing_id: UUID, slot: Slot):
    dressing = selectors.dressing_get(dressing_id=dressing_id, user=request.auth)
    return services.dressing_credits_clear(dressing=dressing, slot=slot)


# --- a video's cut and dressing ------------------------------------------------------------


@videos_router.get("/{uuid:video_id}/cut", response=CutOut, auth=auth_required)
def get_cut(request, video_id: UUID):
    """The cut, the ranges of the source it keeps and their duration (seconds)."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    return selectors.cut_entry(video=video)


@videos_router.put("/{uuid:video_id}/cut", response=CutOut, auth=auth_required)
def put_cut(request, video_id: UUID, payload: CutIn):
    """Set the cut (seconds of the source). Past the source's end: 422
    ``cut_out_of_range``; overlapping removed segments: 422 ``cut_overlap``; less than
    0.5 s left: 422 ``cut_empty``; a video never encoded: 409 ``invalid_state``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    cut = payload.dict()
    services.video_cut_set(video=video, trim=cut["trim"], remove=cut["remove"])
    return selectors.cut_entry(video=video)


@videos_router.delete("/{uuid:video_id}/cut", response={204: None}, auth=auth_required)
def delete_cut(request, video_id: UUID):
    """No cut: the next encoding keeps the whole source."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    services.video_cut_clear(video=video)
    return Status(204, None)


@videos_router.get("/{uuid:video_id}/dressing", response=VideoDressingOut, auth=auth_required)
def get_video_dressing(request, video_id: UUID):
    video = video_get_editable(video_id=video_id, user=request.auth)
    edit = selectors.video_edit_get(video=video)
    return {"dressing": edit.dressing if edit else None}


@videos_router.put("/{uuid:video_id}/dressing", response=VideoDressingOut, auth=auth_required)
def put_video_dressing(request, video_id: UUID, payload: VideoDressingIn):
    """Use one of your dressings (null: none). Not yours: 404 with ``field``."""
    video = video_get_editable(video_id=video_id, user=request.auth)
    edit = services.video_dressing_set(
        video=video, actor=request.auth, dressing_id=payload.dressing
    )
    return {"dressing": edit.dressing}
