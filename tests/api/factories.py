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


def make_channel(owners=(), *, title: str = "Channel", visibility: str = "public", members=()):
    """A channel with its owners and members (users)."""
    from django.utils.text import slugify

    from api.editorial.models import Channel

    slug = f"{slugify(title)}-{uuid.uuid4().hex[:6]}"
    channel = Channel.objects.create(title=title, slug=slug, visibility=visibility)
    channel.owners.set(owners)
    channel.members.set(members)
    return channel


def make_tags(*names: str) -> list:
    """Tags for these names (created when new), normalised like the API does."""
    from api.editorial.services import tags_resolve

    return tags_resolve(names=names)


def make_editorial_video(
    owner,
    *,
    channels=(),
    themes=(),
    disciplines=(),
    tags=(),
    type=None,
    duration: float | None = None,
    created_at=None,
    description: str = "",
    licence: str | None = None,
    **kwargs,
) -> Video:
    """``make_video`` with editorial fields; ``tags``: names; ``created_at`` overrides
    the creation date (for date filters and orderings)."""
    video = make_video(owner, **kwargs)
    tag_objects = make_tags(*tags) if tags else []
    changes = {
        "type": type,
        "description": description,
        "search_tags": " ".join(sorted(tag.slug for tag in tag_objects)),
    }
    if duration is not None:
        changes["duration"] = duration
    if created_at is not None:
        changes["created_at"] = created_at
    if licence is not None:
        changes["licence"] = licence
    Video.objects.filter(pk=video.pk).update(**changes)
    video.channels.set(channels)
    video.themes.set(themes)
    video.disciplines.set(disciplines)
    video.tags.set(tag_objects)
    video.refresh_from_db()
    return video


def attach_source(video, path, filename: str):
    """Store ``path`` as the video's source and mark it processing, as a finished upload
    does (``video_store_source`` then ``video_attach_source``)."""
    from api.videos.services import video_attach_source, video_store_source

    size = path.stat().st_size
    stored = video_store_source(video=video, local_path=path, filename=filename)
    return video_attach_source(video=video, stored_name=stored, filename=filename, size=size)
