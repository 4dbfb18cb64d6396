"""The kubernetes backend without a cluster to reach: the job fails with a reason instead
of staying Pending forever. (With a real cluster: tests/podv5_operator/handlers.)"""

from __future__ import annotations

import socket

import pytest
import yaml

from api.encoding.backends import kubernetes as backend_module
from api.encoding.backends.kubernetes import (
    KubernetesBackend,
    encodingjob_resource,
    resource_name,
)
from api.encoding.models import EncodingJob
from api.encoding.services import build_spec
from api.videos.models import Video, VideoStatus


@pytest.fixture
def job(user, db):
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.PROCESSING)
    job = EncodingJob(video=video, backend="kubernetes")
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()
    return job


def test_the_resource_is_named_after_the_job_and_carries_its_spec(job):
    body = encodingjob_resource(job, "media")
    assert body["metadata"]["name"] == resource_name(job.id) == f"ej-{job.id}"
    assert body["metadata"]["namespace"] == "media"
    assert body["metadata"]["finalizers"] == ["media.podv5.io/finalizer"]
    assert body["metadata"]["labels"]["media.podv5.io/video-id"] == str(job.video_id)
    assert body["spec"] == {k: v for k, v in job.spec.items() if v is not None}


def test_unreachable_cluster_fails_the_job(job, tmp_path, monkeypatch, settings):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [{"name": "c", "cluster": {"server": f"http://127.0.0.1:{port}"}}],
                "users": [{"name": "u", "user": {"token": "t"}}],
                "contexts": [{"name": "x", "context": {"cluster": "c", "user": "u"}}],
                "current-context": "x",
            }
        )
    )
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    monkeypatch.setattr(backend_module, "SUBMIT_RETRY_DELAYS", (0.01, 0.01))
    settings.ENCODING_NAMESPACE = "media"
    backend = KubernetesBackend()
    backend.submit(job.id)
    job.refresh_from_db()
    assert job.phase == "Failed" and job.reason == "backend_unavailable"
    assert "Could not create the EncodingJob resource" in job.message
    assert job.video.status == "failed"
    backend.cancel(job.id)  # logged, not raised
    assert backend.resume() == 0
