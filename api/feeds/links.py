"""URLs of a video for feeds and Dublin Core: its page, its media (public: plain URLs)."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django.urls import reverse

from api.core.links import media_url
from api.videos.models import Video

#: enclosure MIME types, as the iTunes podcast specification lists them
MP4_TYPE = "video/mp4"
M4A_TYPE = "audio/x-m4a"


def video_page_url(request: HttpRequest, video: Video) -> str:
    """The front end's page of the video (``VIDEO_PAGE_URL``), else its API URL."""
    if settings.VIDEO_PAGE_URL:
        return settings.VIDEO_PAGE_URL.replace("{id}", str(video.id))
    return request.build_absolute_uri(reverse("v1:get_video", kwargs={"video_id": video.id}))


def fallback(video: Video, *, audio_only: bool = False) -> dict | None:
    """The video's progressive download (manifest ``mp4``): ``{"path", "size", "type"}``
    of the MP4 fallback, or of the M4A one for an audio-only source; ``audio_only``:
    the M4A one only. ``None`` when there is none."""
    for item in (video.manifest or {}).get("mp4", []):
        is_m4a = item["path"].endswith(".m4a")
        if audio_only and not is_m4a:
            continue
        return {
            "path": item["path"],
            "size": item["size_bytes"],
            "type": M4A_TYPE if is_m4a else MP4_TYPE,
        }
    return None


def public_media_url(request: HttpRequest, video: Video, path: str) -> str:
    """Plain URL of one of a public video's outputs (``path``: relative to its prefix)."""
    return media_url(request, video.output_prefix + path)


def poster_url(request: HttpRequest, video: Video) -> str | None:
    """Plain URL of a public video's poster (the uploaded thumbnail, else the encoded one)."""
    return media_url(request, video.poster_name) if video.poster_name else None
