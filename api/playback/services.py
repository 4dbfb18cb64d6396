"""Player configuration and media URLs.

Media URLs are ``/media/`` + storage name. The private-media path (an expiring HMAC
token as a path segment, ``/media/t/<token>/...``, X-Accel-Redirect, presigned S3 URLs)
plugs into :func:`media_url` later.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse

from api.videos.models import Video, VideoStatus


def media_url(request: HttpRequest, name: str) -> str:
    """Absolute URL of a stored file, served by ``api.playback.views.media_file``."""
    return request.build_absolute_uri(reverse("media", kwargs={"path": name}))


def player_config(*, request: HttpRequest, video: Video) -> dict:
    """The player config of a video (see ``PlayerOut``)."""
    config = {
        "status": video.status,
        "duration": video.duration,
        "hls": None,
        "mp4": [],
        "poster": None,
        "storyboard": None,
        "tracks": [],
        "chapters": [],
    }
    manifest = video.manifest
    if video.status != VideoStatus.READY or not manifest:
        return config

    def url(path: str) -> str:
        return media_url(request, video.output_prefix + path)

    config["hls"] = {"url": url(manifest["hls"]["master"])}
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
    if manifest.get("poster"):
        config["poster"] = url(manifest["poster"])
    if manifest.get("storyboard"):
        board = manifest["storyboard"]
        config["storyboard"] = {"vtt": url(board["vtt"]), "image": url(board["image"])}
    return config
