"""A stand-in kubelet that runs pods' commands as local processes, for tests.

The real controllers (Job, ReplicaSet, garbage collector, ...) only see the API: a
kubelet's part is to run what is bound to its node and to report pod status. kwok fakes
that part without running anything; :class:`PodRunner` does it for real, on a node of its
own (``pod-runner`` by default, which kwok does not manage: kwok only takes nodes
annotated ``kwok.x-k8s.io/node=fake``):

* it registers a Node with capacity and keeps it Ready the way a kubelet does (a Lease in
  ``kube-node-lease`` renewed every few seconds, and the Ready condition's heartbeat), so
  the node lifecycle controller never taints it;
* it watches pods with ``spec.nodeName`` = its node (the scheduler binds them there), and
  runs each pod's **first container**'s ``command`` + ``args`` with its ``env`` and
  ``envFrom`` resolved through the API (``value`` with ``$(VAR)`` expansion,
  ``secretKeyRef``, ``configMapKeyRef``, ``fieldRef``); ``command[0]`` is looked up on PATH
  with the test interpreter's bin folder (``Path(sys.executable).parent``, the venv: where
  ``media-encode`` lives) first. A pod with a ServiceAccount token volume gets
  ``KUBECONFIG``: a kubeconfig with a TokenRequest token of its ServiceAccount (its
  in-cluster identity, RBAC included). Images, other volumes, probes, init and sidecar
  containers, resources and security contexts are ignored;
* it writes the status a kubelet writes: Running with a ``running`` container state, then
  Succeeded/Failed with a ``terminated`` state (exit code, reason ``Completed``/``Error``)
  for ``restartPolicy: Never`` (and ``OnFailure`` on success); ``OnFailure``/``Always``
  restart the process with ``restartCount`` incremented and a capped back-off;
* when a pod is deleted (a graceful deletion sets ``deletionTimestamp``) it kills the
  process group (SIGTERM, SIGKILL after the grace period), reports the terminated state,
  then finishes the deletion with grace period 0, as a kubelet does. A pod's
  ``activeDeadlineSeconds`` is not enforced here: Jobs' deadlines are the Job controller's.

The process environment is minimal (PATH, HOME, LANG, TMPDIR, plus ``extra_env``) and
the pod's env on top, so a test passes only if the manifest carries what the program
needs. Each pod's output goes to a log file: :meth:`PodRunner.log`.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from tests.kube.control_plane import ControlPlane
from tests.kube.pod_node import (
    HEARTBEAT_SECONDS,
    LEASE_SECONDS,
    RUNNER_NODE_LABEL,
    _host_ip,
    _NodeKeeping,
)
from tests.kube.pod_process import (
    ConfigError,
    _exit_code,
    _PodProcesses,
    _RunningPod,
    expand,
)
from tests.kube.pod_status import TERMINAL_PHASES, _PodStatus
from tests.kube.processes import (
    claim_workdir,
    die_with_parent,
    kill_process_group,
    sweep_stale_workdirs,
)

__all__ = [
    "HEARTBEAT_SECONDS",
    "LEASE_SECONDS",
    "RUNNER_NODE_LABEL",
    "TERMINAL_PHASES",
    "ConfigError",
    "PodRunner",
    "claim_workdir",
    "die_with_parent",
    "expand",
    "kill_process_group",
    "sweep_stale_workdirs",
]

logger = logging.getLogger(__name__)


class PodRunner(_NodeKeeping, _PodProcesses, _PodStatus):
    """Runs the pods bound to one node as local processes; see the module docstring."""

    def __init__(
        self,
        control_plane: ControlPlane,
        *,
        node_name: str = "pod-runner",
        extra_env: Mapping[str, str] | None = None,
        workdir: Path | str | None = None,
        host_ip: str | None = None,
    ) -> None:
        from kubernetes import client

        self.control_plane = control_plane
        self.node_name = node_name
        self.extra_env = dict(extra_env or {})
        self.host_ip = host_ip or _host_ip()
        self._own_workdir = workdir is None
        if workdir is None:
            sweep_stale_workdirs("podv5-pod-runner-")
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="podv5-pod-runner-"))
        if self._own_workdir:
            claim_workdir(self.workdir)
        self.bin_dir = Path(sys.executable).parent
        # A client of its own: its watch and per-pod threads don't use the tests' pool.
        self._client = control_plane.api_client(control_plane.kubeconfig)
        self.api = client.CoreV1Api(self._client)
        self.coordination = client.CoordinationV1Api(self._client)
        self._pods: dict[str, _RunningPod] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False

    # ---- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> PodRunner:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 60) -> PodRunner:
        """Register the node, start the watch and heartbeat threads, wait until schedulable."""
        if self._started:
            return self
        self._started = True
        self._register_node()
        for target, name in ((self._heartbeat_loop, "heartbeat"), (self._watch_loop, "watch")):
            thread = threading.Thread(target=target, name=f"pod-runner-{name}", daemon=True)
            thread.start()
            self._threads.append(thread)
        # The node is created with the not-ready taint (admission plugin
        # TaintNodesByCondition); the node lifecycle controller lifts it once Ready.
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            node = self.api.read_node(self.node_name)
            taints = [t.key for t in (node.spec.taints or [])]
            if "node.kubernetes.io/not-ready" not in taints:
                return self
            time.sleep(0.2)
        raise TimeoutError(f"node {self.node_name} kept its not-ready taint for {timeout}s")

    def stop(self) -> None:
        """Kill every process, stop the threads, delete the node; idempotent."""
        if self._stop.is_set():
            return
        self._stop.set()
        with self._lock:
            pods = list(self._pods.values())
        for pod in pods:
            pod.deleting.set()
            if pod.proc is not None:
                kill_process_group(pod.proc, grace=2)
        for thread in self._threads:
            thread.join(timeout=10)
        for pod in pods:
            if pod.thread is not None:
                pod.thread.join(timeout=10)
        with contextlib.suppress(Exception):
            self.api.delete_node(self.node_name)
        with contextlib.suppress(Exception):
            self._client.close()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # ---- what tests look at --------------------------------------------------------

    def log(self, namespace: str, pod_name: str) -> str:
        """The output (stdout + stderr) of a pod's process so far, '' if none."""
        path = self.workdir / namespace / f"{pod_name}.log"
        try:
            return path.read_text(errors="replace")
        except OSError:
            return ""

    def processes(self) -> dict[str, int]:
        """``namespace/name`` -> pid of the pods whose process is running now."""
        with self._lock:
            return {
                f"{p.namespace}/{p.name}": p.proc.pid
                for p in self._pods.values()
                if p.proc is not None and p.proc.poll() is None
            }

    # ---- watch ---------------------------------------------------------------------

    def _watch_loop(self) -> None:
        from kubernetes import watch
        from kubernetes.client.rest import ApiException

        selector = f"spec.nodeName={self.node_name}"
        resource_version = None
        while not self._stop.is_set():
            try:
                if resource_version is None:
                    response = self.api.list_pod_for_all_namespaces(
                        field_selector=selector, _preload_content=False
                    )
                    listing = json.loads(response.data)
                    resource_version = listing["metadata"]["resourceVersion"]
                    for pod in listing["items"]:
                        self._handle(pod, deleted=False)
                stream = watch.Watch().stream(
                    self.api.list_pod_for_all_namespaces,
                    field_selector=selector,
                    resource_version=resource_version,
                    allow_watch_bookmarks=True,
                    timeout_seconds=5,
                    deserialize=False,  # plain dicts, as the API sent them
                )
                for event in stream:
                    if self._stop.is_set():
                        break
                    pod = event["object"]
                    if event["type"] == "ERROR":
                        resource_version = None
                        break
                    resource_version = pod["metadata"]["resourceVersion"]
                    if event["type"] != "BOOKMARK":
                        self._handle(pod, deleted=event["type"] == "DELETED")
            except ApiException as exc:
                if exc.status == 410:  # resource version too old: list again
                    resource_version = None
                elif not self._stop.is_set():
                    logger.warning("pod runner watch: %s", exc)
                    time.sleep(0.5)
            except Exception:
                if not self._stop.is_set():
                    logger.warning("pod runner watch failed", exc_info=True)
                    time.sleep(0.5)

    def _handle(self, pod: dict, *, deleted: bool) -> None:
        meta = pod["metadata"]
        uid = meta["uid"]
        with self._lock:
            running = self._pods.get(uid)
            if deleted:
                self._pods.pop(uid, None)
                if running is not None:
                    running.gone.set()
                    running.deleting.set()
                    if running.proc is not None:
                        threading.Thread(
                            target=kill_process_group, args=(running.proc,), daemon=True
                        ).start()
                return
            if meta.get("deletionTimestamp"):
                if running is None:
                    running = self._track(pod)
                    running.deleting.set()
                    running.thread = threading.Thread(
                        target=self._finish_deletion, args=(pod, running), daemon=True
                    )
                    running.thread.start()
                elif not running.deleting.is_set():
                    running.deleting.set()
                    threading.Thread(
                        target=self._kill_for_deletion, args=(pod, running), daemon=True
                    ).start()
                return
            if running is not None or pod.get("status", {}).get("phase") in TERMINAL_PHASES:
                return
            running = self._track(pod)
            running.thread = threading.Thread(
                target=self._run_pod, args=(pod, running), daemon=True
            )
            running.thread.start()

    def _track(self, pod: dict) -> _RunningPod:
        meta = pod["metadata"]
        log_dir = self.workdir / meta["namespace"]
        log_dir.mkdir(parents=True, exist_ok=True)
        running = _RunningPod(
            meta["namespace"], meta["name"], meta["uid"], log_dir / f"{meta['name']}.log"
        )
        self._pods[meta["uid"]] = running
        return running

    # ---- deletion ------------------------------------------------------------------

    def _kill_for_deletion(self, pod: dict, running: _RunningPod) -> None:
        """Kill the process (SIGTERM, SIGKILL after the grace period), report, delete."""
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        grace = 30.0 if grace is None else min(float(grace), 30.0)
        proc = running.proc
        code = kill_process_group(proc, grace=grace) if proc is not None else None
        if running.thread is not None:
            running.thread.join(timeout=10)  # it saw `deleting` and wrote nothing
        if code is not None:
            name = pod["spec"]["containers"][0]["name"]
            self._set_terminated(running, name, _exit_code(code), "Error", "", final=True)
        self._finish_deletion(pod, running)

    def _finish_deletion(self, pod: dict, running: _RunningPod) -> None:
        """What the kubelet does last: delete with grace period 0 (finalizers still apply)."""
        from kubernetes.client.rest import ApiException

        if not running.gone.is_set():
            body = {"gracePeriodSeconds": 0, "preconditions": {"uid": running.uid}}
            try:
                self.api.delete_namespaced_pod(running.name, running.namespace, body=body)
            except ApiException as exc:
                if exc.status not in (404, 409):
                    logger.warning("pod runner: deleting %s: %s", running.name, exc)
