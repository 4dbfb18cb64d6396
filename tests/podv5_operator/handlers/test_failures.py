"""Failure paths against the real control plane: a failing pod (run for real by the pod
runner), a Job past its deadline, and the API down while the operator reports."""

from __future__ import annotations

import json
import threading
from http.server import ThreadingHTTPServer

import pytest

from api.encoding.models import EncodingJob
from tests.podv5_media.conftest import CallbackReceiver, _handler
from tests.podv5_operator.handlers.conftest import (
    NOWHERE,
    _free_port,
    a_spec,
    callback_secret,
    encodingjob,
    upload_video,
    wait_until,
    wait_video,
)

pytestmark = pytest.mark.kube


def wait_phase(kube, namespace, name, phase, timeout=60):
    def check():
        cr = kube.read_encodingjob(namespace, name)
        return cr if ((cr or {}).get("status") or {}).get("phase") == phase else None

    return wait_until(check, timeout, 0.1, f"{name} to be {phase}")


def failed_condition(cr) -> dict:
    return next(c for c in cr["status"]["conditions"] if c["type"] == "Failed")


@pytest.mark.django_db(transaction=True)
def test_failing_pod_fails_the_encodingjob_and_the_video(
    kube_api_server, pod_runner, run_operator, kube, kube_namespace, crd_installed,
    user, make_clip, settings,
):  # fmt: skip
    """The worker pod exits 2 before it can report anything (its Secret holds an empty
    signing secret): the Job fails at once (podFailurePolicy), the EncodingJob is Failed
    with reason Error, and the operator's callback fails the video."""
    callback_secret(crd_installed, kube_namespace, "")
    run_operator(signing_secret=settings.CALLBACK_SIGNING_SECRET)
    video_id = upload_video(kube_api_server.url, user, make_clip("plain"))
    job = EncodingJob.objects.get(video_id=video_id)
    cr = wait_phase(kube, kube_namespace, f"ej-{job.id}", "Failed")
    condition = failed_condition(cr)
    assert condition["status"] == "True" and condition["reason"] == "Error"
    assert "exited with code 2" in cr["status"]["message"]
    video = wait_video(video_id, 60)
    assert video.status == "failed" and video.error_code == "error"
    assert "exited with code 2" in video.error_message
    job.refresh_from_db()
    assert job.phase == "Failed" and job.reason == "error"


def test_deadline_exceeded(run_operator, kube, kube_namespace, tmp_path, callback_receiver):
    """A pod that never starts (no node fits): Pending/Unschedulable, then the Job's
    activeDeadlineSeconds fails it: Failed/DeadlineExceeded, and the API is told so.

    The deadline can't overtake the scheduler's verdict however slow the machine: the
    operator gives the Job a long one, and only once the EncodingJob shows Unschedulable
    does the test shorten it on the Job (a mutable field: the Job controller re-checks
    the deadline on the update, against the Job's startTime)."""
    run_operator(
        node_selector=NOWHERE, active_deadline_seconds=3600, api_callback_url=callback_receiver.url
    )
    spec = a_spec(tmp_path)
    kube.create_encodingjob(encodingjob("late", kube_namespace, spec))

    def unschedulable():
        status = kube.read_encodingjob(kube_namespace, "late").get("status") or {}
        reasons = {c["reason"] for c in status.get("conditions") or []}
        return "Unschedulable" in reasons and status

    pending = wait_until(unschedulable, 30, 0.1, "the Unschedulable reason")
    assert pending["phase"] == "Pending"
    assert "nodes are available" in pending["message"]  # the scheduler's own words
    job = kube.read_job(kube_namespace, "late")
    assert job["spec"]["activeDeadlineSeconds"] == 3600  # the operator's setting
    assert job["status"]["startTime"]  # the deadline counts from there
    kube._call(
        kube._batch.patch_namespaced_job, "late", kube_namespace,
        {"spec": {"activeDeadlineSeconds": 1}},
    )  # fmt: skip
    cr = wait_phase(kube, kube_namespace, "late", "Failed", timeout=60)
    assert failed_condition(cr)["reason"] == "DeadlineExceeded"
    assert "It never ran: Unschedulable" in cr["status"]["message"]
    assert cr["status"]["completionTime"]
    [event] = wait_until(lambda: callback_receiver.events("encoding.failed"), 30)
    assert event.data["reason"] == "deadline_exceeded"
    assert event.data["job_id"] == spec["jobId"] and event.data["video_id"] == spec["videoId"]


def _retries(kube, namespace, name) -> int:
    annotations = kube.read_encodingjob(namespace, name)["metadata"].get("annotations") or {}
    for key, value in annotations.items():
        if key.startswith("media.podv5.io/") and "phase_changed" in key:
            return json.loads(value).get("retries", 0)
    return 0


def test_api_down_while_the_operator_calls_back(
    run_operator, kube, kube_namespace, tmp_path, webhook_secret
):
    """The API is down when the operator reports the failure: kopf retries with backoff,
    the operator is killed meanwhile, and after the restart and the API's return the event
    is delivered exactly once (same webhook-id on every attempt)."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/api/v1/internal/callbacks"
    operator = run_operator(node_selector=NOWHERE, active_deadline_seconds=2, api_callback_url=url)
    kube.create_encodingjob(encodingjob("api-down", kube_namespace, a_spec(tmp_path)))
    wait_phase(kube, kube_namespace, "api-down", "Failed", timeout=60)
    wait_until(lambda: _retries(kube, kube_namespace, "api-down") >= 2, 30, 0.2, "two retries")
    operator.kill()

    receiver = CallbackReceiver(secret=webhook_secret)
    server = ThreadingHTTPServer(("127.0.0.1", port), _handler(receiver, threading.Lock()))
    receiver.server = server
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_operator(node_selector=NOWHERE, active_deadline_seconds=2, api_callback_url=url)
        [event] = wait_until(lambda: receiver.events("encoding.failed"), 30, 0.1, "delivery")
        assert event.data["reason"] == "deadline_exceeded"
        assert event.msg_id.endswith("_failed")
    finally:
        server.shutdown()
        server.server_close()
    assert len(receiver.events("encoding.failed")) == 1


def test_spec_the_schema_lets_through_but_the_model_refuses(
    run_operator, kube, kube_namespace, tmp_path, callback_receiver
):
    """The CRD can't say everything the pydantic spec does (an output prefix must end with
    '/'): the operator fails the EncodingJob (InvalidSpec) and tells the API."""
    run_operator(api_callback_url=callback_receiver.url)
    spec = a_spec(tmp_path, output=(tmp_path / "no-slash").as_uri())
    kube.create_encodingjob(encodingjob("invalid", kube_namespace, spec))
    cr = wait_phase(kube, kube_namespace, "invalid", "Failed")
    assert failed_condition(cr)["reason"] == "InvalidSpec"
    assert "output" in cr["status"]["message"] and "must end with '/'" in cr["status"]["message"]
    assert kube.read_job(kube_namespace, "invalid") is None
    [event] = wait_until(lambda: callback_receiver.events("encoding.failed"), 30)
    assert event.data["reason"] == "invalid_spec"
