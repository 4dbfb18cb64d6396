"""The pod status the pod runner writes, as a kubelet does: Running, Pending (waiting),
terminated (Succeeded/Failed), with conditions and container statuses.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.kube.pod_process import _RunningPod

# The pod runner's logger, whichever of its modules logs.
logger = logging.getLogger("tests.kube.pod_runner")

TERMINAL_PHASES = ("Succeeded", "Failed")


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _PodStatus:
    """Status writing, for :class:`~tests.kube.pod_runner.PodRunner`."""

    def _update_status(self, running: _RunningPod, mutate) -> None:
        """Read, mutate, write back the pod's status, retried on conflicts.

        The write is a JSON merge patch carrying the resourceVersion read (so it is
        refused if the pod changed meanwhile) and whole lists (conditions,
        containerStatuses): the equivalent of a kubelet's status update.
        """
        from kubernetes.client.rest import ApiException

        for _ in range(20):
            if running.gone.is_set() or self._stop.is_set():
                return
            try:
                response = self.api.read_namespaced_pod(
                    running.name, running.namespace, _preload_content=False
                )
                pod = json.loads(response.data)
                if pod["metadata"]["uid"] != running.uid:
                    return
                status = pod.get("status", {})
                if mutate(status) is False:
                    return
                patch = {"metadata": {"resourceVersion": pod["metadata"]["resourceVersion"]}}
                patch["status"] = status
                self.api.patch_namespaced_pod_status(
                    running.name,
                    running.namespace,
                    patch,
                    _content_type="application/merge-patch+json",
                )
                return
            except ApiException as exc:
                if exc.status == 404:
                    return
                if exc.status != 409:
                    # Never let this end the pod's thread: its process would die with it
                    # (PR_SET_PDEATHSIG follows the thread that started the process).
                    logger.warning("pod runner: status of %s: %s", running.name, exc)
                    return
                time.sleep(0.05)
            except Exception:
                logger.warning("pod runner: status of %s", running.name, exc_info=True)
                return

    def _conditions(self, status: dict, ready: bool, reason: str = "") -> None:
        now = _now()
        wanted = {
            "PodReadyToStartContainers": True,
            "Initialized": True,
            "Ready": ready,
            "ContainersReady": ready,
            "PodScheduled": True,
        }
        existing = {c["type"]: c for c in status.get("conditions", [])}
        conditions = []
        for kind, ok in wanted.items():
            value = "True" if ok else "False"
            old = existing.get(kind)
            condition = {"type": kind, "status": value, "lastProbeTime": None}
            condition["lastTransitionTime"] = (
                old["lastTransitionTime"] if old and old.get("status") == value else now
            )
            if not ok and reason and kind in ("Ready", "ContainersReady"):
                condition["reason"] = reason
            conditions.append(condition)
        status["conditions"] = conditions

    def _container_status(self, running: _RunningPod, name: str, state: dict, ready: bool):
        return {
            "name": name,
            "state": state,
            "ready": ready,
            "started": "running" in state,
            "restartCount": running.restart_count,
            "image": "",
            "imageID": "",
            "containerID": f"pod-runner://{running.uid}-{running.restart_count}",
        }

    def _base_status(self, status: dict) -> None:
        status.setdefault("startTime", _now())
        status["hostIP"] = self.host_ip
        status["hostIPs"] = [{"ip": self.host_ip}]
        status["podIP"] = self.host_ip
        status["podIPs"] = [{"ip": self.host_ip}]

    def _set_running(self, running: _RunningPod, pod: dict, name: str, started: str) -> None:
        def mutate(status: dict) -> bool:
            if status.get("phase") in TERMINAL_PHASES:
                return False
            self._base_status(status)
            status["phase"] = "Running"
            self._conditions(status, True)
            state = {"running": {"startedAt": started}}
            status["containerStatuses"] = [self._container_status(running, name, state, True)]
            return True

        self._update_status(running, mutate)

    def _set_waiting(self, running: _RunningPod, name: str, reason: str, message: Any) -> None:
        def mutate(status: dict) -> bool:
            if status.get("phase") in TERMINAL_PHASES:
                return False
            self._base_status(status)
            status["phase"] = "Pending"
            self._conditions(status, False, "ContainersNotReady")
            state = {"waiting": {"reason": reason, "message": str(message)}}
            status["containerStatuses"] = [self._container_status(running, name, state, False)]
            return True

        self._update_status(running, mutate)

    def _set_terminated(
        self,
        running: _RunningPod,
        name: str,
        code: int,
        reason: str,
        message: str,
        *,
        final: bool,
        started: str | None = None,
    ) -> None:
        finished = _now()

        def mutate(status: dict) -> bool:
            if status.get("phase") in TERMINAL_PHASES:
                return False
            self._base_status(status)
            terminated = {
                "exitCode": code,
                "reason": reason,
                "startedAt": started or finished,
                "finishedAt": finished,
                "containerID": f"pod-runner://{running.uid}-{running.restart_count}",
            }
            if message:
                terminated["message"] = message
            state = {"terminated": terminated}
            status["containerStatuses"] = [self._container_status(running, name, state, False)]
            if final:
                status["phase"] = "Succeeded" if code == 0 else "Failed"
                self._conditions(status, False, "PodCompleted")
            else:
                self._conditions(status, False, "ContainersNotReady")
            return True

        self._update_status(running, mutate)
