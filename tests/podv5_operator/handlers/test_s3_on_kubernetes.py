"""``STORAGE_BACKEND=s3`` on a real control plane with a real MinIO: the API stores the
tus upload in the bucket and creates an EncodingJob with ``s3://`` URIs; the operator's
Job pod gets the S3 credentials and endpoint only from the worker env Secret (``envFrom``;
the pod runner gives processes a minimal environment), downloads the source, publishes
its outputs to the bucket, and the video plays through presigned redirects."""

from __future__ import annotations

import httpx
import pytest

from api.encoding.models import EncodingJob
from tests.conftest import bearer, fetch_hls_start
from tests.podv5_operator.handlers.conftest import callback_secret, upload_video, wait_video
from tests.s3.fixtures import use_s3

pytestmark = [pytest.mark.kube, pytest.mark.media]

WORKER_ENV_SECRET = "podv5-worker-env"


@pytest.mark.django_db(transaction=True)
def test_encode_on_kubernetes_with_s3_storage(
    kube_api_server, pod_runner, run_operator, kube, kube_namespace, crd_installed,
    user, make_clip, settings, monkeypatch, minio, s3_bucket,
):  # fmt: skip
    s3 = use_s3(settings, monkeypatch, minio, s3_bucket)
    callback_secret(crd_installed, kube_namespace, settings.CALLBACK_SIGNING_SECRET)
    crd_installed.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": WORKER_ENV_SECRET, "namespace": kube_namespace},
            "stringData": minio.env(),
        },
        server_side=False,
    )
    run_operator(
        signing_secret=settings.CALLBACK_SIGNING_SECRET, worker_env_secret=WORKER_ENV_SECRET
    )
    video_id = upload_video(kube_api_server.url, user, make_clip("plain"))
    job = EncodingJob.objects.get(video_id=video_id)
    assert job.backend == "kubernetes"
    assert job.spec["source"].startswith(f"s3://{s3_bucket}/videos/{video_id}/source/")

    video = wait_video(video_id, 240)
    assert video.status == "ready", (video.error_code, video.error_message)
    stored = s3.keys(video.output_prefix)
    assert video.output_prefix + "manifest.json" in stored
    assert any(k.endswith(".m4s") for k in stored)
    [pod] = kube.job_pods(kube.read_job(kube_namespace, f"ej-{job.id}"))
    env_from = pod["spec"]["containers"][0]["envFrom"]
    assert {"secretRef": {"name": WORKER_ENV_SECRET}} in env_from

    http = httpx.Client(
        base_url=kube_api_server.url,
        headers={"Authorization": bearer(user)},
        timeout=30,
        follow_redirects=True,
    )
    player = http.get(f"/api/v1/videos/{video_id}/player").json()["data"]
    _, segment_url, _ = fetch_hls_start(http, player["hls"]["url"])
    redirect = http.get(segment_url, follow_redirects=False)
    assert redirect.status_code == 302
    assert redirect.headers["location"].startswith(f"{minio.endpoint}/{s3_bucket}/")
