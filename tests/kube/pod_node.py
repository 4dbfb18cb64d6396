"""The pod runner's node: registered with capacity and kept Ready as a kubelet does
(the Ready condition's heartbeat and a Lease in ``kube-node-lease``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket

from tests.kube.pod_status import _now

# The pod runner's logger, whichever of its modules logs.
logger = logging.getLogger("tests.kube.pod_runner")

RUNNER_NODE_LABEL = "pod-v5.test/pod-runner"
HEARTBEAT_SECONDS = 5
LEASE_SECONDS = 40


def _now_micro() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _host_ip() -> str:
    """The machine's primary IPv4 address (pods share the host network), else loopback."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        try:
            sock.connect(("192.0.2.1", 9))  # TEST-NET-1: nothing is sent
            return sock.getsockname()[0]
        except OSError:
            return "127.0.0.1"


class _NodeKeeping:
    """Node registration and heartbeats, for :class:`~tests.kube.pod_runner.PodRunner`."""

    def _ready_conditions(self) -> list[dict]:
        now = _now()
        conditions = [
            ("MemoryPressure", "False", "KubeletHasSufficientMemory"),
            ("DiskPressure", "False", "KubeletHasNoDiskPressure"),
            ("PIDPressure", "False", "KubeletHasSufficientPID"),
            ("Ready", "True", "KubeletReady"),
        ]
        return [
            {
                "type": kind,
                "status": status,
                "reason": reason,
                "message": "pod runner (tests/kube/pod_runner.py)",
                "lastHeartbeatTime": now,
                "lastTransitionTime": now,
            }
            for kind, status, reason in conditions
        ]

    def _register_node(self) -> None:
        from kubernetes import client
        from kubernetes.client.rest import ApiException

        capacity = {"cpu": "16", "memory": "64Gi", "pods": "110", "ephemeral-storage": "100Gi"}
        kube_version = client.VersionApi(self._client).get_code().git_version
        node = {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "name": self.node_name,
                "labels": {
                    RUNNER_NODE_LABEL: "true",
                    "kubernetes.io/hostname": self.node_name,
                    "kubernetes.io/os": "linux",
                    "kubernetes.io/arch": "amd64",
                },
            },
            "spec": {},
            "status": {
                "capacity": capacity,
                "allocatable": capacity,
                "conditions": self._ready_conditions(),
                "addresses": [
                    {"type": "InternalIP", "address": self.host_ip},
                    {"type": "Hostname", "address": self.node_name},
                ],
                "nodeInfo": {
                    "kubeletVersion": kube_version,
                    "operatingSystem": "linux",
                    "architecture": "amd64",
                    "containerRuntimeVersion": "pod-runner://local-processes",
                    "kernelVersion": os.uname().release,
                    "osImage": "local processes",
                    "machineID": "",
                    "systemUUID": "",
                    "bootID": "",
                    "kubeProxyVersion": "",
                },
            },
        }
        try:
            self.api.create_node(node)
        except ApiException as exc:
            if exc.status != 409:
                raise
        self._heartbeat()

    def _heartbeat(self) -> None:
        from kubernetes.client.rest import ApiException

        self.api.patch_node_status(
            self.node_name, {"status": {"conditions": self._ready_conditions()}}
        )
        lease = {
            "apiVersion": "coordination.k8s.io/v1",
            "kind": "Lease",
            "metadata": {"name": self.node_name, "namespace": "kube-node-lease"},
            "spec": {
                "holderIdentity": self.node_name,
                "leaseDurationSeconds": LEASE_SECONDS,
                "renewTime": _now_micro(),
            },
        }
        try:
            self.coordination.replace_namespaced_lease(self.node_name, "kube-node-lease", lease)
        except ApiException as exc:
            if exc.status != 404:
                raise
            self.coordination.create_namespaced_lease("kube-node-lease", lease)

    def _heartbeat_loop(self) -> None:
        while not self._stop.wait(HEARTBEAT_SECONDS):
            try:
                self._heartbeat()
            except Exception:  # the API may be going away at the end of the session
                logger.debug("pod runner heartbeat failed", exc_info=True)
