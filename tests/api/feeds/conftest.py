"""Public videos with real progressive downloads (an MP4 made by ffmpeg, or an M4A for
an audio-only source) written where their manifest says."""

from __future__ import annotations

import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from api.editorial.models import Playlist, PlaylistItem
from api.videos.models import Video
from tests.api.factories import make_editorial_video, write_outputs
from tests.conftest import FFMPEG, make_clip


@pytest.fixture(scope="session")
def media_files(tmp_path_factory) -> dict[str, Path]:
    """A 1 s MP4 (H.264/AAC) and a 1 s M4A (AAC), made once."""
    folder = tmp_path_factory.mktemp("feed-media")
    mp4 = make_clip(folder / "clip.mp4", seconds=1, size="160x120")
    m4a = folder / "audio.m4a"
    subprocess.run(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         "sine=frequency=440:sample_rate=48000:duration=1", "-c:a", "aac", "-b:a", "64k",
         str(m4a)],
        check=True,
    )  # fmt: skip
    return {"mp4": mp4, "m4a": m4a}


@pytest.fixture
def feed_video(media_files, _media_root):
    """``feed_video(owner, title=..., day=N, audio=False, **make_video kwargs)``: a video
    created on 2030-01-N whose fallback file exists."""

    def make(owner, *, title: str, day: int, audio: bool = False, **kwargs) -> Video:
        video = make_editorial_video(
            owner, title=title, created_at=datetime(2030, 1, day, 9, tzinfo=UTC), **kwargs
        )
        if video.status != "ready":
            return video
        source = media_files["m4a" if audio else "mp4"]
        path = "mp4/audio.m4a" if audio else "mp4/360p.mp4"
        manifest = dict(video.manifest)
        manifest["mp4"] = [
            {
                "name": "audio" if audio else "360p",
                "path": path,
                "width": None if audio else 160,
                "height": None if audio else 120,
                "size_bytes": source.stat().st_size,
            }
        ]
        manifest["hls"] = {**manifest["hls"], "audio_only": audio}
        Video.objects.filter(pk=video.pk).update(manifest=manifest)
        video.refresh_from_db()
        write_outputs(video, _media_root)
        target = Path(_media_root) / video.output_prefix / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        return video

    return make


def make_playlist(owner, videos, *, visibility: str = "public") -> Playlist:
    playlist = Playlist.objects.create(owner=owner, title="Best of", visibility=visibility)
    for position, video in enumerate(videos):
        PlaylistItem.objects.create(playlist=playlist, video=video, position=position)
    return playlist
