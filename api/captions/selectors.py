"""Reads of tracks and chapters of a video already fetched with the access rules of
``api.videos.selectors`` (what you may not see answers 404)."""

from __future__ import annotations

from uuid import UUID

from django.db.models import QuerySet
from django.http import HttpRequest

from api.captions.models import Chapter, Track
from api.core.errors import NotFound
from api.core.links import media_url
from api.videos.models import Video


def track_list(*, video: Video) -> QuerySet[Track]:
    """The tracks of ``video``, by language then kind."""
    return Track.objects.filter(video=video).order_by("lang", "kind")


def track_get(*, video: Video, track_id: UUID) -> Track:
    """A track of ``video``; raises NotFound (404)."""
    track = Track.objects.filter(video=video, pk=track_id).first()
    if track is None:
        raise NotFound("No such track for this video.")
    return track


def track_entry(*, request: HttpRequest, track: Track, token: str | None) -> dict:
    """One track as the player config and the track endpoints show it: ``id``, ``url``
    (the WebVTT file; with ``token`` for a non-public video, see
    ``api.playback.services.video_media_token``), ``lang``, ``kind``, ``label``,
    ``source_format``, ``size`` (bytes), ``generated`` and ``generator`` (automatic
    captions: the engine)."""
    return {
        "id": track.id,
        "url": media_url(request, track.file_name, token),
        "lang": track.lang,
        "kind": track.kind,
        "label": track.label,
        "source_format": track.source_format,
        "size": track.size,
        "generated": track.generated,
        "generator": track.generator,
    }


def track_entries(*, request: HttpRequest, video: Video, token: str | None) -> list[dict]:
    """Every track of ``video`` as :func:`track_entry` shows it. One query."""
    return [
        track_entry(request=request, track=track, token=token) for track in track_list(video=video)
    ]


def chapter_list(*, video: Video) -> QuerySet[Chapter]:
    """The chapters of ``video`` in order of start time."""
    return Chapter.objects.filter(video=video).order_by("start", "id")


def chapter_get(*, video: Video, chapter_id: int) -> Chapter:
    """A chapter of ``video``; raises NotFound (404)."""
    chapter = Chapter.objects.filter(video=video, pk=chapter_id).first()
    if chapter is None:
        raise NotFound("No such chapter in this video.")
    return chapter


def chapter_entries(*, video: Video) -> list[dict]:
    """``[{id, title, start}]`` in order (start in seconds, float). One query."""
    return list(chapter_list(video=video).values("id", "title", "start"))
