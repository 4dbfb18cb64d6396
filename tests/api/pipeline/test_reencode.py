"""Re-encoding a video (``POST /videos/{id}/encode``) and its job history
(``GET /videos/{id}/jobs``), driven by the workers' signed callbacks: the video keeps
serving its current outputs while a new job runs and when it fails; a success swaps in
the new outputs and deletes the old ones; the history lists every job."""

from __future__ import annotations

import pytest

from api.encoding.models import EncodingJob
from api.videos.models import Video
from tests.api.callbacks.test_callbacks import ids, manifest, send
from tests.api.factories import make_video, write_outputs

pytestmark = pytest.mark.django_db


@pytest.fixture
def video(user, settings) -> Video:
    """A ready video with its outputs on disk and a source."""
    video = make_video(user, visibility="private")
    video.source_name = f"{video.storage_prefix}source/lecture.mp4"
    video.manifest = {**video.manifest, "source": {"duration": 10.0}}
    video.save()
    write_outputs(video, settings.MEDIA_ROOT)
    return video


def plays(client, video_id) -> str:
    """The master playlist's storage path in the player config, after checking its URL is
    served (the token segment, whose expiry moves with the clock, is left out)."""
    player = client.get(f"/api/v1/videos/{video_id}/player").json()["data"]
    assert player["status"] == "ready"
    url = player["hls"]["url"].removeprefix("http://testserver")
    assert client.get(url).status_code == 200
    assert url.startswith("/media/t/")
    return url.split("/", 4)[4]


def encode(client, video) -> dict:
    response = client.post(f"/api/v1/videos/{video.id}/encode")
    assert response.status_code == 202, response.json()
    return response.json()["data"]


def test_reencode_keeps_playing_until_success_and_lists_jobs(
    alice, anon, video, settings, django_capture_on_commit_callbacks
):
    before = plays(alice, video.id)
    alice.put(
        f"/api/v1/videos/{video.id}/cut", {"trim": {"start": 2}}, content_type="application/json"
    )

    first = encode(alice, video)
    assert first["phase"] == "Pending" and first["edit"]["trim"] == {"start": 2.0}
    job = EncodingJob.objects.get(pk=first["id"])
    assert job.spec["edit"]["trim"] == {"start": 2.0}
    # a second request while it runs: 409, no second job
    again = alice.post(f"/api/v1/videos/{video.id}/encode")
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "encoding_running"

    send(anon, "encoding.running", ids(job), msg_id="r1")
    assert plays(alice, video.id) == before  # still the previous outputs
    send(anon, "encoding.failed", ids(job, reason="ffmpeg_failed", message="boom"), msg_id="f1")
    video.refresh_from_db()
    assert video.status == "ready" and video.error_code == ""  # a failed re-encode: kept
    assert plays(alice, video.id) == before

    second = encode(alice, video)
    job2 = EncodingJob.objects.get(pk=second["id"])
    new_prefix = f"{video.storage_prefix}encodes/{job2.id}/"
    video.output_prefix, old_prefix = new_prefix, video.output_prefix
    write_outputs(video, settings.MEDIA_ROOT)  # what the worker publishes
    send(anon, "encoding.running", ids(job2), msg_id="r2")
    assert plays(alice, video.id) == before
    with django_capture_on_commit_callbacks(execute=True):
        done = send(anon, "encoding.succeeded", ids(job2, manifest=manifest(job2)), msg_id="s2")
    assert done.status_code == 200
    after = plays(alice, video.id)
    assert after != before and new_prefix in after
    assert not (settings.MEDIA_ROOT / old_prefix).exists()  # the old outputs are gone

    history = alice.get(f"/api/v1/videos/{video.id}/jobs").json()["data"]
    assert [j["id"] for j in history] == [second["id"], first["id"]]
    assert [j["phase"] for j in history] == ["Succeeded", "Failed"]
    failed = history[1]
    assert failed["reason"] == "ffmpeg_failed" and failed["message"] == "boom"
    assert failed["started_at"] and failed["completed_at"]
    assert [r["name"] for r in failed["ladder"]] == ["1080p", "720p", "480p", "360p"]
    assert "image" not in str(failed["edit"])  # no storage URIs


def test_reencode_of_a_failed_video_makes_it_processing(alice, video):
    Video.objects.filter(pk=video.pk).update(status="failed", error_code="ffmpeg_failed")
    encode(alice, video)
    video.refresh_from_db()
    assert video.status == "processing" and video.error_code == ""


def test_no_source_no_reencode(alice, user):
    draft = make_video(user, status="draft")
    response = alice.post(f"/api/v1/videos/{draft.id}/encode")
    assert response.status_code == 409 and response.json()["errors"][0]["code"] == "invalid_state"
    assert not EncodingJob.objects.exists()
