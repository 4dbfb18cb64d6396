"""A real, local Kubernetes control plane for tests: the envtest convention, plus controllers.

controller-runtime's envtest starts etcd and kube-apiserver from a folder of binaries
(``KUBEBUILDER_ASSETS``) on loopback with free ports, with generated certificates, and
hands out an admin kubeconfig. :class:`ControlPlane` does the same and also starts what
envtest leaves out, so that objects are acted on as in a cluster:

* **etcd** (``--unsafe-no-fsync``, as envtest does; data in the temp dir);
* **kube-apiserver**: secure serving on 127.0.0.1, ``--authorization-mode=Node,RBAC``,
  client-certificate authentication against a CA generated at start, service-account
  signing/verification keys generated at start, ``--service-cluster-ip-range``,
  ``--allow-privileged``; the default admission plugins (ServiceAccount included) stay on;
* **kube-controller-manager**, all default controllers (job, garbage collector,
  deployment/replicaset, namespace, serviceaccount and serviceaccount-token, node
  lifecycle, ...) with ``--use-service-account-credentials`` so that every controller
  works under its own bootstrap RBAC role, as in a kubeadm cluster;
* **kube-scheduler**;
* **kwok** with one fake node (``kwok-node-0``, tainted ``kwok.x-k8s.io/node=fake:NoSchedule``
  so that only pods tolerating it land there): kwok keeps the node Ready and plays the
  kubelet for pods bound to it (Running, and Succeeded for Job pods), without running
  anything. Real work is done by :mod:`tests.kube.pod_runner` on a node of its own.

Identities: ``admin`` (group ``system:masters``) for the tests, kwok and the pod runner;
``system:kube-controller-manager`` and ``system:kube-scheduler`` client certificates for
those components (their bootstrap ClusterRoleBindings apply); ServiceAccounts get
kubeconfigs from the TokenRequest API (:meth:`ControlPlane.service_account_kubeconfig`).

Every process is started in its own session with ``PR_SET_PDEATHSIG`` (it dies with the
test process) and :meth:`ControlPlane.stop` kills them all and removes the temp dir,
also when start-up fails half-way.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from tests.kube.assets import (
    ASSETS_SCRIPT,
    REPO_ROOT,
    REQUIRED_BINARIES,
    AssetsUnavailable,
    ensure_assets,
)
from tests.kube.components import (
    KWOK_NODE_ANNOTATION,
    KWOK_NODE_NAME,
    KWOK_POD_CIDR,
    SERVICE_CIDR,
    ControlPlaneError,
    _Components,
)
from tests.kube.pki import _write, kubeconfig_dict
from tests.kube.processes import (
    OWNER_FILE,
    _Component,
    claim_workdir,
    die_with_parent,
    free_port,
    kill_process_group,
    sweep_stale_workdirs,
)

__all__ = [
    "ASSETS_SCRIPT",
    "KWOK_NODE_ANNOTATION",
    "KWOK_NODE_NAME",
    "KWOK_POD_CIDR",
    "OWNER_FILE",
    "REPO_ROOT",
    "REQUIRED_BINARIES",
    "SERVICE_CIDR",
    "AssetsUnavailable",
    "CommandError",
    "ControlPlane",
    "ControlPlaneError",
    "claim_workdir",
    "die_with_parent",
    "ensure_assets",
    "free_port",
    "kill_process_group",
    "kubeconfig_dict",
    "sweep_stale_workdirs",
]


class CommandError(subprocess.CalledProcessError):
    """A kubectl/helm command failed; its message carries the command's stderr."""

    def __str__(self) -> str:
        command = " ".join(str(a) for a in self.cmd[:6])
        return f"{command} ... exited {self.returncode}: {(self.stderr or '').strip()}"


# --------------------------------------------------------------------------------------
# The control plane


