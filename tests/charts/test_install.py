"""``helm install`` of ``charts/pod-v5`` into the test control plane, then one video through
it: the Secrets and the migration hook Job, the API and the operator Deployments, an upload
through the installed API, the EncodingJob it creates, the Job the operator makes of it,
``Succeeded``; then ``helm upgrade`` (generated Secrets keep their values) and ``helm
uninstall`` (CRDs, the EncodingJob and the hooks' Secrets stay).

The chart is installed unmodified, with values only. Every pod runs on the pod runner
(``tests/kube``): the image is ignored and the container's command runs from this
virtual environment — the API pod runs ``gunicorn api.asgi:application`` from source, the
operator pod ``media-operator`` (kopf), the migration Job ``python -m django migrate``, the
encode Job ``media-encode``; each pod with a ServiceAccount token talks to the apiserver
as that ServiceAccount (the chart's RBAC applies). What differs from a cluster, in values:
processes share the host's network, so the API and the operator's health endpoint listen
on free ports and workers call the API at 127.0.0.1; the media claim is a hostPath
PersistentVolume whose path is also the mount path (the pod runner mounts nothing, so
paths must agree); the workers' scratch folder is a temp dir. The database is a fresh
PostgreSQL database when ``DATABASE_URL`` is set (CI), else a SQLite file."""

from __future__ import annotations

import base64
import json
import os
import secrets
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
import yaml

from tests.conftest import make_clip

pytestmark = [pytest.mark.kube, pytest.mark.media]

CHART = Path(__file__).resolve().parents[2] / "charts/pod-v5"
VALUES = yaml.safe_load((CHART / "values.yaml").read_text())
USERNAME, PASSWORD = "helm-admin", "helm-admin-password-1"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@pytest.fixture
def database_url(tmp_path):
    """A fresh PostgreSQL database on DATABASE_URL's server (dropped after), else SQLite."""
    base = os.environ.get("DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'pod.sqlite3'}"
        return
    import psycopg

    name = f"podv5_helm_{secrets.token_hex(4)}"
    parts = urlsplit(base)
    maintenance = urlunsplit(parts._replace(path="/postgres"))  # DATABASE_URL's may not exist
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(maintenance, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def media_claim(control_plane, kube_namespace, tmp_path):
    """PVC ``media`` bound to a hostPath PersistentVolume on ``tmp_path/volume``."""
    media = tmp_path / "volume"
    media.mkdir()
    pv = f"{kube_namespace}-media"
    control_plane.apply([
        {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": pv},
         "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany"],
                  "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "",
                  "hostPath": {"path": str(media)},
                  "claimRef": {"namespace": kube_namespace, "name": "media"}}},
        {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
         "metadata": {"name": "media", "namespace": kube_namespace},
         "spec": {"accessModes": ["ReadWriteMany"], "storageClassName": "", "volumeName": pv,
                  "resources": {"requests": {"storage": "1Gi"}}}},
    ])  # fmt: skip

    def bound():
        return (
            control_plane.kubectl(
                "get", "pvc", "media", "-n", kube_namespace, "-o", "jsonpath={.status.phase}"
            ).stdout
            == "Bound"
        )

    wait_until(bound, 60, "the media claim to be Bound")
    yield media
    control_plane.kubectl("delete", "pv", pv, "--wait=false", check=False)


def kubectl_json(control_plane, *args: str) -> dict:
    return json.loads(control_plane.kubectl(*args, "-o", "json").stdout)


