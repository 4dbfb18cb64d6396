"""The control plane's components: their set-up (ports, PKI, command lines, the kwok
node) and the waiting for them to be ready; the base of
:class:`~tests.kube.control_plane.ControlPlane`.
"""

from __future__ import annotations

import ipaddress
import json
import os
import ssl
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.kube.pki import _CA, _b64, _pem_cert, _pem_key, _write, kubeconfig_dict
from tests.kube.processes import _Component, free_port

SERVICE_CIDR = "10.0.0.0/24"  # envtest's default
KWOK_POD_CIDR = "10.244.0.1/24"
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
KWOK_NODE_NAME = "kwok-node-0"


class ControlPlaneError(RuntimeError):
    """The control plane could not start (the message carries the component's log tail)."""


class _Components:
    """Set-up and readiness of the components; the base of
    :class:`~tests.kube.control_plane.ControlPlane`, which holds the state these methods use
    (``workdir``, ``components``, ``server``, ...).
    """

    # ---- internals: set-up ---------------------------------------------------------

    def _ports(self) -> dict[str, int]:
        ports: dict[str, int] = {}
        while len(set(ports.values())) < 3:
            ports = {"etcd": free_port(), "etcd-peer": free_port(), "apiserver": free_port()}
        return ports

    def _pki(self, apiserver_port: int) -> None:
        pki = self.workdir / "pki"
        pki.mkdir(exist_ok=True)
        ca = _CA.create("pod-v5-test-ca")
        self._ca_pem = _pem_cert(ca.cert)
        _write(pki / "ca.crt", self._ca_pem, 0o644)
        _write(pki / "ca.key", _pem_key(ca.key))
        cert, key = ca.issue(
            "kube-apiserver",
            server=True,
            dns_names=[
                "localhost",
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
            ],
            ips=["127.0.0.1", str(next(ipaddress.ip_network(SERVICE_CIDR).hosts()))],
        )
        _write(pki / "apiserver.crt", cert, 0o644)
        _write(pki / "apiserver.key", key)
        cert, key = ca.issue("front-proxy-client")
        _write(pki / "front-proxy-client.crt", cert, 0o644)
        _write(pki / "front-proxy-client.key", key)
        # Service-account token signing (kube-apiserver) / verification and legacy signing.
        sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _write(pki / "sa.key", _pem_key(sa_key))
        _write(
            pki / "sa.pub",
            sa_key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            ),
            0o644,
        )
        self.server = f"https://127.0.0.1:{apiserver_port}"
        identities = {
            "admin": ("admin", ["system:masters"]),
            "kube-controller-manager": ("system:kube-controller-manager", []),
            "kube-scheduler": ("system:kube-scheduler", []),
        }
        for file_name, (user, groups) in identities.items():
            cert, key = ca.issue(user, organizations=groups)
            config = kubeconfig_dict(
                self.server,
                self._ca_pem,
                user,
                {"client-certificate-data": _b64(cert), "client-key-data": _b64(key)},
            )
            _write(self.workdir / f"{file_name}.kubeconfig", yaml.safe_dump(config))
            if file_name == "admin":
                _write(pki / "admin.crt", cert)
                _write(pki / "admin.key", key)

    def _spawn(self, name: str, args: list[str]) -> None:
        component = _Component(name, [self.binary(name), *args], self.workdir / f"{name}.log")
        self.components[name] = component
        env = {k: v for k, v in os.environ.items() if k != "KUBECONFIG"}
        env["HOME"] = str(self.workdir)  # nothing reads ~/.kube or ~/.kwok by accident
        component.start(env)

    def _etcd_args(self, ports: Mapping[str, int]) -> list[str]:
        client = f"http://127.0.0.1:{ports['etcd']}"
        peer = f"http://127.0.0.1:{ports['etcd-peer']}"
        return [
            "--name=default",
            f"--data-dir={self.workdir / 'etcd'}",
            f"--listen-client-urls={client}",
            f"--advertise-client-urls={client}",
            f"--listen-peer-urls={peer}",
            f"--initial-advertise-peer-urls={peer}",
            f"--initial-cluster=default={peer}",
            "--unsafe-no-fsync=true",
            "--log-level=warn",
        ]

    def _apiserver_args(self, ports: Mapping[str, int]) -> list[str]:
        pki = self.workdir / "pki"
        return [
            "--advertise-address=127.0.0.1",
            "--bind-address=127.0.0.1",
            f"--secure-port={ports['apiserver']}",
            f"--cert-dir={self.workdir / 'apiserver-certs'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}",
            f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--etcd-servers=http://127.0.0.1:{ports['etcd']}",
            "--authorization-mode=Node,RBAC",
            f"--service-account-issuer={self.server}",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allow-privileged=true",
            # The apiserver's own endpoint would be 127.0.0.1, which Endpoints refuse.
            "--endpoint-reconciler-type=none",
            # Front-proxy (aggregation) authentication, as kubeadm sets it up; controller
            # manager and scheduler read this CA from kube-system/extension-apiserver-...
            f"--requestheader-client-ca-file={pki / 'ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User",
            "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            "--profiling=false",
            f"--v={self.verbosity}",
        ]

    def _component_common(self, kubeconfig: Path) -> list[str]:
        return [
            f"--kubeconfig={kubeconfig}",
            f"--authentication-kubeconfig={kubeconfig}",
            f"--authorization-kubeconfig={kubeconfig}",
            "--leader-elect=false",
            "--bind-address=127.0.0.1",
            f"--secure-port={free_port()}",
            "--profiling=false",
            f"--v={self.verbosity}",
        ]

    def _controller_manager_args(self) -> list[str]:
        pki = self.workdir / "pki"
        return [
            *self._component_common(self.workdir / "kube-controller-manager.kubeconfig"),
            "--controllers=*",
            "--use-service-account-credentials=true",
            f"--service-account-private-key-file={pki / 'sa.key'}",
            f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}",
            f"--cluster-signing-key-file={pki / 'ca.key'}",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--allocate-node-cidrs=false",
            "--cluster-name=pod-v5-test",
        ]

    def _scheduler_args(self) -> list[str]:
        return self._component_common(self.workdir / "kube-scheduler.kubeconfig")

    def _kwok_args(self) -> list[str]:
        config = self.workdir / "kwok.yaml"
        _write(
            config,
            "apiVersion: config.kwok.x-k8s.io/v1alpha1\nkind: KwokConfiguration\noptions: {}\n",
        )
        key, value = KWOK_NODE_ANNOTATION
        return [
            f"--config={config}",
            f"--kubeconfig={self.kubeconfig}",
            "--manage-all-nodes=false",
            f"--manage-nodes-with-annotation-selector={key}={value}",
            "--manage-nodes-with-label-selector=",
            f"--cidr={KWOK_POD_CIDR}",
            f"--node-ip={KWOK_POD_CIDR.split('/')[0]}",
            "--node-lease-duration-seconds=40",
        ]

    def _create_kwok_node(self) -> None:
        key, value = KWOK_NODE_ANNOTATION
        self.apply(
            {
                "apiVersion": "v1",
                "kind": "Node",
                "metadata": {
                    "name": KWOK_NODE_NAME,
                    "annotations": {key: value, "node.alpha.kubernetes.io/ttl": "0"},
                    "labels": {
                        "type": "kwok",
                        "kubernetes.io/hostname": KWOK_NODE_NAME,
                        "kubernetes.io/os": "linux",
                        "kubernetes.io/arch": "amd64",
                        "kubernetes.io/role": "agent",
                        "node-role.kubernetes.io/agent": "",
                    },
                },
                "spec": {"taints": [{"key": key, "value": value, "effect": "NoSchedule"}]},
            },
            server_side=False,
        )

    # ---- internals: waiting --------------------------------------------------------

    def _ssl_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        pki = self.workdir / "pki"
        context.load_cert_chain(str(pki / "admin.crt"), str(pki / "admin.key"))
        return context

    def _http_ok(self, url: str, *, tls: bool = True) -> bool:
        try:
            context = self._ssl_context() if tls else None
            with urllib.request.urlopen(url, timeout=3, context=context) as response:
                return response.status == 200
        except (OSError, urllib.error.URLError, ssl.SSLError):
            return False

    def _get_json(self, path: str) -> dict | None:
        try:
            with urllib.request.urlopen(
                self.server + path, timeout=5, context=self._ssl_context()
            ) as response:
                return json.loads(response.read())
        except (OSError, urllib.error.URLError, ssl.SSLError, ValueError):
            return None

    def _exists(self, path: str) -> bool:
        return self._get_json(path) is not None

    def _apiserver_ready(self) -> bool:
        return self._http_ok(f"{self.server}/readyz")

    def _wait(
        self, predicate: Callable[[], bool], deadline: float, what: str, component: str
    ) -> None:
        while True:
            if predicate():
                return
            dead = [name for name, c in self.components.items() if not c.alive()]
            if dead or time.monotonic() > deadline:
                culprit = dead[0] if dead else component
                reason = f"{culprit} exited" if dead else "timed out"
                tail = self.components[culprit].log_tail() if culprit in self.components else ""
                raise ControlPlaneError(
                    f"waiting for {what}: {reason}; last lines of {culprit}'s log:\n{tail}"
                )
            time.sleep(0.2)
