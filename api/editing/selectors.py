"""Reads of dressings and video edits, with the access rules in the query: a dressing is
seen by its owner and staff only (404 for anyone else, like what does not exist); a
video's cut and dressing by those who may change the video (``api.videos.selectors``)."""

from __future__ import annotations

from django.db.models import QuerySet

from api.core import storage
from api.core.access import is_staff
from api.core.errors import NotFound
from api.editing.models import Dressing, VideoEdit
from api.videos.models import Video
from podv5_contract.edit import EditSpec, Span, Trim, Watermark, kept_ranges


def dressings_visible_to(user) -> QuerySet[Dressing]:
    """The dressings ``user`` may see and use: their own, every one for staff."""
    qs = Dressing.objects.select_related("owner")
    if is_staff(user):
        return qs
    if not user.is_authenticated:
        return qs.none()
    return qs.filter(owner=user)


def dressing_list(*, user) -> QuerySet[Dressing]:
    return dressings_visible_to(user)


def dressing_get(*, dressing_id, user, field: str | None = None) -> Dressing:
    """A dressing ``user`` may see; NotFound (404, with ``field`` if given) otherwise."""
    dressing = dressings_visible_to(user).filter(pk=dressing_id).first()
    if dressing is None:
        raise NotFound("No such dressing.", field=field)
    return dressing


def video_edit_get(*, video: Video) -> VideoEdit | None:
    return VideoEdit.objects.select_related("dressing").filter(video=video).first()


def source_duration(video: Video) -> float | None:
    """The source's duration (seconds), as its last encoding probed it; None before."""
    source = (video.manifest or {}).get("source") or {}
    duration = source.get("duration")
    return float(duration) if duration else None


def cut_parts(edit: VideoEdit | None, video: Video) -> tuple[Trim | None, list[Span]]:
    """The contract's form of a video's cut; nothing for a cut made for another source."""
    if edit is None or not edit.has_cut or edit.source_name != video.source_name:
        return None, []
    trim = None
    if edit.trim_start is not None or edit.trim_end is not None:
        trim = Trim(start=edit.trim_start or 0.0, end=edit.trim_end)
    return trim, [Span(start=a, end=b) for a, b in edit.remove]


def cut_entry(*, video: Video) -> dict:
    """``CutOut``: the cut, the ranges it keeps and how long they last (seconds)."""
    trim, remove = cut_parts(video_edit_get(video=video), video)
    duration = source_duration(video)
    kept = []
    if duration is not None:
        kept = [
            {"start": a, "end": b}
            for a, b in kept_ranges(duration=duration, trim=trim, remove=remove)
        ]
    return {
        "trim": trim.model_dump() if trim else None,
        "remove": [span.model_dump() for span in remove],
        "source_duration": duration,
        "kept": kept,
        "duration": round(sum(k["end"] - k["start"] for k in kept), 3) if kept else duration,
    }


def _credits_uri(video: Video | None, name: str) -> str | None:
    if name:
        return storage.storage_uri(name)
    if video is not None and video.source_name:
        return storage.storage_uri(video.source_name)
    return None


def edit_spec_for(*, video: Video) -> EditSpec | None:
    """The ``edit`` of an EncodingJob spec for ``video``'s current source: its cut (if
    made for this source) and its dressing; None when there is nothing to do."""
    edit = video_edit_get(video=video)
    if edit is None:
        return None
    trim, remove = cut_parts(edit, video)
    watermark = opening = closing = None
    dressing = edit.dressing
    if dressing is not None:
        dressing = Dressing.objects.select_related("opening_video", "closing_video").get(
            pk=dressing.pk
        )
        if dressing.watermark_name:
            watermark = Watermark(
                image=storage.storage_uri(dressing.watermark_name),
                position=dressing.watermark_position,
                opacity=dressing.watermark_opacity,
                width=dressing.watermark_width,
            )
        opening = _credits_uri(dressing.opening_video, dressing.opening_name)
        closing = _credits_uri(dressing.closing_video, dressing.closing_name)
    spec = EditSpec(trim=trim, remove=remove, watermark=watermark, opening=opening, closing=closing)
    return spec if spec.has_cut or spec.has_dressing else None
