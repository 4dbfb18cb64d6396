"""The test control plane is a real one: RBAC, Job controller, garbage collector, kwok.

Each test asserts on behaviour only real components provide (an authorizer that denies,
a Job condition set by the Job controller, pods removed by the garbage collector, pods
bound by the scheduler and run by kwok or the pod runner, a helm release), so a mock or
a half-started control plane fails here first.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client.rest import ApiException

from tests.kube.control_plane import KWOK_NODE_NAME, ControlPlane
from tests.kube.pod_runner import PodRunner

TIMEOUT = 60


def wait_for(predicate: Callable[[], Any], what: str, timeout: float = TIMEOUT) -> Any:
    """Poll until ``predicate()`` is truthy; return its value."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.2)


def job_manifest(name: str, command: list[str], *, backoff_limit: int = 0, **container) -> dict:
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name},
        "spec": {
            "backoffLimit": backoff_limit,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [
                        {"name": "main", "image": "unused.invalid/none", "command": command}
                        | container
                    ],
                }
            },
        },
    }


def job_condition(batch: client.BatchV1Api, namespace: str, name: str) -> dict | None:
    """The Job's terminal condition (Complete or Failed) that is True, if any."""
    job = batch.read_namespaced_job(name, namespace)
    for condition in job.status.conditions or []:
        if condition.type in ("Complete", "Failed") and condition.status == "True":
            return {"type": condition.type, "reason": condition.reason}
    return None


def job_pods(core: client.CoreV1Api, namespace: str, job: str) -> list:
    return core.list_namespaced_pod(namespace, label_selector=f"job-name={job}").items


@pytest.fixture
def core(kube_api) -> client.CoreV1Api:
    return client.CoreV1Api(kube_api)


@pytest.fixture
def batch(kube_api) -> client.BatchV1Api:
    return client.BatchV1Api(kube_api)


