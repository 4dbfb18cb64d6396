"""The pipeline's steps, called directly (the HTTP flows that reach them are tested in
tests/api/uploads, tests/api/callbacks and tests/api/live)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from api.core.errors import UnsupportedMedia
from api.encoding.backends import base as backend_base
from api.encoding.backends import get_backend
from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import encoding_job_create
from api.live.models import LiveEvent
from api.pipeline import services as pipeline
from api.uploads.models import Upload
from api.videos.models import Video, VideoStatus
from tests.api.factories import make_video

pytestmark = pytest.mark.django_db


def make_event(user, **fields) -> LiveEvent:
    now = timezone.now()
    return LiveEvent.objects.create(
        owner=user, title="Talk", start=now, end=now + timedelta(hours=1), **fields
    )


def processing(user) -> Video:
    video = make_video(user, status=VideoStatus.PROCESSING)
    video.source_name = f"{video.storage_prefix}source/x.mp4"
    video.save()
    return video


def test_video_deleted_cancels_jobs_and_drops_uploads(user):
    video = processing(user)
    job = encoding_job_create(video=video)
    Upload.objects.create(owner=user, video=video, length=10, expires_at=timezone.now())
    pipeline.video_deleted(video=video)
    assert not Video.objects.filter(pk=video.pk).exists()
    assert not Upload.objects.exists() and not EncodingJob.objects.filter(pk=job.pk).exists()


def test_a_job_its_backend_lost_fails_the_video(user):
    video = processing(user)
    job = encoding_job_create(video=video)
    # what a backend calls (the pipeline registered itself in its AppConfig.ready)
    backend_base.report_failure(job_id=job.id, reason="worker_lost", message="Gone.")
    job.refresh_from_db()
    video.refresh_from_db()
    assert (job.phase, job.reason) == (JobPhase.FAILED, "worker_lost")
    assert (video.status, video.error_code) == (VideoStatus.FAILED, "worker_lost")
    # a second report changes nothing (forward only)
    pipeline.encoding_job_lost(job_id=job.id, reason="other", message="Again.")
    video.refresh_from_db()
    assert video.error_code == "worker_lost"


def test_encoding_failed_fails_the_video(user):
    video = processing(user)
    job = encoding_job_create(video=video)
    pipeline.encoding_failed(job=job, code="ffmpeg_failed", message="Broken.")
    video.refresh_from_db()
    assert (video.status, video.error_code) == (VideoStatus.FAILED, "ffmpeg_failed")


def test_a_missing_recording_makes_no_video(user, settings, tmp_path):
    event = make_event(user, record=True)
    uri = f"file://{settings.MEDIA_ROOT}/live/{event.id}/recording.ts"
    assert pipeline.recording_received(event=event, uri=uri) is None
    assert pipeline.recording_received(event=event, uri="file:///elsewhere/r.ts") is None
    event.refresh_from_db()
    assert event.video_id is None and not Video.objects.exists()


@pytest.mark.media
def test_an_imported_file_is_copied_and_encoded_like_an_upload(live_api, user, clip):
    video = Video.objects.create(owner=user, title="From V4")
    pipeline.source_imported(video=video, path=clip, filename="clip.mp4")
    get_backend().wait_idle(timeout=300)
    video.refresh_from_db()
    assert video.status == VideoStatus.READY and video.manifest["hls"]
    assert (video.source_filename, video.source_size) == ("clip.mp4", clip.stat().st_size)
    assert clip.is_file()  # the file imported from is left as it was


def test_an_imported_file_that_is_not_media_is_refused(user, tmp_path, settings):
    video = Video.objects.create(owner=user, title="From V4")
    document = tmp_path / "slides.pdf"
    document.write_bytes(b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\n%%EOF\n")
    with pytest.raises(UnsupportedMedia):
        pipeline.source_imported(video=video, path=document, filename="slides.pdf")
    video.refresh_from_db()
    assert video.status == VideoStatus.DRAFT and not video.source_name
    assert not EncodingJob.objects.exists() and not (settings.MEDIA_ROOT / "videos").exists()
