"""Fixtures for the operator against a real control plane (``tests/kube`` fixtures: load
them with ``-p tests.kube.fixtures``): the chart's CRD installed, the operator run as a
subprocess (``kopf run -m podv5_operator --standalone``), EncodingJob helpers.

Every test here is marked ``kube``.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from podv5_operator.kube import Kube

REPO = Path(__file__).resolve().parents[3]
CRD_FILE = REPO / "charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml"
CRD_NAME = "encodingjobs.media.podv5.io"
SECRET_NAME = "pod-v5-callback"
WORKER_SA = "pod-v5-encoder"
SECRET_KEY = "callback-signing-secret"
#: lets pods onto kwok's fake node, which plays them Running then Succeeded (no process)
KWOK_TOLERATION = [{"key": "kwok.x-k8s.io/node", "operator": "Exists", "effect": "NoSchedule"}]
KWOK_NODE = {"type": "kwok"}
#: a node selector no node matches: pods stay Pending (Unschedulable)
NOWHERE = {"pod-v5.test/nowhere": "true"}


def wait_until(predicate: Callable, timeout: float = 30, interval: float = 0.1, what: str = ""):
    """Poll ``predicate`` until it returns something truthy (returned), else AssertionError."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what or predicate}")
        time.sleep(interval)


#: a refused request in the operator's log: the API server's reason, the Kubernetes
#: client's ``(403)``, a status ``code`` of 403, or an access log's ``" 403 `` (a bare
#: "403" would also match log timestamps' milliseconds, ``22:29:22,403``)
DENIED = re.compile(r"Forbidden|\(403\)|'code': 403|\"code\": 403|\" 403 ")


def denied_requests(log: str) -> list[str]:
    """The lines of an operator's ``log`` that tell of a request the API server refused
    (RBAC): ``[]`` when it had every right it needed."""
    return [line for line in log.splitlines() if DENIED.search(line)]


@pytest.fixture(scope="session")
def crd_installed(control_plane):
    """The control plane with the chart's EncodingJob CRD installed and Established."""
    result = control_plane.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=pod-v5-tests",
        "-f", str(CRD_FILE), check=False,
    )  # fmt: skip
    if result.returncode:
        pytest.fail(f"the apiserver refuses the chart's CRD: {result.stderr}", pytrace=False)
    control_plane.wait_crd_established(CRD_NAME)
    return control_plane


@pytest.fixture
def kube(crd_installed) -> Kube:
    """Admin access through the operator's own client module."""
    return Kube(crd_installed.api_client())


def encodingjob(name: str, namespace: str, spec: dict) -> dict:
    return {
        "apiVersion": "media.podv5.io/v1alpha1",
        "kind": "EncodingJob",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


def a_spec(tmp_path: Path, **overrides) -> dict:
    """A valid spec (wire form) on local files; nothing need exist unless a pod runs it."""
    job_id = str(uuid.uuid4())
    spec = {
        "jobId": job_id,
        "videoId": str(uuid.uuid4()),
        "source": (tmp_path / "source.mp4").as_uri(),
        "output": (tmp_path / "out" / job_id).as_uri() + "/",
        "ladder": [{"name": "240p", "height": 240, "videoKbps": 400, "audioKbps": 64}],
        "segmentDuration": 2,
    }
    spec.update(overrides)
    return spec


def callback_secret(control_plane, namespace: str, value: str) -> None:
    """The Secret the worker pods read CALLBACK_SIGNING_SECRET from."""
    control_plane.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": SECRET_NAME, "namespace": namespace},
            "stringData": {SECRET_KEY: value},
        },
        server_side=False,
    )


