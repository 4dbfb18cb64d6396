"""From a pod spec to a local process: the environment (``env``/``envFrom`` resolved
through the API: ``$(VAR)`` expansion, ``secretKeyRef``, ``configMapKeyRef``,
``fieldRef``), the executable, the process and its restarts.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tests.kube.pod_status import _now
from tests.kube.processes import die_with_parent, kill_process_group

# The pod runner's logger, whichever of its modules logs.
logger = logging.getLogger("tests.kube.pod_runner")

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


class _PodProcesses:
    """Running pods' processes, for :class:`~tests.kube.pod_runner.PodRunner`."""

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
        kubeconfig = self._service_account_kubeconfig(pod)
        if kubeconfig is not None:
            env["KUBECONFIG"] = str(kubeconfig)
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

    def _service_account_kubeconfig(self, pod: dict) -> Path | None:
        """The pod's ServiceAccount identity, when it has one mounted (the ServiceAccount
        admission plugin's projected ``serviceAccountToken`` volume, present unless
        ``automountServiceAccountToken`` is false): a kubeconfig with a TokenRequest token
        for that ServiceAccount, given as ``KUBECONFIG`` — a local process can't get the
        in-cluster files at /var/run/secrets/kubernetes.io/serviceaccount, and clients
        (kubernetes, kopf) fall back to ``KUBECONFIG``. None otherwise."""
        mounted = any(
            "serviceAccountToken" in source
            for volume in pod["spec"].get("volumes", [])
            for source in (volume.get("projected") or {}).get("sources", [])
        )
        if not mounted:
            return None
        meta = pod["metadata"]
        account = pod["spec"].get("serviceAccountName") or "default"
        path = self.workdir / meta["namespace"] / f"{meta['name']}.kubeconfig"
        try:
            return self.control_plane.service_account_kubeconfig(
                meta["namespace"], account, path=path
            )
        except Exception as exc:  # e.g. the ServiceAccount is gone
            raise ConfigError(f"no token for serviceaccount {account}: {exc}") from exc

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


def _exit_code(returncode: int) -> int:
    """Popen's ``-N`` (killed by signal N) as runc reports it: 128 + N (SIGTERM: 143)."""
    return 128 - returncode if returncode < 0 else returncode
