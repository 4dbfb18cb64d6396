"""A long video on a real control plane: the API (ENCODING_BACKEND=kubernetes) asks for
chunks, the operator makes an Indexed Job of them (the real Job controller gives each pod
its JOB_COMPLETION_INDEX, the pod runner runs the real ``media-encode`` step), follows its
completed indexes into the EncodingJob's status, then makes the join Job, whose pod
publishes the ladder: the video is ready and its joined HLS plays through the API."""

from __future__ import annotations

import httpx
import m3u8
import pytest

from api.encoding.models import EncodingJob
from tests.conftest import bearer, fetch_hls_start, make_clip
from tests.podv5_operator.handlers.conftest import (
    callback_secret,
    upload_video,
    wait_until,
    wait_video,
)

pytestmark = [pytest.mark.kube, pytest.mark.media]


@pytest.mark.django_db(transaction=True)
def test_long_upload_runs_as_an_indexed_job_then_a_join(
    kube_api_server, pod_runner, run_operator, kube, kube_namespace, crd_installed,
    user, settings, tmp_path,
):  # fmt: skip
    settings.ENCODING_CHUNK_MIN_SECONDS = 10  # "long" for a test: 12 s
    settings.ENCODING_CHUNK_SECONDS = 6
    settings.ENCODING_CHUNK_MAX = 2
    callback_secret(crd_installed, kube_namespace, settings.CALLBACK_SIGNING_SECRET)
    run_operator(signing_secret=settings.CALLBACK_SIGNING_SECRET)
    clip = make_clip(tmp_path / "lecture.mp4", seconds=12, size="320x180")
    video_id = upload_video(kube_api_server.url, user, clip)
    job = EncodingJob.objects.get(video_id=video_id)
    assert job.spec["chunks"] == 2
    name = f"ej-{job.id}"

    def seen_indexed_job():
        return kube.read_job(kube_namespace, f"{name}-chunks")

    chunks_job = wait_until(seen_indexed_job, 60, what="the Indexed Job of the chunks")
    assert chunks_job["spec"]["completionMode"] == "Indexed"
    assert chunks_job["spec"]["completions"] == 3  # 2 chunks + the audio

    video = wait_video(video_id, 400)
    assert video.status == "ready", (video.error_code, video.error_message)

    def succeeded():
        cr = kube.read_encodingjob(kube_namespace, name)
        return cr if (cr.get("status") or {}).get("phase") == "Succeeded" else None

    status = wait_until(succeeded, 60, what="the EncodingJob to be Succeeded")["status"]
    assert (status["chunksTotal"], status["chunksSucceeded"]) == (3, 3)
    assert status["jobName"] == f"{name}-join" and status["progress"] == 100

    chunks_job = kube.read_job(kube_namespace, f"{name}-chunks")
    pods = kube.job_pods(chunks_job)
    indexes = sorted(p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"]
                     for p in pods if p["status"].get("phase") == "Succeeded")  # fmt: skip
    assert indexes == ["0", "1", "2"]  # one pod per chunk, and the audio's
    assert kube.read_job(kube_namespace, f"{name}-join") is not None

    http = httpx.Client(
        base_url=kube_api_server.url, headers={"Authorization": bearer(user)}, timeout=30
    )
    player = http.get(f"/api/v1/videos/{video_id}/player").json()["data"]
    master = m3u8.loads(http.get(player["hls"]["url"]).text)
    assert master.media and all(p.stream_info.audio for p in master.playlists)
    variant, _, _ = fetch_hls_start(http, player["hls"]["url"])
    assert len(variant.segments) == 3  # 12 s in 4 s segments, joined from two chunks
