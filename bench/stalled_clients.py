"""Latency of /healthz and of a JWT login while 200 clients stall and a 1 GiB tus upload
streams, with the API served as ``make serve`` runs it (gunicorn + uvicorn worker).

Two phases, each with the upload (tuspy, 8 MiB chunks, a generated file in a temporary
folder, deleted after) running concurrently: without stalled clients, then with 200
stalled connections on loopback (100 stopped in their headers, 100 in a body announced
as 100 bytes with 6 sent). The stall timeouts are raised for the run so the stalled
connections stay open throughout (in production they are cut after
REQUEST_HEADER_TIMEOUT_SECONDS / UPLOAD_BODY_STALL_SECONDS). Prints p50/p99 in ms over
a bounded number of requests, and the cost of the password hash alone, which bounds a
login from below: the API's (Argon2id, m=19 MiB, t=2, p=1: ``api.accounts.hashers``) and,
for comparison, Django 5.2's default PBKDF2-SHA256 at 1,000,000 iterations.

Target: p99 < 200 ms (/healthz and a login).

Usage: ``.venv/bin/python bench/stalled_clients.py [--size-mib 1024] [--stalled 200]``
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from demo import free_port, start_server, wait_until_up  # noqa: E402
from upload_rss import new_unfinished_upload, prepare_database  # noqa: E402

from api.accounts.hashers import OwaspArgon2PasswordHasher  # noqa: E402

HEALTHZ_REQUESTS, LOGIN_REQUESTS = 200, 20


def generated_file(folder: Path, size: int) -> Path:
    path = folder / "upload.bin"
    block = os.urandom(8 * 1024 * 1024)
    with open(path, "wb") as fh:
        for _ in range(size // len(block)):
            fh.write(block)
        fh.write(block[: size % len(block)])
    return path


def stall(port: int, count: int) -> list[socket.socket]:
    headers = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
    body = (
        b"POST /api/v1/auth/token/pair HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b'Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"a":1'
    )
    sockets = []
    for i in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        sock.sendall(headers if i % 2 else body)
        sockets.append(sock)
    return sockets


def percentiles(samples: list[float]) -> str:
    ms = sorted(s * 1000 for s in samples)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    return f"p50 {statistics.median(ms):7.1f} ms  p99 {p99:7.1f} ms  (n={len(ms)})"


def measure(base: str, upload) -> dict:
    """/healthz (10 at a time) and a login, in turn, while ``upload`` runs in a thread;
    at most HEALTHZ_REQUESTS and LOGIN_REQUESTS, and only while the upload streams."""
    result: dict = {"healthz": [], "login": []}
    thread = threading.Thread(target=upload)
    upload_started = time.perf_counter()
    thread.start()
    time.sleep(0.5)  # the upload is streaming
    with httpx.Client(base_url=base, timeout=30) as http:
        while thread.is_alive() and len(result["healthz"]) < HEALTHZ_REQUESTS:
            for _ in range(10):
                started = time.perf_counter()
                http.get("/healthz").raise_for_status()
                result["healthz"].append(time.perf_counter() - started)
            if len(result["login"]) < LOGIN_REQUESTS:
                started = time.perf_counter()
                http.post(
                    "/api/v1/auth/token/pair",
                    json={"username": "bench", "password": "bench-pw"},
                ).raise_for_status()
                result["login"].append(time.perf_counter() - started)
    started = time.perf_counter()
    thread.join()
    result["upload_tail"] = time.perf_counter() - started
    result["upload_seconds"] = time.perf_counter() - upload_started
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    parser.add_argument("--stalled", type=int, default=200)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024

    started = time.perf_counter()
    hashlib.pbkdf2_hmac("sha256", b"bench-pw", b"saltsaltsaltsalt", 1_000_000)
    pbkdf2_seconds = time.perf_counter() - started
    hasher = OwaspArgon2PasswordHasher()
    started = time.perf_counter()
    hasher.verify("bench-pw", hasher.encode("bench-pw", hasher.salt()))
    argon2_seconds = (time.perf_counter() - started) / 2  # a hash, then a verification

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        port = free_port(8125)
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEBUG": "1",
            "POD_VAR_DIR": str(tmp / "var"),
            "API_BASE_URL": base,
            "UPLOAD_MAX_SIZE": str(size + 1),
            "UPLOAD_BODY_STALL_SECONDS": "600",
            "REQUEST_HEADER_TIMEOUT_SECONDS": "600",
            "RATE_LIMITS_ENABLED": "false",  # the bench logs in more than 10 times a minute
        }
        env.pop("DATABASE_URL", None)
        prepare_database(env)
        source = generated_file(tmp, size)
        server = start_server(port, env)
        figures, sockets = {}, []
        try:
            wait_until_up(base, server)
            for phase in ("no stalled clients", f"{args.stalled} stalled clients"):
                if phase != "no stalled clients":
                    sockets = stall(port, args.stalled)
                auth, url = new_unfinished_upload(base, size, timeout=60)

                def upload(url=url, auth=auth) -> None:
                    tus_client.TusClient(base + "/api/v1/uploads/", headers=auth).uploader(
                        str(source), url=url, chunk_size=8 * 1024 * 1024
                    ).upload()

                figures[phase] = measure(base, upload)
                httpx.delete(url, headers={**auth, "Tus-Resumable": "1.0.0"}, timeout=60)
        finally:
            for sock in sockets:
                sock.close()
            server.terminate()
            server.wait(timeout=40)
            shutil.rmtree(tmp / "var", ignore_errors=True)

    print(
        f"password hash alone: Argon2id m=19 MiB t=2 p=1 {argon2_seconds * 1e3:.0f} ms "
        f"(PBKDF2-SHA256 1,000,000 iterations: {pbkdf2_seconds * 1e3:.0f} ms)"
    )
    for phase, result in figures.items():
        print(f"-- {phase}, during a {args.size_mib} MiB tus upload")
        print(f"   GET /healthz          {percentiles(result['healthz'])}")
        print(f"   POST token/pair login {percentiles(result['login'])}")
        seconds = result["upload_seconds"]
        print(
            f"   the tus upload        {args.size_mib} MiB in {seconds:.1f} s "
            f"({args.size_mib / seconds:.0f} MiB/s, streaming throughout)"
        )
    print("target: p99 < 200 ms")


if __name__ == "__main__":
    main()
