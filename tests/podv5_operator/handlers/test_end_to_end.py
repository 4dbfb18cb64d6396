"""The whole path on a real control plane: the API (ENCODING_BACKEND=kubernetes, Django's
live server) creates the EncodingJob, the operator makes the Job, the pod runner runs the
real ``media-encode`` in its pod, the signed callbacks arrive, and the video is ready and
playable through the API."""

from __future__ import annotations

import httpx
import pytest

from api.callbacks.models import CallbackReceipt
from api.encoding.models import EncodingJob
from podv5_contract.events import webhook_id
from tests.conftest import bearer, fetch_hls_start
from tests.podv5_operator.handlers.conftest import (
    callback_secret,
    upload_video,
    wait_until,
    wait_video,
)

pytestmark = [pytest.mark.kube, pytest.mark.media]


@pytest.mark.django_db(transaction=True)
def test_upload_encode_on_kubernetes_play(
    kube_api_server, pod_runner, run_operator, kube, kube_namespace, crd_installed,
    user, make_clip, settings,
):  # fmt: skip
    callback_secret(crd_installed, kube_namespace, settings.CALLBACK_SIGNING_SECRET)
    run_operator(signing_secret=settings.CALLBACK_SIGNING_SECRET)
    video_id = upload_video(kube_api_server.url, user, make_clip("plain"))
    job = EncodingJob.objects.get(video_id=video_id)
    assert job.backend == "kubernetes"
    name = f"ej-{job.id}"
    assert kube.read_encodingjob(kube_namespace, name)["spec"] == job.spec

    video = wait_video(video_id, 240)
    assert video.status == "ready", (video.error_code, video.error_message)

    def succeeded():
        cr = kube.read_encodingjob(kube_namespace, name)
        return cr if (cr.get("status") or {}).get("phase") == "Succeeded" else None

    cr = wait_until(succeeded, 60, what="the EncodingJob to be Succeeded")
    assert cr["status"]["progress"] == 100 and cr["status"]["jobName"] == name

    # the Job controller counts the succeeded pod in its own status update, which may land
    # after the one the operator reacted to: wait for it rather than race it
    def job_counted():
        kube_job = kube.read_job(kube_namespace, name)
        return kube_job if kube_job["status"].get("succeeded") == 1 else None

    kube_job = wait_until(job_counted, 60, what="the Job controller to count the succeeded pod")
    [pod] = kube.job_pods(kube_job)
    assert "media-encode" in " ".join(pod["spec"]["containers"][0]["command"])
    # encoding.running came from the worker or the operator (same webhook-id: applied once)
    assert CallbackReceipt.objects.filter(webhook_id=webhook_id(job.id, "encoding.running"))
    assert CallbackReceipt.objects.filter(webhook_id=webhook_id(job.id, "encoding.succeeded"))

    http = httpx.Client(
        base_url=kube_api_server.url, headers={"Authorization": bearer(user)}, timeout=30
    )
    player = http.get(f"/api/v1/videos/{video_id}/player").json()["data"]
    assert player["status"] == "ready" and player["poster"]
    master_url = player["hls"]["url"]
    _, segment_url, segment = fetch_hls_start(http, master_url)