def test_kubectl_talks_to_the_built_apiserver(control_plane: ControlPlane):
    version = json.loads(control_plane.kubectl("version", "-o", "json").stdout)
    assert version["serverVersion"]["gitVersion"].startswith("v1.32.")
    nodes = control_plane.kubectl("get", "nodes", "-o", "name").stdout.split()
    assert f"node/{KWOK_NODE_NAME}" in nodes
    # A subprocess with control_plane.env() reaches it through KUBECONFIG alone.
    result = subprocess.run(
        [control_plane.binary("kubectl"), "get", "namespace", "kube-system", "-o", "name"],
        env=control_plane.env(),
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "namespace/kube-system"


def test_rbac_denies_a_service_account_until_a_role_binding(
    control_plane: ControlPlane, kube_namespace: str
):
    sa_config = control_plane.service_account_kubeconfig(kube_namespace, "robot", create=True)
    denied = control_plane.kubectl(
        "get", "configmaps", "-n", kube_namespace, kubeconfig=sa_config, check=False
    )
    assert denied.returncode != 0
    assert "forbidden" in denied.stderr.lower()
    assert f"system:serviceaccount:{kube_namespace}:robot" in denied.stderr

    control_plane.apply(
        [
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "Role",
                "metadata": {"name": "read-configmaps", "namespace": kube_namespace},
                "rules": [
                    {"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}
                ],
            },
            {
                "apiVersion": "rbac.authorization.k8s.io/v1",
                "kind": "RoleBinding",
                "metadata": {"name": "robot-reads", "namespace": kube_namespace},
                "roleRef": {
                    "apiGroup": "rbac.authorization.k8s.io",
                    "kind": "Role",
                    "name": "read-configmaps",
                },
                "subjects": [
                    {"kind": "ServiceAccount", "name": "robot", "namespace": kube_namespace}
                ],
            },
        ]
    )

    def allowed():
        result = control_plane.kubectl(
            "get", "configmaps", "-n", kube_namespace, kubeconfig=sa_config, check=False
        )
        return result.returncode == 0

    wait_for(allowed, "the RoleBinding to take effect", timeout=20)
    # ... and only what the Role grants.
    write = control_plane.kubectl(
        "create", "configmap", "x", "-n", kube_namespace, kubeconfig=sa_config, check=False
    )
    assert write.returncode != 0 and "forbidden" in write.stderr.lower()


def test_job_completes_through_the_job_controller(
    pod_runner: PodRunner, kube_namespace: str, batch, core, control_plane
):
    control_plane.apply(
        job_manifest("ok", ["sh", "-c", "echo hello from $HOSTNAME; exit 0"]),
        namespace=kube_namespace,
    )

    condition = wait_for(lambda: job_condition(batch, kube_namespace, "ok"), "Job ok to finish")

    assert condition["type"] == "Complete"
    job = batch.read_namespaced_job("ok", kube_namespace)
    assert job.status.succeeded == 1
    (pod,) = job_pods(core, kube_namespace, "ok")
    assert pod.spec.node_name == pod_runner.node_name
    assert pod.status.phase == "Succeeded"
    terminated = pod.status.container_statuses[0].state.terminated
    assert (terminated.exit_code, terminated.reason) == (0, "Completed")
    assert f"hello from {pod.metadata.name}" in pod_runner.log(kube_namespace, pod.metadata.name)


def test_failing_pod_fails_the_job_with_backoff_limit_exceeded(
    pod_runner: PodRunner, kube_namespace: str, batch, core, control_plane
):
    control_plane.apply(job_manifest("bad", ["sh", "-c", "exit 3"]), namespace=kube_namespace)

    condition = wait_for(lambda: job_condition(batch, kube_namespace, "bad"), "Job bad to finish")

    assert condition == {"type": "Failed", "reason": "BackoffLimitExceeded"}
    (pod,) = job_pods(core, kube_namespace, "bad")
    assert pod.status.phase == "Failed"
    terminated = pod.status.container_statuses[0].state.terminated
    assert (terminated.exit_code, terminated.reason) == (3, "Error")


def test_env_comes_from_secrets_and_config_maps_and_the_venv_comes_first_on_path(
    pod_runner: PodRunner, kube_namespace: str, batch, control_plane
):
    control_plane.kubectl(
        "create", "secret", "generic", "creds", "-n", kube_namespace, "--from-literal=token=s3cr3t"
    )
    control_plane.kubectl(
        "create", "configmap", "settings", "-n", kube_namespace, "--from-literal=mode=fast"
    )
    check = (
        "import os, sys; "
        "assert os.environ['TOKEN'] == 's3cr3t', os.environ; "
        "assert os.environ['MODE'] == 'fast'; "
        "assert os.environ['GREETING'] == 'mode=fast'; "
        "assert os.environ['POD_NAMESPACE'] == os.environ['EXPECTED_NS']; "
        "assert sys.prefix == os.environ['EXPECTED_PREFIX'], sys.prefix"
    )
    env = [
        {"name": "TOKEN", "valueFrom": {"secretKeyRef": {"name": "creds", "key": "token"}}},
        {"name": "MODE", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "mode"}}},
        {"name": "GREETING", "value": "mode=$(MODE)"},
        {"name": "POD_NAMESPACE", "valueFrom": {"fieldRef": {"fieldPath": "metadata.namespace"}}},
        {"name": "EXPECTED_NS", "value": kube_namespace},
        {"name": "EXPECTED_PREFIX", "value": sys.prefix},
    ]
    manifest = job_manifest("env", ["python", "-c", check], env=env)
    control_plane.apply(manifest, namespace=kube_namespace)

    condition = wait_for(lambda: job_condition(batch, kube_namespace, "env"), "Job env")

    assert condition["type"] == "Complete", pod_runner.log(kube_namespace, "env")
    assert Path(sys.executable).parent == pod_runner.bin_dir


