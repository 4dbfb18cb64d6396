"""The operator runs with the ServiceAccount and ClusterRole of
``charts/pod-v5/rbac/operator-rbac.yaml`` and nothing more (a token for that account): the
whole lifecycle works, and nothing it does is forbidden — so a missing verb fails here."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.podv5_operator.handlers.conftest import (
    KWOK_NODE,
    KWOK_TOLERATION,
    REPO,
    a_spec,
    denied_requests,
    encodingjob,
    wait_until,
)

pytestmark = pytest.mark.kube

RBAC = REPO / "charts/pod-v5/rbac/operator-rbac.yaml"


@pytest.fixture(scope="module")
def operator_kubeconfig(crd_installed) -> Path:
    if crd_installed.kubectl("get", "namespace", "pod-v5", check=False).returncode != 0:
        crd_installed.kubectl("create", "namespace", "pod-v5")
    crd_installed.apply(RBAC)
    return crd_installed.service_account_kubeconfig("pod-v5", "pod-v5-operator")


def test_operator_lifecycle_with_its_own_service_account(
    operator_kubeconfig, crd_installed, run_operator, kube, kube_namespace, tmp_path,
    callback_receiver,
):  # fmt: skip
    def can(*args) -> bool:
        result = crd_installed.kubectl(
            "auth", "can-i", *args, "-n", kube_namespace, kubeconfig=operator_kubeconfig,
            check=False,
        )  # fmt: skip
        return result.stdout.strip() == "yes"

    assert can("create", "jobs.batch") and can("patch", "encodingjobs.media.podv5.io/status")
    assert not can("delete", "jobs.batch") and not can("get", "secrets")

    operator = run_operator(
        kubeconfig=operator_kubeconfig, use_main=True, node_selector=KWOK_NODE,
        tolerations=KWOK_TOLERATION, api_callback_url=callback_receiver.url,
    )  # fmt: skip
    kube.create_encodingjob(encodingjob("rbac", kube_namespace, a_spec(tmp_path)))

    def phase():
        cr = kube.read_encodingjob(kube_namespace, "rbac")
        return (cr.get("status") or {}).get("phase") == "Succeeded" and cr

    cr = wait_until(phase, 60, what="Succeeded with the operator's own identity")
    assert cr["metadata"]["finalizers"] == ["media.podv5.io/finalizer"]

    def posted():  # kopf posts Events in the background, with the operator's identity
        events = kube._call(kube._core.list_namespaced_event, kube_namespace)["items"]
        return {"JobCreated", "Succeeded"} <= {
            e["reason"] for e in events if e["involvedObject"]["name"] == "rbac"
        }

    wait_until(posted, 15, 0.2, "the operator's Events")

    crd_installed.kubectl("delete", "ej", "rbac", "-n", kube_namespace, "--timeout=30s")
    assert kube.read_encodingjob(kube_namespace, "rbac") is None
    log = operator.log()
    assert not denied_requests(log), log[-5000:]
