"""Writes of dressings and video edits. Keyword-only, typed; raise ``api.core.errors``.

Errors: ValidationFailed (422) for a cut that does not fit the source
(``cut_out_of_range``, ``cut_overlap``, ``cut_empty``, ``validation_error`` for an end
before its start; ``field`` names the bound) and for credits naming a video you may not
see or that has no source; InvalidState (409) for a cut of a video never encoded (its
source's duration is not known yet); PermissionDenied (403) for a viewer creating a
dressing; PayloadTooLarge (413) over ``DRESSING_WATERMARK_MAX_SIZE`` /
``DRESSING_CREDITS_MAX_SIZE``; UnsupportedImage (415, ``unsupported_image``) for a
watermark that is not a PNG; UnsupportedMedia (415) for credits that are not a video.
"""

from __future__ import annotations

import logging
import re
import tempfile
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from api.accounts.models import User
from api.core import storage
from api.core.errors import (
    InvalidState,
    NotFound,
    PayloadTooLarge,
    PermissionDenied,
    UnsupportedMedia,
    ValidationFailed,
)
from api.core.images import image_check
from api.editing.models import Dressing, VideoEdit
from api.editing.selectors import dressing_get, source_duration
from api.videos.models import Video, VideoStatus
from api.videos.selectors import video_get
from podv5_contract.edit import EditError, Span, Trim, check_cut
from podv5_contract.events import public_message
from podv5_media import probe as media_probe

logger = logging.getLogger(__name__)


def _delete_file(name: str) -> None:
    if not name:
        return
    try:
        storage.delete_prefix(name)
    except Exception:  # storage trouble: an orphan file, not an error
        logger.warning("could not delete the dressing file %s", name, exc_info=True)


# --- cut ---------------------------------------------------------------------------------


def _span(start: float, end: float | None, field: str) -> None:
    if end is not None and end <= start:
        raise ValidationFailed("The end must be after the start.", field=f"{field}.end")


@transaction.atomic
def video_cut_set(*, video: Video, trim: dict | None, remove: list[dict]) -> VideoEdit:
    """Set the cut of ``video``'s source: keep ``trim`` (``{start, end}``, seconds;
    ``end`` None: to the end) minus the ``remove`` segments (``[{start, end}]``). Checked
    against the source's duration (see the module docstring); applied by the next
    encoding (``POST /videos/{id}/encode``)."""
    duration = source_duration(video)
    if duration is None or not video.source_name:
        raise InvalidState("The video has not been encoded yet: its duration is not known.")
    if trim is not None:
        _span(trim["start"], trim.get("end"), "trim")
    for i, span in enumerate(remove):
        _span(span["start"], span["end"], f"remove.{i}")
    parts = Trim(**trim) if trim is not None else None
    spans = [Span(**span) for span in remove]
    try:
        check_cut(duration=duration, trim=parts, remove=spans)
    except EditError as exc:
        raise ValidationFailed(str(exc), code=exc.code, field=exc.field) from None
    edit, _ = VideoEdit.objects.select_for_update().get_or_create(video=video)
    edit.source_name = video.source_name
    edit.trim_start = parts.start if parts is not None else None
    edit.trim_end = parts.end if parts is not None else None
    edit.remove = [[s.start, s.end] for s in sorted(spans, key=lambda s: s.start)]
    edit.save()
    return edit


@transaction.atomic
def video_cut_clear(*, video: Video) -> None:
    """No cut: the next encoding keeps the whole source."""
    VideoEdit.objects.filter(video=video).update(
        trim_start=None, trim_end=None, remove=[], source_name=""
    )


@transaction.atomic
def video_dressing_set(*, video: Video, actor: User, dressing_id) -> VideoEdit:
    """Make ``video`` refer to a dressing ``actor`` may use (theirs; any for staff:
    NotFound, 404, ``field="dressing"``, otherwise), or to none (``dressing_id`` None).
    Applied by the next encoding."""
    dressing = None
    if dressing_id is not None:
        dressing = dressing_get(dressing_id=dressing_id, user=actor, field="dressing")
    edit, _ = VideoEdit.objects.select_for_update().get_or_create(video=video)
    edit.dressing = dressing
    edit.save(update_fields=["dressing", "updated_at"])
    return edit


# --- dressings ---------------------------------------------------------------------------


def _credits_video(actor: User, video_id, field: str) -> Video:
    """A video ``actor`` may see, with a source: the credits of a dressing."""
    try:
        video = video_get(video_id=video_id, user=actor)
    except NotFound:
        raise ValidationFailed("No such video.", field=field) from None
    if not video.source_name or video.status != VideoStatus.READY:
        raise ValidationFailed("Credits must be a video that is ready.", field=field)
    return video


@transaction.atomic
def dressing_create(
    *,
    owner: User,
    title: str,
    watermark_position: str = "top-right",
    watermark_opacity: float = 1.0,
    watermark_width: float = 0.15,
    opening_video=None,
    closing_video=None,
) -> Dressing:
    """A new dressing of ``owner`` (PermissionDenied, 403, for viewers: no upload
    right); ``opening_video``/``closing_video``: ids of videos ``owner`` may see, ready
    (their sources become the credits). The watermark and uploaded credits come next
    (``dressing_watermark_set``, ``dressing_credits_set``)."""
    if not owner.upload_allowed:
        raise PermissionDenied("You may not make dressings: ask for the uploader role.")
    dressing = Dressing(
        owner=owner,
        title=title,
        watermark_position=watermark_position,
        watermark_opacity=watermark_opacity,
        watermark_width=watermark_width,
    )
    if opening_video is not None:
        dressing.opening_video = _credits_video(owner, opening_video, "opening_video")
    if closing_video is not None:
        dressing.closing_video = _credits_video(owner, closing_video, "closing_video")
    dressing.save()
    return dressing


