"""Writes of caption/subtitle tracks and chapters.

Errors: PayloadTooLarge (413, ``payload_too_large``) for a file over
``CAPTION_MAX_SIZE`` bytes; CaptionInvalid (422, ``invalid_webvtt`` / ``invalid_srt``)
for a file that is neither valid WebVTT nor SRT; ValidationFailed (422,
``chapter_out_of_range``, ``field="start"``) for a chapter starting at or after the end
of the video (when its duration is known); Conflict (409, ``chapter_exists``) for two
chapters starting at the same time.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction

from api.captions.models import Chapter, Track, TrackKind
from api.captions.webvtt import caption_to_webvtt
from api.core.errors import Conflict, PayloadTooLarge, ValidationFailed
from api.videos.models import Video

logger = logging.getLogger(__name__)

#: storage folder of the tracks, under the video's prefix
CAPTIONS_DIR = "captions/"


def _delete_file(name: str) -> None:
    try:
        default_storage.delete(name)
    except OSError:  # already gone, or storage trouble: an orphan file, not an error
        logger.warning("could not delete the caption file %s", name, exc_info=True)


@transaction.atomic
def track_save(
    *,
    video: Video,
    lang: str,
    kind: TrackKind,
    label: str,
    data: bytes,
    size: int,
    generator: str = "",
) -> tuple[Track, bool]:
    """Store a WebVTT or SRT file (converted to WebVTT) as the ``lang``/``kind`` track
    of ``video``, replacing the one there was; returns ``(track, created)``. ``size``:
    the upload's size in bytes, checked before anything is read. ``generator``: the
    engine of an automatic transcription (the track is then ``generated``); empty for
    a file a person uploads. The file gets a new
    name each time (``videos/<id>/captions/<lang>.<kind>.<random>.vtt``), so cached
    copies of the old one never mask the new one; the old file goes after commit."""
    if size > settings.CAPTION_MAX_SIZE:
        raise PayloadTooLarge(
            f"A caption file may hold at most {settings.CAPTION_MAX_SIZE} bytes.", field="file"
        )
    label = label.strip()
    if len(label) > 100 or "\x00" in label:
        raise ValidationFailed("A label has at most 100 characters, no NUL.", field="label")
    text, source_format = caption_to_webvtt(data)
    body = text.encode()
    name = f"{video.storage_prefix}{CAPTIONS_DIR}{lang}.{kind}.{uuid.uuid4().hex[:12]}.vtt"
    name = default_storage.save(name, ContentFile(body))
    try:
        track = Track.objects.select_for_update().filter(video=video, lang=lang, kind=kind).first()
        created = track is None
        old_name = None if created else track.file_name
        if created:
            track = Track(video=video, lang=lang, kind=kind)
        track.label = label or lang
        track.file_name, track.source_format, track.size = name, source_format, len(body)
        track.generated, track.generator = bool(generator), generator[:32]
        with transaction.atomic():
            track.save()
    except IntegrityError:
        _delete_file(name)
        raise Conflict("Another upload of this track is under way.", code="track_exists") from None
    except BaseException:
        _delete_file(name)
        raise
    if old_name:
        transaction.on_commit(lambda: _delete_file(old_name))
    return track, created


@transaction.atomic
def track_save_generated(
    *, video: Video, lang: str, label: str, data: bytes, generator: str
) -> Track | None:
    """Store the WebVTT file an automatic transcription made (by ``generator``) as the
    ``lang`` captions track of ``video``: it replaces a generated track, never one a
    person uploaded (None then, nothing stored). Errors as :func:`track_save`."""
    existing = (
        Track.objects.select_for_update()
        .filter(video=video, lang=lang, kind=TrackKind.CAPTIONS)
        .first()
    )
    if existing is not None and not existing.generated:
        logger.info("video %s: %s captions kept (made by a person)", video.id, lang)
        return None
    track, _ = track_save(
        video=video,
        lang=lang,
        kind=TrackKind.CAPTIONS,
        label=label,
        data=data,
        size=len(data),
        generator=generator,
    )
    return track


@transaction.atomic
def track_update(*, track: Track, label: str) -> Track:
    """Change the label of a track."""
    track.label = label
    track.save(update_fields=["label", "updated_at"])
    return track


@transaction.atomic
def track_delete(*, track: Track) -> None:
    """Delete a track and, after commit, its file."""
    name = track.file_name
    track.delete()
    transaction.on_commit(lambda: _delete_file(name))


def _check_start(video: Video, start: float) -> None:
    if video.duration and start >= video.duration:
        raise ValidationFailed(
            f"A chapter must start before the end of the video ({video.duration:g} s).",
            field="start",
            code="chapter_out_of_range",
        )


def _save_chapter(chapter: Chapter) -> Chapter:
    try:
        with transaction.atomic():
            chapter.save()
    except IntegrityError:
        raise Conflict(
            "Another chapter starts at the same time.", field="start", code="chapter_exists"
        ) from None
    return chapter


@transaction.atomic
def chapter_create(*, video: Video, title: str, start: float) -> Chapter:
    """A new chapter of ``video`` starting at ``start`` seconds."""
    _check_start(video, start)
    return _save_chapter(Chapter(video=video, title=title, start=start))


@transaction.atomic
def chapter_update(
    *, chapter: Chapter, video: Video, title: str | None = None, start: float | None = None
) -> Chapter:
    """Change the title or the start of a chapter; ``None`` leaves it as it is."""
    if title is not None:
        chapter.title = title
    if start is not None:
        _check_start(video, start)
        chapter.start = start
    return _save_chapter(chapter)


@transaction.atomic
def chapter_delete(*, chapter: Chapter) -> None:
    chapter.delete()


@transaction.atomic
def chapters_import(*, video: Video, chapters: list[dict]) -> int:
    """Create the chapters found in the source file (``manifest.json``'s
    ``source.chapters``: ``[{title, start}]``, start in seconds) unless the video has
    chapters already (the owners' work is never overwritten); chapters past the end or
    at a start already taken are skipped, an empty title becomes "Chapter <n>".
    Returns how many were created."""
    if not chapters or Chapter.objects.filter(video=video).exists():
        return 0
    seen: set[float] = set()
    rows = []
    for n, item in enumerate(sorted(chapters, key=lambda c: c["start"]), start=1):
        start = round(max(float(item["start"]), 0.0), 3)
        if start in seen or (video.duration and start >= video.duration):
            continue
        seen.add(start)
        title = (item.get("title") or "").strip()[:250] or f"Chapter {n}"
        rows.append(Chapter(video=video, title=title, start=start))
    Chapter.objects.bulk_create(rows)
    return len(rows)