class Operator:
    """The operator as a subprocess, with its log in a file; ``kill()`` is a crash."""

    def __init__(self, argv: list[str], env: dict[str, str], log_path: Path, health: str):
        self.argv, self.env, self.log_path, self.health = argv, env, log_path, health
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Operator:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
            )  # fmt: skip
        wait_until(self._healthy, timeout, 0.1, f"the operator to start; log:\n{self.log()}")
        return self

    def _healthy(self) -> bool:
        if self.proc.poll() is not None:
            raise AssertionError(f"the operator exited {self.proc.returncode}:\n{self.log()}")
        try:
            with urllib.request.urlopen(self.health, timeout=1) as response:
                return response.status == 200
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: no cleanup, no goodbye — a crash."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def run_operator(crd_installed, kube_namespace, tmp_path, webhook_secret, request):
    """``run_operator(namespace=, kubeconfig=, use_main=False, signing_secret=, **config)``
    starts the operator for ``namespace`` (default: the test's) and returns an ``Operator``;
    ``config`` items become ``MEDIA_OPERATOR_<NAME>`` variables (dicts/lists as JSON).
    Every operator started is stopped at the end; logs are printed on failure."""
    started: list[Operator] = []

    def start(
        *, namespace=None, kubeconfig=None, use_main=False, signing_secret=None, **config
    ) -> Operator:
        namespace = namespace or kube_namespace
        # the worker pods' ServiceAccount (the chart makes it; pods can't be created without)
        if crd_installed.kubectl("get", "sa", WORKER_SA, "-n", namespace, check=False).returncode:
            crd_installed.kubectl("create", "serviceaccount", WORKER_SA, "-n", namespace)
        settings = {
            "scratch_mount_path": str(tmp_path / "scratch"),
            "callback_retry_delay": 0.5,
            "callback_retry_max_delay": 2,
            "callback_timeout": 3,
            "handler_threads": 4,
            **config,
        }
        env = crd_installed.env(kubeconfig)
        env["CALLBACK_SIGNING_SECRET"] = signing_secret or webhook_secret
        env["PYTHONUNBUFFERED"] = "1"
        for key, value in settings.items():
            text = json.dumps(value) if isinstance(value, dict | list) else str(value)
            env[f"MEDIA_OPERATOR_{key.upper()}"] = text
        health = f"http://127.0.0.1:{_free_port()}/healthz"
        if use_main:  # the `media-operator` console script's entry point
            env["MEDIA_OPERATOR_NAMESPACES"] = namespace
            code = "from podv5_operator.main import main; main()"
            argv = [sys.executable, "-c", code, f"--liveness={health}"]
        else:
            argv = [sys.executable, "-m", "kopf", "run", "-m", "podv5_operator",
                    "--standalone", "-n", namespace, f"--liveness={health}"]  # fmt: skip
        log_path = tmp_path / f"operator-{len(started)}.log"
        operator = Operator(argv, env, log_path, health)
        started.append(operator)
        return operator.start()

    yield start
    for operator in started:
        operator.stop()
    if request.node.stash.get(_FAILED, False):
        for n, operator in enumerate(started):
            print(f"--- operator {n} log ---\n{operator.log()[-20000:]}")


_FAILED = pytest.StashKey[bool]()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    if outcome.get_result().failed:
        item.stash[_FAILED] = True


# --- the API, with ENCODING_BACKEND=kubernetes -------------------------------------------------


@pytest.fixture
def kube_api_server(live_server, settings, transactional_db, crd_installed, kube_namespace,
                    monkeypatch):  # fmt: skip
    """Django's live server as the API, creating EncodingJobs in the test's namespace
    (admin kubeconfig through KUBECONFIG); the worker pods and the operator call it back."""
    from api.encoding.backends import get_backend

    settings.API_BASE_URL = live_server.url
    settings.ENCODING_BACKEND = "kubernetes"
    settings.ENCODING_NAMESPACE = kube_namespace
    monkeypatch.setenv("KUBECONFIG", str(crd_installed.kubeconfig))
    backend = get_backend()
    assert backend.name == "kubernetes"
    backend.kube = Kube(crd_installed.api_client())  # a previous test's cluster config out
    return live_server


def upload_video(api_url: str, user, clip: Path) -> str:
    """Create a video and upload ``clip`` with the stock tus client; returns the video id."""
    import httpx
    from tusclient import client as tus_client

    from tests.conftest import bearer

    token = bearer(user)
    http = httpx.Client(base_url=api_url, headers={"Authorization": token}, timeout=30)
    video = http.post("/api/v1/videos", json={"title": "On Kubernetes"}).json()["data"]
    tus = tus_client.TusClient(
        video["upload"]["url"].replace("http://testserver", api_url),
        headers={"Authorization": token},
    )
    tus.uploader(
        str(clip), chunk_size=1 << 20, metadata={"video": video["id"], "filename": clip.name}
    ).upload()
    return video["id"]


def wait_video(video_id: str, timeout: float = 180):
    from api.videos.models import Video

    def done():
        video = Video.objects.get(id=video_id)
        return video if video.status in ("ready", "failed") else None

    return wait_until(done, timeout, 0.25, f"video {video_id} to be ready or failed")