class ControlPlane(_Components):
    """etcd + kube-apiserver + kube-controller-manager + kube-scheduler + kwok, on loopback.

    Use as a context manager, or call :meth:`start` and :meth:`stop` (idempotent; also
    registered with :mod:`atexit`). Attributes once started: :attr:`kubeconfig` (admin),
    :attr:`server` (``https://127.0.0.1:<port>``), :attr:`ca_file`, :attr:`workdir` (the
    components' logs: ``<name>.log``, also :meth:`log`). Helpers: :meth:`env` (for
    subprocesses), :meth:`kubectl`, :meth:`helm`, :meth:`apply`,
    :meth:`wait_crd_established`, :meth:`api_client`, :meth:`service_account_kubeconfig`.
    """

    def __init__(
        self,
        assets: Path | str,
        *,
        workdir: Path | str | None = None,
        keep_workdir: bool = False,
        kwok: bool = True,
        verbosity: int = 1,
    ) -> None:
        self.assets = Path(assets)
        self._own_workdir = workdir is None
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="podv5-kube-"))
        self.keep_workdir = keep_workdir
        self.kwok_enabled = kwok
        self.verbosity = verbosity
        self.components: dict[str, _Component] = {}
        self.server = ""
        self.kubeconfig = self.workdir / "admin.kubeconfig"
        self.ca_file = self.workdir / "pki" / "ca.crt"
        self.start_seconds: float | None = None
        self._ca_pem = b""
        self._started = False
        self._stopped = False
        self._api_client: Any = None

    # ---- binaries ------------------------------------------------------------------

    def binary(self, name: str) -> str:
        """The path of ``name`` in the assets folder, else on PATH."""
        candidate = self.assets / name
        if os.access(candidate, os.X_OK):
            return str(candidate)
        found = shutil.which(name)
        if not found:
            raise ControlPlaneError(f"{name} is neither in {self.assets} nor on PATH")
        return found

    # ---- lifecycle -----------------------------------------------------------------

    def __enter__(self) -> ControlPlane:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def start(self, timeout: float = 120.0, attempts: int = 3) -> ControlPlane:
        """Start every component and wait until the cluster is usable (or raise).

        Ports are picked free but only bound by the components a moment later; if another
        process took one meanwhile ("address already in use"), start again on new ports.
        """
        if self._started:
            return self
        self._started = True
        atexit.register(self.stop)
        began = time.monotonic()
        try:
            sweep_stale_workdirs("podv5-kube-")
            for attempt in range(1, attempts + 1):
                self.workdir.mkdir(parents=True, exist_ok=True)
                if self._own_workdir:
                    claim_workdir(self.workdir)
                try:
                    self._start_once(time.monotonic() + timeout)
                    break
                except ControlPlaneError as exc:
                    if "address already in use" not in str(exc) or attempt == attempts:
                        raise
                    self._stop_components()
                    self.components.clear()
                    for child in self.workdir.iterdir():
                        if child.is_dir():
                            shutil.rmtree(child)
                        elif child.name != OWNER_FILE:
                            child.unlink()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        return self

    def _start_once(self, deadline: float) -> None:
        ports = self._ports()
        self._pki(ports["apiserver"])
        self._spawn("etcd", self._etcd_args(ports))
        self._spawn("kube-apiserver", self._apiserver_args(ports))
        self._wait(
            lambda: self._http_ok(f"http://127.0.0.1:{ports['etcd']}/health", tls=False),
            deadline,
            "etcd /health",
            "etcd",
        )
        self._wait(self._apiserver_ready, deadline, "kube-apiserver /readyz", "kube-apiserver")
        self._spawn("kube-controller-manager", self._controller_manager_args())
        self._spawn("kube-scheduler", self._scheduler_args())
        if self.kwok_enabled:
            self._spawn("kwok", self._kwok_args())
            self._create_kwok_node()
        # The serviceaccount controller has run: kube-controller-manager works.
        self._wait(
            lambda: self._exists("/api/v1/namespaces/default/serviceaccounts/default"),
            deadline,
            "ServiceAccount default/default (kube-controller-manager)",
            "kube-controller-manager",
        )
        if self.kwok_enabled:
            self._wait(lambda: self.node_ready(KWOK_NODE_NAME), deadline, "kwok node Ready", "kwok")

    def stop(self) -> None:
        """Kill every component (newest first) and remove the temp dir; idempotent."""
        if self._stopped:
            return
        self._stopped = True
        atexit.unregister(self.stop)
        if self._api_client is not None:
            with contextlib.suppress(Exception):
                self._api_client.close()
        self._stop_components()
        if self._own_workdir and not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)
        else:  # kept on purpose: no sweeping it
            (self.workdir / OWNER_FILE).unlink(missing_ok=True)

    def _stop_components(self) -> None:
        for component in reversed(list(self.components.values())):
            component.stop()

    def alive(self) -> dict[str, bool]:
        """Which components are still running."""
        return {name: c.alive() for name, c in self.components.items()}

    def log(self, component: str, lines: int = 200) -> str:
        """The last lines of a component's log (etcd, kube-apiserver, ...)."""
        return self.components[component].log_tail(lines)

    # ---- clients -------------------------------------------------------------------

    def env(self, kubeconfig: Path | str | None = None, **extra: str) -> dict[str, str]:
        """``os.environ`` plus KUBECONFIG (admin unless given) and the assets folder on PATH."""
        env = dict(os.environ)
        env["KUBECONFIG"] = str(kubeconfig or self.kubeconfig)
        env["PATH"] = os.pathsep.join([str(self.assets), env.get("PATH", "")])
        env.update(extra)
        return env

    def kubectl(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        kubeconfig: Path | str | None = None,
        timeout: float = 120,
    ) -> subprocess.CompletedProcess[str]:
        """Run kubectl against this control plane (admin unless ``kubeconfig``); text output.

        With ``check`` (default) a non-zero exit raises :class:`CommandError` (a
        :class:`subprocess.CalledProcessError` whose message includes kubectl's stderr).
        """
        argv = [self.binary("kubectl"), f"--kubeconfig={kubeconfig or self.kubeconfig}", *args]
        result = subprocess.run(
            argv,
            input=input,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=self.env(kubeconfig),
            check=False,
        )
        if check and result.returncode != 0:
            raise CommandError(result.returncode, argv, result.stdout, result.stderr)
        return result

    def helm(
        self,
        *args: str,
        input: str | None = None,
        check: bool = True,
        kubeconfig: Path | str | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """Run helm against this control plane; its cache/config/data live in the temp dir."""
        helm_home = self.workdir / "helm"
        env = self.env(
            kubeconfig,
            HELM_CACHE_HOME=str(helm_home / "cache"),
            HELM_CONFIG_HOME=str(helm_home / "config"),
            HELM_DATA_HOME=str(helm_home / "data"),
        )
        argv = [self.binary("helm"), *args]
        result = subprocess.run(
            argv, input=input, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
        if check and result.returncode != 0:
            raise CommandError(result.returncode, argv, result.stdout, result.stderr)
        return result

    def apply(
        self,
        manifest: str | Path | Mapping | list,
        *,
        namespace: str | None = None,
        server_side: bool = True,
    ) -> str:
        """``kubectl apply`` a file, a folder, YAML text or objects (dicts); returns stdout.

        Server-side apply by default (no last-applied annotation, so large CRDs fit).
        """
        args = ["apply"]
        if server_side:
            args += ["--server-side", "--force-conflicts", "--field-manager=pod-v5-tests"]
        if namespace:
            args += ["-n", namespace]
        text: str | None = None
        if isinstance(manifest, Mapping | list):
            docs = manifest if isinstance(manifest, list) else [manifest]
            text = yaml.safe_dump_all(docs, sort_keys=False)
        elif isinstance(manifest, Path) or ("\n" not in manifest and Path(manifest).exists()):
            args += ["-f", str(manifest)]
        else:
            text = manifest
        if text is not None:
            args += ["-f", "-"]
        return self.kubectl(*args, input=text).stdout

    def wait_crd_established(self, name: str, timeout: float = 60) -> None:
        """Wait for a CustomResourceDefinition's Established condition (and its discovery)."""
        self.kubectl(
            "wait", "--for=condition=Established", f"crd/{name}", f"--timeout={int(timeout)}s"
        )
        crd = json.loads(self.kubectl("get", f"crd/{name}", "-o", "json").stdout)
        group = crd["spec"]["group"]
        versions = [v["name"] for v in crd["spec"]["versions"] if v.get("served")]
        plural = crd["spec"]["names"]["plural"]
        deadline = time.monotonic() + timeout

        def discovered() -> bool:
            for version in versions:
                doc = self._get_json(f"/apis/{group}/{version}")
                if doc is None or plural not in {r["name"] for r in doc.get("resources", [])}:
                    return False
            return True

        self._wait(discovered, deadline, f"discovery of {plural}.{group}", "kube-apiserver")

    def api_client(self, kubeconfig: Path | str | None = None) -> Any:
        """A ``kubernetes.client.ApiClient`` (admin, shared, unless ``kubeconfig``)."""
        from kubernetes import config as kube_config

        if kubeconfig is not None:
            return kube_config.new_client_from_config(config_file=str(kubeconfig))
        if self._api_client is None:
            self._api_client = kube_config.new_client_from_config(config_file=str(self.kubeconfig))
        return self._api_client

    def service_account_kubeconfig(
        self,
        namespace: str,
        name: str,
        *,
        create: bool = False,
        duration: str = "2h",
        path: Path | str | None = None,
    ) -> Path:
        """A kubeconfig authenticating as ServiceAccount ``namespace/name``, and nothing more.

        The token comes from the TokenRequest API (``kubectl create token``), as a pod's
        projected token would; ``create`` creates the ServiceAccount first if missing.
        """
        if create:
            found = self.kubectl("get", "serviceaccount", name, "-n", namespace, check=False)
            if found.returncode != 0:
                self.kubectl("create", "serviceaccount", name, "-n", namespace)
        token = self.kubectl(
            "create", "token", name, "-n", namespace, f"--duration={duration}"
        ).stdout.strip()
        user = f"system:serviceaccount:{namespace}:{name}"
        config = kubeconfig_dict(
            self.server, self._ca_pem, user, {"token": token}, namespace=namespace
        )
        target = Path(path) if path else self.workdir / f"sa-{namespace}-{name}.kubeconfig"
        _write(target, yaml.safe_dump(config, sort_keys=False))
        return target

    def node_ready(self, name: str) -> bool:
        node = self._get_json(f"/api/v1/nodes/{name}")
        if node is None:
            return False
        conditions = node.get("status", {}).get("conditions", [])
        return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)
