"""Videos in a given state, made with the ORM (no encoding), and their output files."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.contrib.auth.hashers import make_password

from api.videos.models import Video, VideoStatus

MASTER = "hls/master.m3u8"

#: a fake encoding's files, relative to the output prefix: playlists with relative URIs
OUTPUT_FILES = {
    MASTER: "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=500000\nv0/index.m3u8\n",
    "hls/v0/index.m3u8": (
        '#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXT-X-MAP:URI="init.mp4"\n'
        "#EXTINF:4.0,\nseg_00000.m4s\n#EXT-X-ENDLIST\n"
    ),
    "hls/v0/init.mp4": "init" * 100,
    "hls/v0/seg_00000.m4s": "segment-" * 500,
    "poster.jpg": "jpeg",
}


def make_video(
    owner,
    *,
    visibility: str = "public",
    is_draft: bool = False,
    status: str = VideoStatus.READY,
    password: str | None = None,
    groups=(),
    co_owners=(),
    title: str = "Lecture",
) -> Video:
    """A video in the given state; ready ones have an output prefix and a manifest."""
    video = Video(
        owner=owner,
        title=title,
        visibility=visibility,
        is_draft=is_draft,
        status=status,
        password=make_password(password) if password else "",
    )
    if status == VideoStatus.READY:
        video.output_prefix = f"{video.storage_prefix}encodes/{uuid.uuid4()}/"
        video.duration = 4.0
        video.manifest = {
            "hls": {"master": MASTER, "renditions": []},
            "mp4": [],
            "poster": "poster.jpg",
            "duration": 4.0,
        }
    video.save()
    video.access_groups.set(groups)
    video.additional_owners.set(co_owners)
    return video


def write_outputs(video: Video, media_root: Path) -> None:
    """Write the fake encoding's files where the video's manifest says they are."""
    for name, text in OUTPUT_FILES.items():
        path = Path(media_root) / video.output_prefix / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
