"""Decide whether an uploaded file is audio/video we can read, by probing its content
with PyAV (never by its name or the client's MIME type)."""

from __future__ import annotations

from pathlib import Path

import av

from api.core.errors import UnsupportedMedia
from podv5_contract.events import public_message


def check_media(path: Path) -> dict:
    """Open the file, find an audio or video stream and decode its first frame.

    Error messages never name the file (clients read them: the 415 and the video's
    ``error.message``). Returns ``{"container", "duration" (seconds, float or None), "video" (bool),
    "audio" (bool)}``; raises UnsupportedMedia (HTTP 415) for anything else (images,
    documents, empty or truncated files).
    """
    if path.stat().st_size == 0:
        raise UnsupportedMedia("The file is empty.")
    try:
        with av.open(str(path), metadata_errors="ignore") as container:
            video = [
                s
                for s in container.streams.video
                if s.codec_context.name not in ("png", "mjpeg", "bmp", "gif", "webp")
                or (s.frames or 0) > 1
            ]
            audio = list(container.streams.audio)
            if not video and not audio:
                raise UnsupportedMedia("The file has no audio or video stream.")
            stream = video[0] if video else audio[0]
            if container.format.name in (
                "image2",
                "png_pipe",
                "jpeg_pipe",
                "webp_pipe",
                "gif",
                "bmp_pipe",
                "tiff_pipe",
                "svg_pipe",
            ):
                raise UnsupportedMedia("The file is a still image, not a video.")
            for _frame in container.decode(stream):
                break
            else:
                raise UnsupportedMedia("No frame could be decoded from the file.")
            duration = container.duration / 1_000_000 if container.duration else None
            return {
                "container": container.format.name,
                "duration": duration,
                "video": bool(video),
                "audio": bool(audio),
            }
    except UnsupportedMedia:
        raise
    except (av.FFmpegError, ValueError, EOFError, OSError) as exc:
        # FFmpeg's and the OS's errors name the spooled file (a server path): keep only
        # what went wrong (``strerror``), never where
        detail = getattr(exc, "strerror", None) or type(exc).__name__
        message = public_message(f"The file is not readable audio or video ({detail}).")
        raise UnsupportedMedia(message) from None