def test_deleting_a_job_in_background_garbage_collects_its_pods(
    pod_runner: PodRunner, kube_namespace: str, batch, core, control_plane
):
    control_plane.apply(job_manifest("long", ["sleep", "600"]), namespace=kube_namespace)

    def running_pod():
        pods = job_pods(core, kube_namespace, "long")
        return pods[0] if pods and pods[0].status.phase == "Running" else None

    pod = wait_for(running_pod, "the Job's pod to run")
    key = f"{kube_namespace}/{pod.metadata.name}"
    assert key in pod_runner.processes()

    batch.delete_namespaced_job("long", kube_namespace, propagation_policy="Background")

    # The Job is gone at once; its pod is deleted by the garbage collector (the Job is its
    # owner), then the pod runner kills the process and finishes the deletion.
    wait_for(lambda: not job_pods(core, kube_namespace, "long"), "the pods to be collected")
    wait_for(lambda: key not in pod_runner.processes(), "the process to be killed", timeout=10)
    with pytest.raises(ApiException) as exc:
        batch.read_namespaced_job("long", kube_namespace)
    assert exc.value.status == 404


def test_pod_on_the_kwok_node_runs_without_a_kubelet(
    control_plane: ControlPlane, kube_namespace: str, core
):
    control_plane.apply(
        {
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": {"name": "fake"},
            "spec": {
                "nodeSelector": {"type": "kwok"},
                "tolerations": [{"key": "kwok.x-k8s.io/node", "operator": "Exists"}],
                "containers": [{"name": "main", "image": "unused.invalid/none"}],
            },
        },
        namespace=kube_namespace,
    )

    def running():
        pod = core.read_namespaced_pod("fake", kube_namespace)
        return pod if pod.status.phase == "Running" else None

    pod = wait_for(running, "the kwok pod to be Running")
    assert pod.spec.node_name == KWOK_NODE_NAME  # bound by the real scheduler
    assert pod.status.pod_ip.startswith("10.244.")  # kwok's --cidr


def test_deployment_pods_run_and_scaling_down_kills_the_process(
    pod_runner: PodRunner, kube_namespace: str, kube_api, control_plane
):
    apps = client.AppsV1Api(kube_api)
    control_plane.apply(
        {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web"},
            "spec": {
                "replicas": 1,
                "selector": {"matchLabels": {"app": "web"}},
                "template": {
                    "metadata": {"labels": {"app": "web"}},
                    "spec": {
                        "terminationGracePeriodSeconds": 5,
                        "containers": [
                            {
                                "name": "web",
                                "image": "unused.invalid/none",
                                "command": ["sleep"],
                                "args": ["600"],
                            }
                        ],
                    },
                },
            },
        },
        namespace=kube_namespace,
    )

    def ready():
        return apps.read_namespaced_deployment("web", kube_namespace).status.ready_replicas == 1

    wait_for(ready, "the Deployment (ReplicaSet controller + pod runner) to be ready")
    (key,) = [k for k in pod_runner.processes() if k.startswith(f"{kube_namespace}/web-")]

    apps.patch_namespaced_deployment_scale("web", kube_namespace, {"spec": {"replicas": 0}})

    # The ReplicaSet controller deletes the pod gracefully; SIGTERM ends `sleep` at once.
    wait_for(lambda: key not in pod_runner.processes(), "the process to be killed", timeout=20)
    core = client.CoreV1Api(kube_api)
    wait_for(
        lambda: not core.list_namespaced_pod(kube_namespace, label_selector="app=web").items,
        "the pod to be removed",
        timeout=20,
    )


def test_helm_installs_a_chart_into_the_cluster(
    control_plane: ControlPlane, kube_namespace: str, core, tmp_path
):
    chart = tmp_path / "hello"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text(
        'apiVersion: v2\nname: hello\nversion: 0.1.0\nkubeVersion: ">=1.28.0-0"\n'
    )
    (chart / "templates" / "cm.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-cm\n"
        "data:\n  kube: {{ .Capabilities.KubeVersion.Version | quote }}\n"
    )

    control_plane.helm("install", "demo", str(chart), "-n", kube_namespace, "--wait")

    config_map = core.read_namespaced_config_map("demo-cm", kube_namespace)
    assert config_map.data["kube"].startswith("v1.32.")  # the server's version, via discovery
    releases = control_plane.helm("list", "-n", kube_namespace, "-o", "json").stdout
    assert [r["status"] for r in json.loads(releases)] == ["deployed"]
