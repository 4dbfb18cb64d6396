"""Automatic captions end to end over HTTP, with the real worker: a clip of speech
(espeak-ng) is uploaded with the stock tus client asking for a transcription, the local
backend runs ``media-encode`` (encode + PocketSphinx), and the captions are a generated
track in ``/tracks`` and in the player config; ``POST /transcriptions`` then makes them
again (a transcription-only job) and replaces the generated track."""

from __future__ import annotations

import time

import httpx
import pytest
from tusclient import client as tus_client

from api.encoding.models import EncodingJob
from api.encoding.services import encoding_output_prefix
from api.videos.models import Video
from tests.api.test_main_job import wait_for
from tests.conftest import bearer
from tests.speech import SENTENCES, make_speech_clip, parse_webvtt, word_error_rate

pytestmark = pytest.mark.media


def wait_job(job_id, timeout=240) -> EncodingJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = EncodingJob.objects.get(id=job_id)
        if job.is_terminal:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} still {job.phase} after {timeout} s")


def upload_speech(live_api, user, tmp_path, *, title: str) -> tuple[httpx.Client, dict]:
    """A video made over the API and 10 s of espeak-ng speech uploaded to it with tuspy,
    ``transcribe: en`` in its metadata; the signed-in client and the created video."""
    clip = make_speech_clip(tmp_path / "lecture.mp4", seconds=10)
    token = bearer(user)
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": token}, timeout=30)
    video = http.post("/api/v1/videos", json={"title": title}).json()["data"]
    tus = tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", live_api.url),
        headers={"Authorization": token},
    )
    tus.uploader(
        str(clip),
        chunk_size=1 << 20,
        metadata={"video": video["id"], "filename": "lecture.mp4", "transcribe": "en"},
    ).upload()
    return http, video


def test_upload_with_transcription_then_transcribe_again(live_api, user, tmp_path, settings):
    http, video = upload_speech(live_api, user, tmp_path, title="Physics")

    ready = wait_for(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    (track,) = http.get(f"/api/v1/videos/{video['id']}/tracks").json()["data"]
    assert (track["kind"], track["lang"], track["label"]) == (
        "captions",
        "en",
        "English (automatic)",
    )
    assert track["generated"] is True and track["generator"] == "pocketsphinx"
    player = http.get(f"/api/v1/videos/{video['id']}/player").json()["data"]
    assert [t["id"] for t in player["tracks"]] == [track["id"]]
    assert player["tracks"][0]["generated"] is True

    served = http.get(track["url"])
    assert served.status_code == 200 and served.headers["content-type"].startswith("text/vtt")
    cues = parse_webvtt(served.text)
    assert cues and all(0 <= c.start < c.end <= ready.duration + 0.01 for c in cues)
    wer = word_error_rate(SENTENCES, " ".join(c.text for c in cues))
    print(f"\nWER through the API: {wer:.2f}")
    assert wer <= 0.5

    # again, alone: a transcription-only job replaces the generated track
    started = http.post(f"/api/v1/videos/{video['id']}/transcriptions", json={})
    assert started.status_code == 202, started.json()
    job = wait_job(started.json()["data"]["job_id"])
    assert job.phase == "Succeeded", (job.reason, job.message)
    (again,) = http.get(f"/api/v1/videos/{video['id']}/tracks").json()["data"]
    assert again["id"] == track["id"] and again["url"] != track["url"] and again["generated"]
    body = http.get(f"/api/v1/videos/{video['id']}").json()["data"]
    assert body["status"] == "ready" and body["encoding"]["job_id"] == str(job.id)
    after = Video.objects.get(id=video["id"])  # its outputs untouched
    assert (after.output_prefix, after.manifest) == (ready.output_prefix, ready.manifest)
    # the job's own output folder went once its captions were copied
    assert not (settings.MEDIA_ROOT / encoding_output_prefix(job=job)).exists()
    (entry, first) = http.get(f"/api/v1/videos/{video['id']}/transcriptions").json()["data"]
    assert (entry["only"], entry["phase"], first["only"]) == (True, "Succeeded", False)


def test_a_long_upload_is_chunked_and_still_gets_its_captions(live_api, user, tmp_path, settings):
    settings.ENCODING_CHUNK_MIN_SECONDS = 8  # "long" for a test: the 10 s clip
    settings.ENCODING_CHUNK_SECONDS = 4
    settings.ENCODING_CHUNK_MAX = 3
    settings.ENCODING_CHUNK_WORKERS = 2
    http, video = upload_speech(live_api, user, tmp_path, title="Physics, long")

    ready = wait_for(video["id"])
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    job = EncodingJob.objects.filter(video_id=video["id"]).get()
    assert job.spec["chunks"] == 3 and job.spec["transcribe"]["language"] == "en"
    (track,) = http.get(f"/api/v1/videos/{video['id']}/tracks").json()["data"]
    assert track["generated"] is True and track["generator"] == "pocketsphinx"
    cues = parse_webvtt(http.get(track["url"]).text)
    assert cues and all(0 <= c.start < c.end <= ready.duration + 0.01 for c in cues)
    assert word_error_rate(SENTENCES, " ".join(c.text for c in cues)) <= 0.5
