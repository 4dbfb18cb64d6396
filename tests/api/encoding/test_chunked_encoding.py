"""Long videos through the API: past ``ENCODING_CHUNK_MIN_SECONDS`` the spec asks for
chunks, the local backend's worker encodes them in its pool and joins them, and the video
is ready and plays (the joined master playlist through the API)."""

from __future__ import annotations

import time

import httpx
import m3u8
import pytest
from tusclient import client as tus_client

from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import chunk_count
from api.videos.models import Video
from tests.conftest import bearer, fetch_hls_start, make_clip


def test_chunk_count_follows_the_settings(settings):
    settings.ENCODING_CHUNK_MIN_SECONDS = 1200
    settings.ENCODING_CHUNK_SECONDS = 300
    settings.ENCODING_CHUNK_MAX = 16
    assert chunk_count(duration=1199.9) is None  # below the threshold: one pass
    assert chunk_count(duration=1200) == 4
    assert chunk_count(duration=7200) == 16  # a 2-hour lecture: capped
    assert chunk_count(duration=7200, has_video=False) is None  # audio only: one pass
    assert chunk_count(duration=None) is None
    settings.ENCODING_CHUNK_MIN_SECONDS = 0  # off
    assert chunk_count(duration=7200) is None
    settings.ENCODING_CHUNK_MIN_SECONDS, settings.ENCODING_CHUNK_SECONDS = 10, 100
    assert chunk_count(duration=12) == 2  # at least two when chunked at all


def _wait(video_id: str, timeout: float = 300) -> Video:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        video = Video.objects.get(id=video_id)
        if video.status in ("ready", "failed"):
            return video
        time.sleep(0.5)
    raise AssertionError(f"video still {video.status} after {timeout} s")


@pytest.mark.media
def test_a_long_upload_is_encoded_in_chunks_and_plays(live_api, user, tmp_path, settings):
    settings.ENCODING_CHUNK_MIN_SECONDS = 10  # "long" for a test: 12 s
    settings.ENCODING_CHUNK_SECONDS = 4
    settings.ENCODING_CHUNK_MAX = 3
    settings.ENCODING_CHUNK_WORKERS = 2
    clip = make_clip(tmp_path / "lecture.mp4", seconds=12, size="320x180")
    token = bearer(user)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    video = http.post("/api/v1/videos", json={"title": "Two hours, in short"}).json()["data"]
    tus = tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", live_api.url),
        headers={"Authorization": token},
    )
    tus.uploader(
        str(clip), chunk_size=1 << 20, metadata={"video": video["id"], "filename": "l.mp4"}
    ).upload()

    job = EncodingJob.objects.get(video_id=video["id"])
    assert job.spec["chunks"] == 3
    ready = _wait(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    job.refresh_from_db()
    assert job.phase == JobPhase.SUCCEEDED and job.progress == 100
    assert ready.duration == pytest.approx(12.0, abs=0.05)

    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    master_url = player["hls"]["url"]
    master = m3u8.loads(http.get(master_url).text, uri=master_url)
    # the sound, encoded once, in an audio group each variant names
    groups = {m.group_id for m in master.media}
    assert groups and groups == {p.stream_info.audio for p in master.playlists}
    variant_playlist, _, segment = fetch_hls_start(http, master_url)
    assert len(variant_playlist.segments) == 3  # 12 s in 4 s segments, from 3 chunks
    assert player["mp4"] and player["poster"] and player["storyboard"]
    audio_url = master.media[0].absolute_uri
    audio = m3u8.loads(http.get(audio_url).text, uri=audio_url)
    assert http.get(audio.segments[0].absolute_uri).status_code in (200, 206)
