"""The signed callback: Standard Webhooks signatures, stale timestamps, replays, and a
state machine that only moves forward."""

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from standardwebhooks.webhooks import Webhook

from api.callbacks.models import CallbackReceipt
from api.encoding.models import EncodingJob, JobPhase
from api.videos.models import Video, VideoStatus

pytestmark = pytest.mark.django_db
URL = "/api/v1/internal/callbacks"


@pytest.fixture
def job(user):
    video = Video.objects.create(
        owner=user, title="t", status=VideoStatus.PROCESSING, source_name="videos/x/source/a.mp4"
    )
    return EncodingJob.objects.create(
        video=video,
        backend="local",
        spec={"output": f"file://{django_settings.MEDIA_ROOT}/videos/{video.id}/encodes/j/"},
    )


def manifest(job):
    return {
        "job_id": str(job.id),
        "video_id": str(job.video_id),
        "duration": 2.0,
        "source": {"container": "mp4", "duration": 2.0, "size_bytes": 1000},
        "hls": {
            "master": "hls/master.m3u8",
            "segment_duration": 4.0,
            "renditions": [
                {
                    "name": "240p",
                    "width": 320,
                    "height": 240,
                    "bandwidth": 500000,
                    "codecs": "avc1.64000d,mp4a.40.2",
                    "video_kbps": 400,
                    "audio_kbps": 96,
                    "playlist": "hls/240p/index.m3u8",
                    "size_bytes": 500,
                    "duration": 2.0,
                }
            ],
        },
        "total_size_bytes": 500,
    }


def send(client, event_type, data, *, msg_id=None, secret=None, when=None, raw=None):
    body = (
        raw
        if raw is not None
        else json.dumps(
            {"type": event_type, "timestamp": datetime.now(UTC).isoformat(), "data": data}
        )
    )
    when = when or datetime.now(UTC)
    msg_id = msg_id or f"msg_{event_type}_{data.get('progress', '')}"
    signature = Webhook(secret or django_settings.CALLBACK_SIGNING_SECRET).sign(msg_id, when, body)
    return client.post(
        URL,
        body,
        content_type="application/json",
        HTTP_WEBHOOK_ID=msg_id,
        HTTP_WEBHOOK_TIMESTAMP=str(int(when.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
    )


def ids(job, **extra):
    return {"job_id": str(job.id), "video_id": str(job.video_id), **extra}


def test_lifecycle_to_ready(anon, job, settings):
    assert send(anon, "encoding.running", ids(job)).json()["data"]["phase"] == "Running"
    response = send(anon, "encoding.progress", ids(job, progress=42.5))
    assert response.json()["data"] == {
        "job_id": str(job.id),
        "phase": "Running",
        "progress": 42.5,
        "applied": True,
    }
    done = send(anon, "encoding.succeeded", ids(job, manifest=manifest(job)))
    assert done.status_code == 200 and done.json()["data"]["phase"] == "Succeeded"
    video = Video.objects.get(id=job.video_id)
    assert video.status == "ready" and video.duration == 2.0
    assert video.output_prefix == f"videos/{job.video_id}/encodes/j/"
    assert video.manifest["hls"]["renditions"][0]["name"] == "240p"


def test_forged_signature_is_401_and_changes_nothing(anon, job):
    response = send(anon, "encoding.failed", ids(job, reason="x"), secret="whsec_" + "QUJD" * 8)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "invalid_signature"
    job.refresh_from_db()
    assert job.phase == JobPhase.PENDING and not CallbackReceipt.objects.exists()


def test_tampered_body_is_401(anon, job):
    body = json.dumps({"type": "encoding.running", "timestamp": "t", "data": ids(job)})
    when = datetime.now(UTC)
    signature = Webhook(django_settings.CALLBACK_SIGNING_SECRET).sign("m1", when, body)
    response = anon.post(
        URL,
        body.replace("running", "failed"),
        content_type="application/json",
        HTTP_WEBHOOK_ID="m1",
        HTTP_WEBHOOK_TIMESTAMP=str(int(when.timestamp())),
        HTTP_WEBHOOK_SIGNATURE=signature,
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"HTTP_WEBHOOK_ID": "x"},
        {
            "HTTP_WEBHOOK_ID": "x",
            "HTTP_WEBHOOK_TIMESTAMP": "nan",
            "HTTP_WEBHOOK_SIGNATURE": "v1,AAAA",
        },
        {
            "HTTP_WEBHOOK_ID": "x",
            "HTTP_WEBHOOK_TIMESTAMP": "1",
            "HTTP_WEBHOOK_SIGNATURE": "garbage",
        },
    ],
)
def test_missing_or_malformed_headers_are_401(anon, job, headers):
    assert anon.post(URL, "{}", content_type="application/json", **headers).status_code == 401


