"""Player configuration and media URLs.

Public videos (published, ``visibility=public``, ready) get plain URLs,
``/media/<storage name>``, that a CDN may cache. Every other video gets URLs with an
expiring token as a path segment, ``/media/t/<token>/<storage name>`` (see
``api.playback.tokens``), valid for ``MEDIA_TOKEN_SECONDS`` plus the video's duration,
so that a viewing started just before the expiry can finish.
"""

from __future__ import annotations

import math
import time
from datetime import UTC, datetime

from django.conf import settings
from django.http import HttpRequest

from api.captions.selectors import chapter_entries, track_entries
from api.core.links import media_url
from api.playback.tokens import media_token
from api.videos.models import Video, VideoStatus
from podv5_contract.bounds import MAX_SECONDS


def _duration(video: Video) -> float | None:
    """The video's duration in seconds (float), within the contract's bounds: a value
    stored before the callback bounds existed (``1e300``, NaN) can't break a player
    config or overflow a token's expiry."""
    duration = video.duration
    if duration is None or not math.isfinite(duration) or duration < 0:
        return None
    return min(duration, MAX_SECONDS)


def video_media_token(video: Video) -> tuple[str | None, int | None]:
    """``(token, expires)`` for the media URLs of a non-public video (expires in Unix
    seconds), ``(None, None)`` for a public one (plain URLs)."""
    if video.is_public:
        return None, None
    expires = int(time.time()) + settings.MEDIA_TOKEN_SECONDS + math.ceil(_duration(video) or 0)
    return media_token(scope=video.storage_prefix, expires=expires), expires


def player_config(*, request: HttpRequest, video: Video) -> dict:
    """The player config of a video the request's user may see (see ``PlayerOut``)."""
    config = {
        "status": video.status,
        "duration": _duration(video),
        "expires_at": None,
        "hls": None,
        "dash": None,
        "audio": [],
        "hdr": None,
        "mp4": [],
        "poster": None,
        "storyboard": None,
        "tracks": [],
        "chapters": [],
    }
    manifest = video.manifest
    config["chapters"] = chapter_entries(video=video)
    if video.status != VideoStatus.READY or not manifest:
        return config

    token, expires = video_media_token(video)
    if token is not None:
        config["expires_at"] = datetime.fromtimestamp(expires, tz=UTC)
    config["tracks"] = track_entries(request=request, video=video, token=token)

    def url(path: str) -> str:
        return media_url(request, video.output_prefix + path, token)

    config["hls"] = {"url": url(manifest["hls"]["master"])}
    if manifest.get("dash"):
        config["dash"] = {"url": url(manifest["dash"]["mpd"])}
    config["audio"] = [
        {
            "name": item["name"],
            "language": item.get("language"),
            "label": item["label"],
            "default": item.get("default", False),
            "descriptions": item.get("descriptions", False),
            "commentary": item.get("commentary", False),
        }
        for item in manifest["hls"].get("audio", [])
    ]
    config["hdr"] = next(
        (
            r["video_range"]
            for r in manifest["hls"].get("renditions", [])
            if r.get("video_range", "SDR") != "SDR"
        ),
        None,
    )
    config["mp4"] = [
        {
            "url": url(item["path"]),
            "name": item["name"],
            "width": item["width"],
            "height": item["height"],
            "size": item["size_bytes"],
        }
        for item in manifest.get("mp4", [])
    ]
    if video.poster_name:  # an uploaded thumbnail, else the encoded poster
        config["poster"] = media_url(request, video.poster_name, token)
    if manifest.get("storyboard"):
        board = manifest["storyboard"]
        config["storyboard"] = {"vtt": url(board["vtt"]), "image": url(board["image"])}
    return config
