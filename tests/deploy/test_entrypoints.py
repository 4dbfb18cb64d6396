"""The images' entry points run as plain commands (no Docker engine here): each target's
CMD and HEALTHCHECK are read from the Dockerfile and run from this virtual environment
(where the image's venv has the same console scripts), with the image's ENV, the
listening port swapped for a free one. The API answers /healthz under gunicorn and its
HEALTHCHECK command succeeds; the operator, against the test control plane, answers
kopf's liveness endpoint and its HEALTHCHECK; the worker programs print their usage."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.deploy.dockerfile import effective, env, exec_form, stages

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
CRD = REPO / "charts/pod-v5/crds/encodingjobs.media.podv5.io.yaml"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def image_env(target: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    """The target's ENV with the venv's bin first on PATH and /tmp moved to ``tmp_path``."""
    result = {k: v.replace("/tmp", str(tmp_path)) for k, v in env(target, stages()).items()}
    result["PATH"] = f"{BIN}{os.pathsep}{os.environ['PATH']}"
    result.update(extra)
    return result


def command(target: str, keyword: str, old_port: int, new_port: int) -> list[str]:
    argv = exec_form(effective(target, keyword, stages()))
    argv = [a.replace(f":{old_port}", f":{new_port}") for a in argv]
    assert argv != exec_form(effective(target, keyword, stages())) or old_port == new_port
    return argv


def start(argv: list[str], environ: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as out:
        return subprocess.Popen(
            argv, env=environ, stdout=out, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise AssertionError(f"exited {proc.returncode}:\n{log.read_text()[-5000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status
        except OSError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{url} never answered:\n{log.read_text()[-5000:]}") from None
            time.sleep(0.2)


def test_api_cmd_serves_healthz_under_gunicorn(tmp_path):
    port = free_port()
    argv = command("api", "CMD", 8000, port)
    assert argv[0] == "gunicorn"
    environ = image_env(
        "api", tmp_path,
        SECRET_KEY="entrypoint-test", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
        MEDIA_ROOT=str(tmp_path / "media"), ALLOWED_HOSTS="localhost",
        CALLBACK_SIGNING_SECRET="whsec_" + "A" * 32,
    )  # fmt: skip
    # the image's CMD as is (bind, worker class, timeouts, worker-tmp-dir), /tmp moved
    argv = [a.replace("--worker-tmp-dir=/tmp", f"--worker-tmp-dir={tmp_path}") for a in argv]
    log = tmp_path / "api.log"
    proc = start(argv, environ, log)
    try:
        assert wait_http(f"http://127.0.0.1:{port}/healthz", proc, log) == 200
        # gunicorn ran the image's worker class: uvicorn event loops serving the ASGI app
        assert "Using worker: api.serving.UvicornWorker" in log.read_text()
        assert wait_http(f"http://127.0.0.1:{port}/readyz", proc, log) == 200
        check = command("api", "HEALTHCHECK", 8000, port)
        result = subprocess.run(check, env=environ, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    finally:
        stop(proc)
    # and the HEALTHCHECK fails when nothing answers
    result = subprocess.run(check, env=environ, capture_output=True, text=True, timeout=30)
    assert result.returncode != 0


@pytest.mark.kube
def test_operator_cmd_answers_liveness_against_the_control_plane(
    control_plane, kube_namespace, tmp_path
):
    control_plane.kubectl(
        "apply", "--server-side", "--force-conflicts", "--field-manager=pod-v5-tests",
        "-f", str(CRD),
    )  # fmt: skip
    control_plane.wait_crd_established("encodingjobs.media.podv5.io")
    port = free_port()
    argv = command("operator", "CMD", 8080, port)
    assert argv[0] == "media-operator"
    environ = image_env(
        "operator", tmp_path,
        KUBECONFIG=str(control_plane.kubeconfig), MEDIA_OPERATOR_NAMESPACES=kube_namespace,
        CALLBACK_SIGNING_SECRET="whsec_" + "A" * 32,
    )  # fmt: skip
    log = tmp_path / "operator.log"
    proc = start(argv, environ, log)
    try:
        assert wait_http(f"http://127.0.0.1:{port}/healthz", proc, log) == 200
        check = command("operator", "HEALTHCHECK", 8080, port)
        result = subprocess.run(check, env=environ, capture_output=True, text=True, timeout=30)
        assert result.returncode == 0, result.stderr
    finally:
        stop(proc)
    assert proc.returncode in (0, -signal.SIGTERM), log.read_text()[-5000:]


@pytest.mark.parametrize("program", ["media-encode", "media-live"])
def test_worker_programs(program, tmp_path):
    argv = exec_form(effective("worker", "CMD", stages()))
    assert argv == ["media-encode", "--help"]  # the default: usage only
    result = subprocess.run(
        [program, "--help"], env=image_env("worker", tmp_path),
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: {program}") and "--spec" in result.stdout