@pytest.mark.parametrize("skew", [timedelta(minutes=-6), timedelta(minutes=6)])
def test_stale_or_future_timestamp_is_401(anon, job, skew):
    response = send(anon, "encoding.running", ids(job), when=datetime.now(UTC) + skew)
    assert response.status_code == 401
    job.refresh_from_db()
    assert job.phase == JobPhase.PENDING


def test_replayed_webhook_id_has_no_second_effect(anon, job):
    first = send(anon, "encoding.progress", ids(job, progress=30), msg_id="msg_1")
    # a different body under the same id (a retry must never apply twice)
    second = send(anon, "encoding.progress", ids(job, progress=60), msg_id="msg_1")
    assert first.status_code == second.status_code == 200
    assert second.json() == first.json()
    job.refresh_from_db()
    assert job.progress == 30


def test_states_only_move_forward(anon, job):
    send(anon, "encoding.progress", ids(job, progress=50))
    assert send(anon, "encoding.progress", ids(job, progress=20)).json()["data"]["applied"] is False
    send(anon, "encoding.succeeded", ids(job, manifest=manifest(job)))
    late = send(anon, "encoding.progress", ids(job, progress=70))
    assert late.status_code == 200 and late.json()["data"]["applied"] is False
    failed = send(anon, "encoding.failed", ids(job, reason="ffmpeg_failed", message="x"))
    assert failed.json()["data"]["applied"] is False
    job.refresh_from_db()
    assert job.phase == JobPhase.SUCCEEDED and job.progress == 100
    assert Video.objects.get(id=job.video_id).status == "ready"


def test_failed_event_fails_the_video(anon, job):
    response = send(
        anon, "encoding.failed", ids(job, reason="ffmpeg_failed", message="Invalid data found")
    )
    assert response.json()["data"]["phase"] == "Failed"
    video = Video.objects.get(id=job.video_id)
    assert video.status == "failed" and video.error_code == "ffmpeg_failed"
    assert video.error_message == "Invalid data found"


def test_succeeded_without_valid_manifest_is_422(anon, job):
    bad = manifest(job)
    del bad["hls"]
    response = send(anon, "encoding.succeeded", ids(job, manifest=bad))
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "data.manifest"
    job.refresh_from_db()
    assert job.phase == JobPhase.PENDING and not CallbackReceipt.objects.exists()


def test_unknown_job_is_404_and_wrong_video_too(anon, job, other_user):
    other = Video.objects.create(owner=other_user, title="o")
    assert send(anon, "encoding.running", ids(job, video_id=str(other.id))).status_code == 404
    unknown = {"job_id": "00000000-0000-0000-0000-000000000001", "video_id": str(job.video_id)}
    assert send(anon, "encoding.running", unknown).status_code == 404


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        '{"type": "encoding.exploded", "timestamp": "t", "data": {}}',
        '{"type": "encoding.running"}',
    ],
)
def test_signed_but_malformed_body_is_rejected(anon, job, raw):
    response = send(anon, None, {}, raw=raw, msg_id="m-bad")
    assert response.status_code in (400, 422)
    assert response.json()["status"] == "error"