@transaction.atomic
def dressing_update(*, dressing: Dressing, actor: User, **changes) -> Dressing:
    """Change the given fields (those of :func:`dressing_create`); ``opening_video`` /
    ``closing_video`` None removes those credits, a video id replaces them (an uploaded
    file among them is deleted after commit)."""
    dressing = Dressing.objects.select_for_update().get(pk=dressing.pk)
    for name in ("title", "watermark_position", "watermark_opacity", "watermark_width"):
        if changes.get(name) is not None:
            setattr(dressing, name, changes[name])
    for slot in ("opening", "closing"):
        key = f"{slot}_video"
        if key not in changes:
            continue
        video = None if changes[key] is None else _credits_video(actor, changes[key], key)
        old = getattr(dressing, f"{slot}_name")
        setattr(dressing, key, video)
        setattr(dressing, f"{slot}_name", "")
        transaction.on_commit(lambda old=old: _delete_file(old))
    dressing.save()
    return dressing


@transaction.atomic
def dressing_delete(*, dressing: Dressing) -> None:
    """Delete the dressing (videos refer to none then) and, after commit, its files."""
    prefix = dressing.storage_prefix
    dressing.delete()
    transaction.on_commit(lambda: _delete_file(prefix))


@transaction.atomic
def dressing_watermark_set(*, dressing: Dressing, data: bytes, size: int) -> Dressing:
    """Store a PNG as the dressing's watermark (``size``: bytes, checked first)."""
    if size > settings.DRESSING_WATERMARK_MAX_SIZE:
        raise PayloadTooLarge(
            f"A watermark may hold at most {settings.DRESSING_WATERMARK_MAX_SIZE} bytes.",
            field="file",
        )
    image_check(data, formats=("png",))
    name = f"{dressing.storage_prefix}watermark-{uuid.uuid4().hex[:12]}.png"
    name = default_storage.save(name, ContentFile(data))
    dressing = Dressing.objects.select_for_update().get(pk=dressing.pk)
    old, dressing.watermark_name = dressing.watermark_name, name
    dressing.save(update_fields=["watermark_name", "updated_at"])
    transaction.on_commit(lambda: _delete_file(old))
    return dressing


@transaction.atomic
def dressing_watermark_clear(*, dressing: Dressing) -> Dressing:
    dressing = Dressing.objects.select_for_update().get(pk=dressing.pk)
    old, dressing.watermark_name = dressing.watermark_name, ""
    dressing.save(update_fields=["watermark_name", "updated_at"])
    transaction.on_commit(lambda: _delete_file(old))
    return dressing


def _suffix(filename: str | None) -> str:
    suffix = Path(filename or "").suffix.lower()
    return suffix if re.fullmatch(r"\.[a-z0-9]{1,8}", suffix) else ".bin"


def dressing_credits_set(*, dressing: Dressing, slot: str, file: UploadedFile) -> Dressing:
    """Store an uploaded video as the ``slot`` (``opening``/``closing``) credits: probed
    (it must have a video stream), then moved into storage; the slot's previous file
    goes after commit. Runs the probe and the copy outside any transaction."""
    if file.size > settings.DRESSING_CREDITS_MAX_SIZE:
        raise PayloadTooLarge(
            f"A credits video may hold at most {settings.DRESSING_CREDITS_MAX_SIZE} bytes.",
            field="file",
        )
    with tempfile.NamedTemporaryFile(suffix=_suffix(file.name), delete=False) as tmp:
        for chunk in file.chunks():
            tmp.write(chunk)
    local = Path(tmp.name)
    try:
        try:
            info = media_probe.probe(local)
        except media_probe.UnsupportedMedia as exc:
            raise UnsupportedMedia(public_message(str(exc)), code=exc.reason) from None
        if info.video is None:
            raise UnsupportedMedia("Credits must be a video (this file has no video).")
        name = f"{dressing.storage_prefix}{slot}-{uuid.uuid4().hex[:12]}{local.suffix}"
        name = storage.move_into_storage(local, name)
    finally:
        local.unlink(missing_ok=True)
    try:
        with transaction.atomic():
            dressing = Dressing.objects.select_for_update().get(pk=dressing.pk)
            old = getattr(dressing, f"{slot}_name")
            setattr(dressing, f"{slot}_name", name)
            setattr(dressing, f"{slot}_video", None)
            dressing.save()
            transaction.on_commit(lambda: _delete_file(old))
    except BaseException:
        _delete_file(name)
        raise
    return dressing


@transaction.atomic
def dressing_credits_clear(*, dressing: Dressing, slot: str) -> Dressing:
    """No ``slot`` credits (video or file); the file goes after commit."""
    dressing = Dressing.objects.select_for_update().get(pk=dressing.pk)
    old = getattr(dressing, f"{slot}_name")
    setattr(dressing, f"{slot}_name", "")
    setattr(dressing, f"{slot}_video", None)
    dressing.save()
    transaction.on_commit(lambda: _delete_file(old))
    return dressing
