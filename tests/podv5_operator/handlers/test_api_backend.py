"""The API's kubernetes backend against the real apiserver: a retried submit makes no
second EncodingJob; cancel deletes it, the operator tells the API, the Job goes."""

from __future__ import annotations

import pytest

from api.encoding.backends.kubernetes import KubernetesBackend
from api.encoding.models import EncodingJob
from api.encoding.services import build_spec
from api.videos.models import Video, VideoStatus
from podv5_operator.kube import Kube
from tests.podv5_operator.handlers.conftest import NOWHERE, wait_until

pytestmark = pytest.mark.kube


@pytest.mark.django_db
def test_submit_twice_one_resource_cancel_deletes_it(
    crd_installed, kube, kube_namespace, run_operator, callback_receiver, user, settings
):
    video = Video.objects.create(owner=user, title="t", status=VideoStatus.PROCESSING)
    job = EncodingJob(video=video, backend="kubernetes")
    job.spec = build_spec(job_id=job.id, video=video).to_wire()
    job.save()
    settings.ENCODING_NAMESPACE = kube_namespace
    backend = KubernetesBackend()
    backend.kube = Kube(crd_installed.api_client())

    backend.submit(job.id)
    backend.submit(job.id)  # a retry: 409, the same resource
    items = kube._call(
        kube._custom.list_namespaced_custom_object,
        "media.podv5.io", "v1alpha1", kube_namespace, "encodingjobs",
    )["items"]  # fmt: skip
    assert [i["metadata"]["name"] for i in items] == [f"ej-{job.id}"]
    assert items[0]["spec"]["jobId"] == str(job.id)

    run_operator(node_selector=NOWHERE, api_callback_url=callback_receiver.url)
    wait_until(lambda: kube.read_job(kube_namespace, f"ej-{job.id}"), 30, what="the Job")
    backend.cancel(job.id)
    [event] = wait_until(lambda: callback_receiver.events("encoding.failed"), 30)
    assert event.data["reason"] == "cancelled" and event.data["job_id"] == str(job.id)
    wait_until(lambda: kube.read_encodingjob(kube_namespace, f"ej-{job.id}") is None, 30)
    backend.cancel(job.id)  # already gone: nothing
