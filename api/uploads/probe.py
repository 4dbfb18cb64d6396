"""Decide whether an uploaded file is audio/video we can encode, by probing its content
(never by its name or the client's MIME type) with THE probe of the worker programs,
:func:`podv5_media.probe.probe`: a file the upload accepts is one ``media-encode`` reads
the same way (same stream choice, still images and truncated files refused alike)."""

from __future__ import annotations

from pathlib import Path

from api.core.errors import UnsupportedMedia
from podv5_contract.events import public_message
from podv5_media import probe as media_probe


def check_media(path: Path) -> dict:
    """Probe the file at ``path``: an audio or video stream whose first frame decodes.

    Returns ``{"container", "duration" (seconds, float), "video" (bool), "audio" (bool)}``.
    Raises UnsupportedMedia (HTTP 415, code ``unsupported_media`` or ``truncated_media``)
    for anything else (images, documents, empty or truncated files). Messages never name
    the file: clients read them (the 415 and the video's ``error.message``).
    """
    try:
        info = media_probe.probe(path)
    except media_probe.UnsupportedMedia as exc:
        raise UnsupportedMedia(public_message(str(exc)), code=exc.reason) from None
    return {
        "container": info.container,
        "duration": info.duration,
        "video": info.video is not None,
        "audio": info.audio is not None,
    }
