"""The local backend: real worker subprocesses, and jobs a server crash cut off are
picked up by the next server process."""

import subprocess
import sys
import time
from datetime import timedelta

import pytest
from django.utils import timezone

from api.encoding.backends import get_backend
from api.encoding.backends.local import LocalBackend
from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import build_spec, encoding_job_create
from api.videos.models import Video, VideoStatus
from tests.api.factories import attach_source
from tests.conftest import make_clip


@pytest.fixture
def processing_video(user, tmp_path):
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.UPLOADING)
    clip = make_clip(tmp_path / "c.mp4", seconds=2)
    return attach_source(video, clip, "c.mp4")


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def crashed_server_job(video, *, lease_seconds: int, pid: int) -> EncodingJob:
    """A job as a server process that died mid-encode leaves it in the database."""
    import socket

    job = EncodingJob(
        video=video,
        backend="local",
        phase=JobPhase.RUNNING,
        progress=40,
        attempts=1,
        lease_owner=f"{socket.gethostname()}:{pid}:deadbeef",
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds),
    )
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()
    return job


@pytest.mark.media
def test_job_cut_off_by_a_restart_resumes_on_start(live_api, processing_video):
    job = crashed_server_job(processing_video, lease_seconds=60, pid=dead_pid())
    restarted = LocalBackend()  # what the next server process builds at start
    assert restarted.resume() == 1
    restarted.wait_idle(timeout=240)
    job.refresh_from_db()
    assert job.phase == JobPhase.SUCCEEDED, (job.reason, job.message)
    assert job.attempts == 2 and job.lease_owner == ""
    assert Video.objects.get(id=processing_video.id).status == "ready"


def test_a_live_holder_keeps_its_job(live_api, processing_video):
    import os

    job = crashed_server_job(processing_video, lease_seconds=60, pid=os.getpid())
    assert LocalBackend().resume() == 0
    job.refresh_from_db()
    assert job.phase == JobPhase.RUNNING and job.attempts == 1


def test_a_lapsed_lease_is_resumed_from_any_host(live_api, processing_video, settings):
    settings.ENCODING_WORKER_COMMAND = f"{sys.executable} -c 'import sys; sys.exit(3)'"
    job = crashed_server_job(processing_video, lease_seconds=-1, pid=1)
    backend = LocalBackend()
    assert backend.resume() == 1
    backend.wait_idle(timeout=60)
    job.refresh_from_db()
    # the (stand-in) worker died without reporting: the API fails the job itself
    assert job.phase == JobPhase.FAILED and job.reason == "worker_failed"
    video = Video.objects.get(id=processing_video.id)
    assert video.status == "failed" and video.error_code == "worker_failed"


def test_missing_worker_command_fails_clearly(live_api, processing_video, settings):
    settings.ENCODING_WORKER_COMMAND = "/nonexistent/media-encode"
    job = encoding_job_create(video=processing_video)  # submitted on commit
    get_backend().wait_idle(timeout=60)
    job.refresh_from_db()
    assert job.phase == JobPhase.FAILED and job.reason == "worker_unavailable"


@pytest.mark.media
def test_deleting_a_video_cancels_its_running_worker(live_api, user, tmp_path, settings):
    from api.pipeline.services import video_deleted

    video = Video.objects.create(owner=user, title="long", status=VideoStatus.UPLOADING)
    clip = make_clip(tmp_path / "long.mp4", seconds=60, size="1280x720")
    video = attach_source(video, clip, "long.mp4")
    backend = get_backend()
    job = encoding_job_create(video=video)  # submitted on commit
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not backend._procs:
        time.sleep(0.1)
    proc = next(iter(backend._procs.values()))
    video_deleted(video=video)  # cancels the worker once committed
    assert proc.wait(timeout=30) != 0
    backend.wait_idle(timeout=60)
    assert not EncodingJob.objects.filter(id=job.id).exists()
    assert not (settings.MEDIA_ROOT / "videos" / str(video.id)).exists()


@pytest.mark.media
def test_graceful_shutdown_leaves_the_job_for_the_next_start(live_api, user, tmp_path):
    video = Video.objects.create(owner=user, title="long", status=VideoStatus.UPLOADING)
    clip = make_clip(tmp_path / "long.mp4", seconds=30, size="960x540")
    video = attach_source(video, clip, "long.mp4")
    job = EncodingJob(video=video, backend="local")
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()
    stopping = LocalBackend()
    stopping.submit(job.id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not stopping._procs:
        time.sleep(0.1)
    stopping._stop()  # what the server's exit does
    stopping.wait_idle(timeout=60)
    job.refresh_from_db()
    assert job.phase in (JobPhase.PENDING, JobPhase.RUNNING) and job.lease_owner == ""
    assert Video.objects.get(id=video.id).status == "processing"

    restarted = LocalBackend()
    assert restarted.resume() == 1
    restarted.wait_idle(timeout=300)
    job.refresh_from_db()
    assert job.phase == JobPhase.SUCCEEDED, (job.reason, job.message)
