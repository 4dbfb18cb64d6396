"""What workers report is bounded and made public before the API stores it.

- Numbers: a manifest or an event carrying a duration, size, dimension, bit rate, frame
  rate or progress no real media reaches (``1e300``, negative, 2**70) is refused at the
  signed callback (422) and changes nothing: ``/player`` keeps answering. Hypothesis
  puts extreme values in every number of a real manifest.
- Messages: a failure message never gives a server path or URI to clients, whether the
  real worker sends it (a source that is not media) or the callback carries one.
"""

from __future__ import annotations

import copy
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.encoding.backends import get_backend
from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import encoding_job_create
from api.videos.models import Video, VideoStatus
from tests.api.callbacks.test_callbacks import ids, manifest, send
from tests.api.factories import attach_source
from tests.conftest import ApiClient

FUZZ = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)

#: where each number of a manifest lives: paths into ``manifest(job)``
NUMBER_PATHS = [
    ("duration",),
    ("total_size_bytes",),
    ("source", "duration"),
    ("source", "size_bytes"),
    ("source", "width"),
    ("source", "frame_rate"),
    ("source", "audio_sample_rate"),
    ("source", "start_time"),
    ("hls", "segment_duration"),
    ("hls", "renditions", 0, "bandwidth"),
    ("hls", "renditions", 0, "width"),
    ("hls", "renditions", 0, "height"),
    ("hls", "renditions", 0, "size_bytes"),
    ("hls", "renditions", 0, "duration"),
    ("hls", "renditions", 0, "video_kbps"),
]
EXTREME = st.sampled_from([1e300, -1.0, 2**70, -(2**63), 1e16, 1e9, 86400.0 * 365])


def _job(owner) -> EncodingJob:
    from django.conf import settings as django_settings

    video = Video.objects.create(
        owner=owner, title="t", status=VideoStatus.PROCESSING, source_name="videos/x/a.mp4"
    )
    prefix = f"file://{django_settings.MEDIA_ROOT}/videos/{video.id}/encodes/j/"
    return EncodingJob.objects.create(video=video, backend="local", spec={"output": prefix})


def _set(doc: dict, path: tuple, value) -> dict:
    doc = copy.deepcopy(doc)
    target = doc
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return doc


def _player(client, video) -> dict:
    response = client.get(f"/api/v1/videos/{video.id}/player")
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.mark.django_db
def test_a_manifest_with_an_absurd_duration_is_refused(client, user):
    job = _job(user)
    owner = ApiClient(user)
    bad = _set(manifest(job), ("duration",), 1e300)
    response = send(client, "encoding.succeeded", ids(job, manifest=bad), msg_id="msg_bad")
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == "data.manifest"
    job.refresh_from_db()
    assert job.phase != JobPhase.SUCCEEDED
    # the worker's real manifest is still taken, and the player works
    good = send(client, "encoding.succeeded", ids(job, manifest=manifest(job)), msg_id="msg_ok")
    assert good.status_code == 200, good.content
    assert _player(owner, job.video)["duration"] == 2.0


@pytest.mark.django_db
def test_extreme_numbers_in_a_manifest_never_break_the_player(client, user):
    owner = ApiClient(user)

    @FUZZ
    @given(path=st.sampled_from(NUMBER_PATHS), value=EXTREME)
    def check(path, value):
        job = _job(user)
        doc = _set(manifest(job), path, value)
        msg = f"msg_{job.id.hex}"
        response = send(client, "encoding.succeeded", ids(job, manifest=doc), msg_id=msg)
        assert response.status_code in (200, 422), response.content
        if response.status_code == 200:
            assert _player(owner, job.video)["status"] == "ready"
        else:
            assert Video.objects.get(pk=job.video_id).status == VideoStatus.PROCESSING

    check()


@pytest.mark.django_db
@pytest.mark.parametrize("progress", [1e300, -5, float("nan"), "Infinity"])
def test_out_of_range_progress_is_refused(client, user, progress):
    job = _job(user)
    body = json.dumps(
        {"type": "encoding.progress", "timestamp": "2024-01-01T00:00:00Z", "data": ids(job)}
    ).replace("}}", f', "progress": {json.dumps(progress)}}}}}')
    response = send(client, "encoding.progress", ids(job), msg_id="msg_p", raw=body)
    assert response.status_code in (401, 422), response.content
    job.refresh_from_db()
    assert job.progress == 0


@pytest.mark.django_db
def test_a_failure_message_never_shows_server_paths(client, user):
    job = _job(user)
    message = (
        "not a readable media file: [Errno 1094995529] Invalid data found when processing "
        "input: '/srv/pod/var/media/uploads/0d5c.part'; copy of "
        "s3://private-bucket/videos/a.mp4 failed; " + "x" * 5000
    )
    response = send(client, "encoding.failed", ids(job, reason="ffmpeg_failed", message=message))
    assert response.status_code == 200, response.content
    error = ApiClient(user).get(f"/api/v1/videos/{job.video_id}").json()["data"]["error"]
    assert error["code"] == "ffmpeg_failed"
    assert "/srv/" not in error["message"] and "s3://" not in error["message"]
    assert "private-bucket" not in error["message"]
    assert "Invalid data found when processing input" in error["message"]
    assert len(error["message"]) <= 2000


def test_the_real_worker_reports_no_server_path(live_api, user, tmp_path, settings):
    """The real ``media-encode`` on a source that is not media: its failure reaches the
    video without the source's path."""
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.UPLOADING)
    source = tmp_path / "not-media.mp4"
    source.write_bytes(b"this is not a video\n" * 500)
    video = attach_source(video, source, "not-media.mp4")
    encoding_job_create(video=video)
    get_backend().wait_idle(timeout=120)
    video.refresh_from_db()
    assert video.status == VideoStatus.FAILED, video.error_message
    assert video.error_code in ("unsupported_media", "truncated_media"), video.error_code
    body = ApiClient(user).get(f"/api/v1/videos/{video.id}").json()["data"]
    assert body["error"]["message"]
    for leak in (str(settings.MEDIA_ROOT), str(tmp_path), "file://", "/videos/"):
        assert leak not in body["error"]["message"], body["error"]["message"]
