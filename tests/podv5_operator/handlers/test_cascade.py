"""Deleting an EncodingJob: the operator tells the API ``cancelled`` (its finalizer holds
the deletion until then), and the real garbage collector removes the Job and its pods
(ownerReferences)."""

from __future__ import annotations

import pytest

from tests.podv5_operator.handlers.conftest import NOWHERE, a_spec, encodingjob, wait_until

pytestmark = pytest.mark.kube


def test_delete_cascades_to_the_job_and_its_pods(
    run_operator, kube, kube_namespace, tmp_path, callback_receiver, crd_installed
):
    run_operator(node_selector=NOWHERE, api_callback_url=callback_receiver.url)
    spec = a_spec(tmp_path)
    cr, _ = kube.create_encodingjob(encodingjob("doomed", kube_namespace, spec))
    job = wait_until(lambda: kube.read_job(kube_namespace, "doomed"), 30, what="the Job")
    pods = wait_until(lambda: kube.job_pods(job), 30, what="the Job's pod")
    assert pods[0]["metadata"]["ownerReferences"][0]["uid"] == job["metadata"]["uid"]

    crd_installed.kubectl("delete", "ej", "doomed", "-n", kube_namespace, "--wait=false")
    [event] = wait_until(lambda: callback_receiver.events("encoding.failed"), 30)
    assert event.data["reason"] == "cancelled" and event.data["job_id"] == spec["jobId"]
    wait_until(lambda: kube.read_encodingjob(kube_namespace, "doomed") is None, 30,
               what="the EncodingJob to go (finalizer released)")  # fmt: skip
    wait_until(lambda: kube.read_job(kube_namespace, "doomed") is None, 60,
               what="the garbage collector to delete the Job")  # fmt: skip
    wait_until(lambda: not kube.job_pods(job), 60, what="the garbage collector to delete the pod")


def test_finished_encodingjob_deletion_tells_nothing(
    run_operator, kube, kube_namespace, tmp_path, callback_receiver, crd_installed
):
    """A Succeeded EncodingJob (kwok plays its pod) is deleted without a callback."""
    from tests.podv5_operator.handlers.conftest import KWOK_NODE, KWOK_TOLERATION

    run_operator(
        node_selector=KWOK_NODE, tolerations=KWOK_TOLERATION, api_callback_url=callback_receiver.url
    )
    kube.create_encodingjob(encodingjob("done", kube_namespace, a_spec(tmp_path)))

    def succeeded():
        cr = kube.read_encodingjob(kube_namespace, "done")
        return cr if (cr.get("status") or {}).get("phase") == "Succeeded" else None

    cr = wait_until(succeeded, 60, what="kwok to complete the pod")
    assert cr["status"]["progress"] == 100 and cr["status"]["completionTime"]
    assert {c["type"]: c["status"] for c in cr["status"]["conditions"]}["Ready"] == "True"
    crd_installed.kubectl("delete", "ej", "done", "-n", kube_namespace, "--timeout=30s")
    assert kube.read_encodingjob(kube_namespace, "done") is None
    # maybe encoding.running (if the operator saw the pod Running), never a cancellation
    assert "encoding.failed" not in [e.type for e in callback_receiver.accepted]
