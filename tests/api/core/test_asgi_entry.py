"""``api.asgi:application`` served by uvicorn itself (``uvicorn api.asgi:application
--workers 2``): uvicorn's worker processes (and ``--reload``'s) import the module inside
their running event loop. The server answers, and the start-up work (resuming encoding
jobs a restart cut off) still runs."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone

from api.encoding.models import EncodingJob, JobPhase
from api.encoding.services import build_spec
from api.videos.models import Video, VideoStatus
from tests.api.core.test_metrics import _database_url, free_port
from tests.api.factories import attach_source
from tests.conftest import make_clip

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.media
def test_uvicorn_directly_serves_and_resumes_cut_off_jobs(transactional_db, user, tmp_path):
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.UPLOADING)
    video = attach_source(video, make_clip(tmp_path / "c.mp4", seconds=1), "c.mp4")
    job = EncodingJob(  # a previous server's job whose lease lapsed
        video=video,
        backend="local",
        phase=JobPhase.RUNNING,
        attempts=1,
        lease_owner="elsewhere:1:deadbeef",
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()

    port = free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "api.settings",
        "DATABASE_URL": _database_url(),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "API_BASE_URL": f"http://127.0.0.1:{port}",
        # a stand-in worker that dies without reporting: the API then fails the job
        "ENCODING_WORKER_COMMAND": f"{sys.executable} -c 'import sys; sys.exit(3)'",
        "LIVE_SCHEDULER": "false",
    }
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "uvicorn"), "api.asgi:application",
         "--host", "127.0.0.1", "--port", str(port), "--workers", "2",
         "--log-level", "warning"],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, "uvicorn exited during start-up"
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "uvicorn did not come up within 60 s"
                time.sleep(0.2)
        assert response.status_code == 200

        # the job was picked up at start-up: its worker ran (and died), so it failed
        deadline = time.monotonic() + 60
        job.refresh_from_db()
        while job.phase == JobPhase.RUNNING:
            assert time.monotonic() < deadline, "the cut-off job was not resumed"
            time.sleep(0.2)
            job.refresh_from_db()
        assert job.phase == JobPhase.FAILED and job.attempts >= 2
    finally:
        proc.terminate()
        _, stderr = proc.communicate(timeout=30)
    assert "SynchronousOnlyOperation" not in stderr
    assert "could not resume encoding jobs" not in stderr
