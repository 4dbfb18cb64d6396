"""End to end with the real worker (local backend): a clip is encoded, then cut and
dressed with a watermark over HTTP and encoded again from its kept source; the video
plays all along, ends up with the cut's duration and the watermark in its frames, and
its job history lists both jobs."""

from __future__ import annotations

import time

import av
import httpx
import pytest

from api.encoding.models import EncodingJob
from api.encoding.services import encoding_job_create
from api.videos.models import Video
from tests.api.editing.conftest import ffmpeg_image
from tests.api.factories import attach_source
from tests.api.test_main_job import wait_for
from tests.conftest import bearer, make_clip


def wait_job(job_id, timeout=240) -> EncodingJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = EncodingJob.objects.get(pk=job_id)
        if job.is_terminal:
            return job
        time.sleep(0.5)
    raise AssertionError(f"job still {job.phase} after {timeout} s")


@pytest.mark.media
def test_cut_and_watermark_then_reencode(live_api, user, tmp_path, settings):
    http = httpx.Client(base_url=live_api.url, headers={"Authorization": bearer(user)}, timeout=30)
    video = Video.objects.create(owner=user, title="Lecture", is_draft=False)
    clip = make_clip(tmp_path / "lecture.mp4", seconds=4, size="320x240")
    video = attach_source(video, clip, "lecture.mp4")
    encoding_job_create(video=video)
    ready = wait_for(video.id)
    assert ready.status == "ready", (ready.error_code, ready.error_message)
    first_master = http.get(f"/api/v1/videos/{video.id}/player").json()["data"]["hls"]["url"]

    cut = http.put(f"/api/v1/videos/{video.id}/cut", json={"trim": {"start": 1, "end": 3.5}})
    assert cut.status_code == 200 and cut.json()["data"]["duration"] == 2.5
    dressing = http.post("/api/v1/dressings", json={"title": "Logo", "watermark_width": 0.25})
    dressing_id = dressing.json()["data"]["id"]
    png = ffmpeg_image(tmp_path / "logo.png", colour="red", size="40x40")
    marked = http.post(f"/api/v1/dressings/{dressing_id}/watermark", files={"file": ("l.png", png)})
    assert marked.status_code == 200
    http.put(f"/api/v1/videos/{video.id}/dressing", json={"dressing": dressing_id})

    job = http.post(f"/api/v1/videos/{video.id}/encode")
    assert job.status_code == 202
    # while it runs, the first outputs still play
    player = http.get(f"/api/v1/videos/{video.id}/player").json()["data"]
    assert player["status"] == "ready" and player["hls"]["url"] == first_master
    assert http.get(first_master).status_code == 200
    done = wait_job(job.json()["data"]["id"])
    assert done.phase == "Succeeded", (done.reason, done.message)

    video.refresh_from_db()
    assert abs(video.duration - 2.5) < 0.05
    player = http.get(f"/api/v1/videos/{video.id}/player").json()["data"]
    assert (
        player["hls"]["url"] != first_master and http.get(player["hls"]["url"]).status_code == 200
    )
    assert http.get(first_master).status_code == 404  # the old outputs are gone
    variant = (
        settings.MEDIA_ROOT
        / video.output_prefix
        / video.manifest["hls"]["renditions"][0]["playlist"]
    )
    with av.open(str(variant)) as container:
        frame = next(container.decode(video=0)).to_ndarray(format="rgb24")
    # top-right corner (the default position): 80 px wide at 320 px, 7 px from the edges
    red, green, _ = frame[20:60, 320 - 70 : 320 - 20].reshape(-1, 3).mean(axis=0)
    assert red > 200 and green < 60

    jobs = http.get(f"/api/v1/videos/{video.id}/jobs").json()["data"]
    assert [j["phase"] for j in jobs] == ["Succeeded", "Succeeded"]
    assert jobs[0]["edit"]["trim"] == {"start": 1.0, "end": 3.5} and jobs[1]["edit"] is None
