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
import base64
import contextlib
import ctypes
import datetime as dt
import ipaddress
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_SCRIPT = REPO_ROOT / "scripts" / "k8s-test-assets.sh"
#: The binaries a control plane needs; helm and kubectl are looked up beside them, then on PATH.
REQUIRED_BINARIES = ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok")
SERVICE_CIDR = "10.0.0.0/24"  # envtest's default
KWOK_POD_CIDR = "10.244.0.1/24"
KWOK_NODE_ANNOTATION = ("kwok.x-k8s.io/node", "fake")
KWOK_NODE_NAME = "kwok-node-0"


class ControlPlaneError(RuntimeError):
    """The control plane could not start (the message carries the component's log tail)."""


class CommandError(subprocess.CalledProcessError):
    """A kubectl/helm command failed; its message carries the command's stderr."""

    def __str__(self) -> str:
        command = " ".join(str(a) for a in self.cmd[:6])
        return f"{command} ... exited {self.returncode}: {(self.stderr or '').strip()}"


class AssetsUnavailable(RuntimeError):
    """The binaries could not be found or built."""


# --------------------------------------------------------------------------------------
# Binaries


def ensure_assets(*, build: bool = True, timeout: float | None = None) -> Path:
    """The folder holding the control-plane binaries, built if needed (and ``build``).

    Runs ``scripts/k8s-test-assets.sh`` (which honours ``KUBEBUILDER_ASSETS`` and
    ``POD_K8S_ASSETS``, and returns at once when the binaries are there); with
    ``build=False`` it only checks (``--check``). The folder is the script's last line.
    """
    args = [str(ASSETS_SCRIPT)] + ([] if build else ["--check"])
    try:
        result = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, cwd=REPO_ROOT, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise AssetsUnavailable(f"{ASSETS_SCRIPT.name} could not run: {exc}") from exc
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-25:])
        raise AssetsUnavailable(
            f"{ASSETS_SCRIPT.name} {'' if build else '--check '}exited {result.returncode}:\n{tail}"
        )
    folder = Path(lines[-1])
    missing = [b for b in REQUIRED_BINARIES if not os.access(folder / b, os.X_OK)]
    if missing:
        raise AssetsUnavailable(f"{folder} lacks {', '.join(missing)}")
    return folder


# --------------------------------------------------------------------------------------
# Processes

_PR_SET_PDEATHSIG = 1
try:
    _libc: Any = ctypes.CDLL(None, use_errno=True)
except OSError:  # pragma: no cover - not Linux
    _libc = None


def die_with_parent() -> None:
    """``preexec_fn``: the child gets SIGKILL when the thread that started it dies (Linux)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def kill_process_group(proc: subprocess.Popen, *, grace: float = 5.0) -> int | None:
    """SIGTERM the process's group (it was started with ``start_new_session``), then SIGKILL."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=grace)
    # Whatever is left in the group (children of a shell, say) goes too.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    try:
        return proc.wait(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - unkillable (D state)
        return None


OWNER_FILE = ".owner-pid"


def claim_workdir(workdir: Path) -> None:
    """Record this process as the owner of a temp dir (see :func:`sweep_stale_workdirs`)."""
    (workdir / OWNER_FILE).write_text(str(os.getpid()))


def sweep_stale_workdirs(prefix: str) -> None:
    """Remove temp dirs ``<prefix>*`` left by test processes that were killed (SIGKILL
    leaves no chance to clean up; their child processes died with them: PDEATHSIG)."""
    for path in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
        try:
            pid = int((path / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue  # not ours, or still being set up
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(path, ignore_errors=True)
        except PermissionError:
            pass  # alive, someone else's


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port free right now on ``host`` (the kernel picks it, as envtest does)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


@dataclass
class _Component:
    name: str
    argv: list[str]
    log_path: Path
    proc: subprocess.Popen | None = None
    log_file: IO[bytes] | None = field(default=None, repr=False)

    def start(self, env: Mapping[str, str]) -> None:
        self.log_file = open(self.log_path, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.DEVNULL,
            stdout=self.log_file,
            stderr=subprocess.STDOUT,
            env=dict(env),
            start_new_session=True,
            preexec_fn=die_with_parent,
        )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is not None:
            kill_process_group(self.proc)
        if self.log_file is not None:
            self.log_file.close()
            self.log_file = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


# --------------------------------------------------------------------------------------
# PKI


def _name(common_name: str, organizations: Iterable[str] = ()) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attrs)


def _pem_key(key: Any) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_cert(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


@dataclass
class _CA:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate

    @classmethod
    def create(cls, common_name: str) -> _CA:
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(key, hashes.SHA256())
        )
        return cls(key, cert)

    def issue(
        self,
        common_name: str,
        *,
        organizations: Iterable[str] = (),
        server: bool = False,
        dns_names: Iterable[str] = (),
        ips: Iterable[str] = (),
    ) -> tuple[bytes, bytes]:
        """A leaf certificate (client, or server with SANs): PEM certificate and key."""
        key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC)
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name, organizations))
            .issuer_name(self.cert.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(hours=1))
            .not_valid_after(now + dt.timedelta(days=7))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=False,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), False
            )
        )
        sans: list[x509.GeneralName] = [x509.DNSName(d) for d in dns_names]
        sans += [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
        cert = builder.sign(self.key, hashes.SHA256())
        return _pem_cert(cert), _pem_key(key)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def kubeconfig_dict(
    server: str, ca_pem: bytes, user: str, credentials: Mapping[str, str], *, namespace: str = ""
) -> dict:
    """A one-context kubeconfig (credentials: client-certificate-data/key or token)."""
    context: dict[str, str] = {"cluster": "pod-v5-test", "user": user}
    if namespace:
        context["namespace"] = namespace
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": "pod-v5-test",
                "cluster": {"server": server, "certificate-authority-data": _b64(ca_pem)},
            }
        ],
        "users": [{"name": user, "user": dict(credentials)}],
        "contexts": [{"name": user, "context": context}],
        "current-context": user,
    }


def _write(path: Path, data: bytes | str, mode: int = 0o600) -> Path:
    if isinstance(data, str):
        data = data.encode()
    path.write_bytes(data)
    path.chmod(mode)
    return path


# --------------------------------------------------------------------------------------
# The control plane


class ControlPlane:
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