def secret_data(control_plane, namespace: str, name: str) -> dict[str, str]:
    data = kubectl_json(control_plane, "get", "secret", name, "-n", namespace)["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def diagnostics(control_plane, pod_runner, namespace: str) -> str:
    pods = kubectl_json(control_plane, "get", "pods", "-n", namespace)["items"]
    lines = [control_plane.kubectl("get", "all,ej", "-n", namespace, check=False).stdout]
    for pod in pods:
        name = pod["metadata"]["name"]
        lines.append(f"--- {name} ({pod['status'].get('phase')}) ---")
        lines.append(pod_runner.log(namespace, name)[-4000:])
    return "\n".join(lines)


@pytest.mark.parametrize("storage", ["local", "s3"])
def test_install_encode_upgrade_uninstall(
    control_plane, pod_runner, kube_namespace, database_url, tmp_path, storage, request
):
    ns = kube_namespace
    release = f"pod-v5-{secrets.token_hex(3)}"  # ClusterRole names are cluster-wide
    port, health_port = free_port(), free_port()
    api_url = f"http://127.0.0.1:{port}"
    args = [a for a in VALUES["api"]["args"] if not a.startswith(("--bind=", "--workers="))]
    values = {
        # metrics off: on one host the API and operator pods would share the fixed
        # PROMETHEUS_MULTIPROC_DIR and metrics ports (tests/api/core/test_metrics.py)
        "observability": {"metrics": {"enabled": False}},
        "django": {"databaseUrl": database_url},
        "media": {"mountPath": str(tmp_path / "media")},
        "api": {
            "port": port,
            "args": [*args, f"--bind=0.0.0.0:{port}", "--workers=1"],
            "config": {"allowedHosts": ["127.0.0.1"], "apiBaseUrl": api_url},
        },
        "operator": {
            "healthPort": health_port,
            "config": {"scratchMountPath": str(tmp_path / "scratch")},
        },
    }
    if storage == "local":  # the claim shared by the API and the encode pods
        values["media"] = {
            "existingClaim": "media",
            "mountPath": str(request.getfixturevalue("media_claim")),
        }
    else:  # MinIO (tests/s3): no shared volume, the chart's S3 Secret for API and workers
        minio, bucket = request.getfixturevalue("minio"), request.getfixturevalue("s3_bucket")
        s3_env = minio.env()
        values["storage"] = {
            "backend": "s3",
            "s3": {
                "bucket": bucket,
                "endpointUrl": s3_env["S3_ENDPOINT_URL"],
                "region": s3_env["S3_REGION"],
                "accessKeyId": s3_env["AWS_ACCESS_KEY_ID"],
                "secretAccessKey": s3_env["AWS_SECRET_ACCESS_KEY"],
            },
        }
    values_file = tmp_path / "values.yaml"
    values_file.write_text(yaml.safe_dump(values))
    helm = ["-n", ns, "-f", str(values_file), "--wait", "--timeout=4m"]

    try:
        # ---- install: hooks (Secrets, then the migration Job), then the Deployments
        result = control_plane.helm("install", release, str(CHART), *helm, check=False)
        assert result.returncode == 0, result.stderr + diagnostics(control_plane, pod_runner, ns)
        assert "kubectl -n" in result.stdout  # NOTES.txt
        migrations = sorted((pod_runner.workdir / ns).glob(f"{release}-migrate-*.log"))
        assert len(migrations) == 1 and "Applying videos." in migrations[0].read_text()
        django_secret = secret_data(control_plane, ns, f"{release}-django")
        callback_secret = secret_data(control_plane, ns, "pod-v5-callback")
        assert len(django_secret["secret-key"]) == 64
        assert django_secret["database-url"] == database_url
        assert callback_secret["callback-signing-secret"].startswith("whsec_")
        http = httpx.Client(base_url=api_url, timeout=30)
        # readiness (database, storage) and kopf's liveness endpoint: the pod runner
        # reports pods Ready when their process starts, without probing
        wait_until(lambda: answers(f"{api_url}/readyz"), 60, "the API's /readyz")
        wait_until(lambda: answers(f"http://127.0.0.1:{health_port}/healthz"), 60, "kopf")

        # ---- one video: an admin (what `kubectl exec deploy/...-api -- django-admin
        # ensure_user` would do), a token, a tus upload through the installed API
        config = kubectl_json(control_plane, "get", "configmap", f"{release}-api", "-n", ns)
        manage_env = {
            **config["data"], "PATH": os.environ["PATH"], "HOME": str(tmp_path),
            "SECRET_KEY": django_secret["secret-key"], "DATABASE_URL": database_url,
            "CALLBACK_SIGNING_SECRET": callback_secret["callback-signing-secret"],
        }  # fmt: skip
        subprocess.run(
            [sys.executable, "-m", "django", "ensure_user", "--username", USERNAME,
             "--password", PASSWORD, "--staff"],
            env=manage_env, check=True, capture_output=True, timeout=120,
        )  # fmt: skip
        token = http.post(
            "/api/v1/auth/token/pair", json={"username": USERNAME, "password": PASSWORD}
        ).json()["data"]["access"]
        http.headers["Authorization"] = f"Bearer {token}"
        video_id = upload(http, api_url, token, make_clip(tmp_path / "clip.mp4", seconds=1.0))

        # ---- the EncodingJob the API made (with its ServiceAccount), to Succeeded
        def encodingjob():
            items = kubectl_json(control_plane, "get", "ej", "-n", ns)["items"]
            return items[0] if items else None

        ej = wait_until(encodingjob, 60, "the API to create an EncodingJob")
        name = ej["metadata"]["name"]
        assert ej["metadata"]["labels"]["app.kubernetes.io/created-by"] == "pod-v5-api"

        def phase():
            return control_plane.kubectl(
                "get", "ej", name, "-n", ns, "-o", "jsonpath={.status.phase}"
            ).stdout

        try:
            wait_until(lambda: phase() in ("Succeeded", "Failed"), 240, "the encode")
        except AssertionError as exc:
            raise AssertionError(diagnostics(control_plane, pod_runner, ns)) from exc
        assert phase() == "Succeeded", diagnostics(control_plane, pod_runner, ns)
        listing = control_plane.kubectl("get", "ej", "-n", ns).stdout
        assert name in listing and "Succeeded" in listing, listing
        job = kubectl_json(control_plane, "get", "job", name, "-n", ns)
        assert job["status"].get("succeeded") == 1
        pods = kubectl_json(control_plane, "get", "pods", "-n", ns, "-l", f"job-name={name}")
        (encoder,) = pods["items"]
        assert encoder["spec"]["nodeName"] == pod_runner.node_name
        assert encoder["spec"]["serviceAccountName"] == "pod-v5-encoder"
        video = wait_until(
            lambda: (v := http.get(f"/api/v1/videos/{video_id}").json()["data"])["status"]
            in ("ready", "failed") and v,
            60, "the video to be ready",
        )  # fmt: skip
        assert video["status"] == "ready", video
        if storage == "s3":  # the encode pod uploaded the outputs to the bucket
            from tests.s3.minio import keys

            stored = keys(minio.client(), bucket, f"videos/{video_id}/")
            assert any(key.endswith(".m3u8") for key in stored), stored
            assert not list((tmp_path / "media").glob("videos/**/*.m3u8"))

        # ---- upgrade: the hooks run again, generated Secrets keep their values
        result = control_plane.helm(
            "upgrade", release, str(CHART), *helm,
            "--set", "api.podDisruptionBudget.maxUnavailable=2", check=False,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr + diagnostics(control_plane, pod_runner, ns)
        migrations = sorted((pod_runner.workdir / ns).glob(f"{release}-migrate-*.log"))
        assert len(migrations) == 2
        assert secret_data(control_plane, ns, f"{release}-django") == django_secret
        assert secret_data(control_plane, ns, "pod-v5-callback") == callback_secret
        pdb = kubectl_json(control_plane, "get", "pdb", f"{release}-api", "-n", ns)
        assert pdb["spec"]["maxUnavailable"] == 2
        assert http.get(f"/api/v1/videos/{video_id}").json()["data"]["status"] == "ready"

        # ---- uninstall: workloads go; CRDs, the EncodingJob and hook Secrets stay
        control_plane.helm("uninstall", release, "-n", ns, "--wait", "--timeout=2m")
        deployments = kubectl_json(control_plane, "get", "deployments", "-n", ns)["items"]
        assert deployments == []
        control_plane.kubectl("get", "crd", "encodingjobs.media.podv5.io")
        assert phase() == "Succeeded"  # the custom resource outlives the release
        assert secret_data(control_plane, ns, "pod-v5-callback") == callback_secret
    finally:
        control_plane.helm("uninstall", release, "-n", ns, "--wait", check=False)
        # the operator is gone: release its finalizer so the namespace can be deleted
        for item in kubectl_json(control_plane, "get", "ej", "-n", ns)["items"]:
            control_plane.kubectl(
                "patch", "ej", item["metadata"]["name"], "-n", ns, "--type=merge",
                "-p", '{"metadata":{"finalizers":null}}', check=False,
            )  # fmt: skip


def answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def upload(http: httpx.Client, api_url: str, token: str, clip: Path) -> str:
    """A video and its source through tus (the stock client); returns the video id."""
    from tusclient import client as tus_client

    video = http.post("/api/v1/videos", json={"title": "Installed with Helm"}).json()["data"]
    upload_url = video["upload"]["url"]
    if upload_url.startswith("/"):
        upload_url = api_url + upload_url
    tus = tus_client.TusClient(upload_url, headers={"Authorization": f"Bearer {token}"})
    tus.uploader(
        str(clip), chunk_size=1 << 20, metadata={"video": video["id"], "filename": clip.name}
    ).upload()
    return video["id"]
