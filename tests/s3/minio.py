"""A real MinIO server (built from source by ``scripts/minio-test-assets.sh``) on loopback,
with a temporary data folder and random credentials; and a TCP proxy that stops it after
a number of uploads (fault injection in the network path, nothing of ours is mocked)."""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import boto3
import httpx
from botocore.config import Config

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSETS_SCRIPT = REPO_ROOT / "scripts" / "minio-test-assets.sh"
REGION = "us-east-1"


class MinioUnavailable(RuntimeError):
    """The MinIO binary could not be found or built."""


def ensure_minio(*, build: bool = True, timeout: float | None = None) -> Path:
    """Path of the ``minio`` binary, built from Go modules if needed (and ``build``)."""
    env = dict(os.environ)
    if Path("/usr/local/go/bin/go").exists():
        env["PATH"] = f"{env.get('PATH', '')}:/usr/local/go/bin"
    args = [str(ASSETS_SCRIPT)] + ([] if build else ["--check"])
    try:
        result = subprocess.run(
            args, capture_output=True, text=True, timeout=timeout, env=env, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise MinioUnavailable(f"{ASSETS_SCRIPT.name} could not run: {exc}") from exc
    lines = result.stdout.strip().splitlines()
    if result.returncode != 0 or not lines:
        tail = "\n".join(result.stderr.strip().splitlines()[-20:])
        raise MinioUnavailable(f"{ASSETS_SCRIPT.name} exited {result.returncode}:\n{tail}")
    binary = Path(lines[-1]) / "minio"
    if not os.access(binary, os.X_OK):
        raise MinioUnavailable(f"{binary} is not an executable")
    return binary


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MinioServer:
    """``minio server <data>`` on 127.0.0.1 with random root credentials."""

    def __init__(self, binary: Path, root: Path) -> None:
        self.binary, self.root = binary, root
        self.data = root / "data"
        self.access_key = "podv5-" + secrets.token_hex(6)
        self.secret_key = secrets.token_urlsafe(24)
        self.proc: subprocess.Popen | None = None
        self.port = 0

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60) -> MinioServer:
        """Start (or restart, on the same data and credentials) and wait until it serves."""
        self.data.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.root),
            "MINIO_ROOT_USER": self.access_key,
            "MINIO_ROOT_PASSWORD": self.secret_key,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
            "MINIO_CI_CD": "1",
        }
        log = open(self.root / "minio.log", "ab")  # noqa: SIM115 - kept open by the child
        self.proc = subprocess.Popen(
            [
                str(self.binary),
                "server",
                str(self.data),
                "--address",
                f"127.0.0.1:{self.port}",
                "--console-address",
                f"127.0.0.1:{free_port()}",
                "--quiet",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"minio exited {self.proc.returncode}: {self.log_tail()}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.endpoint}/minio/health/ready", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"minio did not become ready in {timeout} s: {self.log_tail()}")

    def log_tail(self) -> str:
        path = self.root / "minio.log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""

    def kill(self) -> None:
        """Stop at once (SIGKILL): the server disappears mid-request."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def client(self, endpoint: str | None = None):
        return boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint or self.endpoint,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def env(self, endpoint: str | None = None) -> dict[str, str]:
        """The environment a worker (or the API) needs to use this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.secret_key,
            "S3_ENDPOINT_URL": endpoint or self.endpoint,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
        }


def keys(client, bucket: str, prefix: str = "") -> list[str]:
    """Every key under ``prefix``, sorted."""
    found: list[str] = []
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        found += [obj["Key"] for obj in page.get("Contents", [])]
    return sorted(found)


class StopAfterPuts:
    """A TCP proxy to an S3 server that calls ``stop()`` once ``count`` requests starting
    with ``PUT <path_prefix>`` have gone through it (it reads the request lines in the
    byte stream, so keep-alive and chunked bodies are no matter)."""

    def __init__(self, upstream_port: int, path_prefix: str, count: int, stop) -> None:
        self.upstream_port, self.count, self.stop = upstream_port, count, stop
        self.pattern = f"PUT {path_prefix}".encode()
        self.seen = 0
        self.triggered = threading.Event()
        self._lock = threading.Lock()
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=2)
            except OSError:
                client.close()
                continue
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket, requests: bool) -> None:
        tail = b""
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if requests and not self.triggered.is_set():
                    window = tail + data
                    found = window.count(self.pattern)
                    tail = window[-(len(self.pattern) - 1) :]
                    if found:
                        self._saw(found)
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                with contextlib.suppress(OSError):
                    s.close()

    def _saw(self, found: int) -> None:
        with self._lock:
            self.seen += found
            fire = self.seen >= self.count and not self.triggered.is_set()
            if fire:
                self.triggered.set()
        if fire:
            self.stop()
