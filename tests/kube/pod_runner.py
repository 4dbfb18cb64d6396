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
  ``media-encode`` lives) first. Images, volumes, probes, init and sidecar containers,
  resources and security contexts are ignored;
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

import base64
import contextlib
import datetime as dt
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.kube.control_plane import (
    ControlPlane,
    claim_workdir,
    die_with_parent,
    kill_process_group,
    sweep_stale_workdirs,
)

logger = logging.getLogger(__name__)

RUNNER_NODE_LABEL = "pod-v5.test/pod-runner"
TERMINAL_PHASES = ("Succeeded", "Failed")
HEARTBEAT_SECONDS = 5
LEASE_SECONDS = 40


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


_VAR_REF = re.compile(r"\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)")


def expand(value: str, env: Mapping[str, str]) -> str:
    """Kubernetes ``$(VAR)`` expansion: known names are replaced, ``$$`` escapes ``$``."""

    def replace(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group(1)
        return env[name] if name in env else match.group(0)

    return _VAR_REF.sub(replace, value)


class ConfigError(Exception):
    """A referenced Secret/ConfigMap/key is missing: the kubelet's CreateContainerConfigError."""


@dataclass
class _RunningPod:
    namespace: str
    name: str
    uid: str
    log_path: Path
    proc: subprocess.Popen | None = None
    thread: threading.Thread | None = None
    deleting: threading.Event = field(default_factory=threading.Event)
    gone: threading.Event = field(default_factory=threading.Event)
    restart_count: int = 0
    exit_codes: list[int] = field(default_factory=list)


class PodRunner:
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

    # ---- node ----------------------------------------------------------------------

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

    # ---- running a pod -------------------------------------------------------------

    def _run_pod(self, pod: dict, running: _RunningPod) -> None:
        try:
            self._run_pod_inner(pod, running)
        except Exception:
            if not self._stop.is_set():
                logger.exception("pod runner: %s/%s", running.namespace, running.name)

    def _run_pod_inner(self, pod: dict, running: _RunningPod) -> None:
        spec = pod["spec"]
        container = spec["containers"][0]
        restart_policy = spec.get("restartPolicy", "Always")
        backoff = 1.0
        while not running.deleting.is_set() and not self._stop.is_set():
            try:
                env = self._environment(pod, container)
            except ConfigError as exc:
                self._set_waiting(running, container["name"], "CreateContainerConfigError", exc)
                if running.deleting.wait(1.0):
                    return
                continue
            command = container.get("command", []) + container.get("args", [])
            argv = [expand(a, env) for a in command]
            executable = self._which(argv[0], env) if argv else None
            if executable is None:
                message = (
                    f"executable {argv[0]!r} not found in PATH" if argv else "no command given"
                )
                self._set_terminated(
                    running, container["name"], 127, "StartError", message, final=True
                )
                return
            cwd = container.get("workingDir")
            if not cwd or not Path(cwd).is_dir():
                cwd = self.workdir / running.namespace / f"{running.name}.cwd"
                Path(cwd).mkdir(parents=True, exist_ok=True)
            started = _now()
            with open(running.log_path, "ab") as log_file:
                proc = subprocess.Popen(
                    [executable, *argv[1:]],
                    cwd=cwd,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=log_file,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                    preexec_fn=die_with_parent,
                )
            with self._lock:
                running.proc = proc
            if running.deleting.is_set():  # deleted while starting
                kill_process_group(proc, grace=0)
            self._set_running(running, pod, container["name"], started)
            code = proc.wait()
            running.exit_codes.append(code)
            if running.deleting.is_set() or self._stop.is_set():
                return  # the deletion path reports and removes the pod
            restart = restart_policy == "Always" or (restart_policy == "OnFailure" and code != 0)
            reason = "Completed" if code == 0 else "Error"
            self._set_terminated(
                running, container["name"], code, reason, "", final=not restart, started=started
            )
            if not restart:
                return
            if running.deleting.wait(backoff):
                return
            backoff = min(backoff * 2, 10.0)
            running.restart_count += 1

    def _which(self, command: str, env: Mapping[str, str]) -> str | None:
        if os.sep in command:
            return command if os.access(command, os.X_OK) else None
        return shutil.which(command, path=env.get("PATH"))

    def _environment(self, pod: dict, container: dict) -> dict[str, str]:
        """The process environment: a minimal base, envFrom, then env (later wins)."""
        path = os.pathsep.join([str(self.bin_dir), os.environ.get("PATH", os.defpath)])
        env = {"PATH": path, "HOME": os.environ.get("HOME", "/root")}
        for name in ("LANG", "LC_ALL", "TMPDIR", "TZ"):
            if name in os.environ:
                env[name] = os.environ[name]
        env["HOSTNAME"] = pod["metadata"]["name"]
        env.update(self.extra_env)
        namespace = pod["metadata"]["namespace"]
        for source in container.get("envFrom", []):
            prefix = source.get("prefix", "")
            if "configMapRef" in source:
                ref = source["configMapRef"]
                data = self._config_map(namespace, ref["name"], ref.get("optional", False))
            else:
                ref = source["secretRef"]
                data = self._secret(namespace, ref["name"], ref.get("optional", False))
            env.update({prefix + k: v for k, v in data.items()})
        for var in container.get("env", []):
            if "valueFrom" in var:
                value = self._value_from(pod, var["valueFrom"])
                if value is None:
                    continue  # an optional reference that is missing
            else:
                value = expand(var.get("value", ""), env)
            env[var["name"]] = value
        return env

    def _value_from(self, pod: dict, source: dict) -> str | None:
        namespace = pod["metadata"]["namespace"]
        if "secretKeyRef" in source or "configMapKeyRef" in source:
            is_secret = "secretKeyRef" in source
            ref = source["secretKeyRef" if is_secret else "configMapKeyRef"]
            optional = ref.get("optional", False)
            read = self._secret if is_secret else self._config_map
            data = read(namespace, ref["name"], optional)
            if ref["key"] not in data:
                if optional:
                    return None
                kind = "secret" if is_secret else "configmap"
                raise ConfigError(f"couldn't find key {ref['key']} in {kind} {ref['name']}")
            return data[ref["key"]]
        if "fieldRef" in source:
            return self._field(pod, source["fieldRef"]["fieldPath"])
        raise ConfigError(f"unsupported valueFrom: {sorted(source)}")

    def _field(self, pod: dict, path: str) -> str:
        meta, spec = pod["metadata"], pod["spec"]
        match = re.fullmatch(r"metadata\.(labels|annotations)\['(.+)'\]", path)
        if match:
            return meta.get(match.group(1), {}).get(match.group(2), "")
        simple = {
            "metadata.name": meta["name"],
            "metadata.namespace": meta["namespace"],
            "metadata.uid": meta["uid"],
            "spec.nodeName": self.node_name,
            "spec.serviceAccountName": spec.get("serviceAccountName", "default"),
            "status.hostIP": self.host_ip,
            "status.hostIPs": self.host_ip,
            "status.podIP": self.host_ip,
            "status.podIPs": self.host_ip,
        }
        if path not in simple:
            raise ConfigError(f"unsupported fieldRef {path}")
        return simple[path]

    def _read(self, kind: str, namespace: str, name: str, optional: bool) -> dict[str, str]:
        from kubernetes.client.rest import ApiException

        api = self.api
        read = api.read_namespaced_secret if kind == "secret" else api.read_namespaced_config_map
        try:
            response = read(name, namespace, _preload_content=False)
        except ApiException as exc:
            if exc.status == 404:
                if optional:
                    return {}
                raise ConfigError(f"{kind} {namespace}/{name} not found") from exc
            raise
        obj = json.loads(response.data)
        data = {k: base64.b64decode(v).decode() for k, v in obj.get("binaryData", {}).items()}
        if kind == "secret":
            data.update({k: base64.b64decode(v).decode() for k, v in obj.get("data", {}).items()})
            data.update(obj.get("stringData", {}))
        else:
            data.update(obj.get("data", {}))
        return data

    def _secret(self, namespace: str, name: str, optional: bool) -> dict[str, str]:
        return self._read("secret", namespace, name, optional)

    def _config_map(self, namespace: str, name: str, optional: bool) -> dict[str, str]:
        return self._read("configmap", namespace, name, optional)

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

    # ---- status --------------------------------------------------------------------

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


def _exit_code(returncode: int) -> int:
    """Popen's ``-N`` (killed by signal N) as runc reports it: 128 + N (SIGTERM: 143)."""
    return 128 - returncode if returncode < 0 else returncode
