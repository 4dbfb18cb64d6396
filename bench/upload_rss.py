"""Peak RSS of the API process during a large tus upload (default 1 GiB).

Starts the API under gunicorn (as ``make demo`` does), uploads a real clip padded to
the target size with tuspy in 8 MiB chunks, samples the server process's RSS every
50 ms with psutil, and prints the baseline, the peak, the growth and the throughput.
Target: peak under 150 MB, flat (no growth with the upload's size).

Usage: ``.venv/bin/python bench/upload_rss.py [--size-mib 1024]``
"""

from __future__ import annotations

import argparse
import base64
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import psutil
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
from demo import free_port, generate_clip, start_server, wait_until_up  # noqa: E402


def padded_clip(folder: Path, size: int) -> Path:
    """A real 2 s clip padded to ``size`` bytes (demuxers ignore trailing padding)."""
    path = generate_clip(folder / "big.mp4", seconds=2, size="320x240", audio=False)
    with open(path, "ab") as fh:
        fh.truncate(size)
    return path


def prepare_database(env: dict) -> None:
    """Migrate the bench's database and create the uploader ``bench`` / ``bench-pw``."""
    py = sys.executable
    subprocess.run([py, "manage.py", "migrate", "-v0"], cwd=ROOT, env=env, check=True)
    user = ["--username", "bench", "--password", "bench-pw", "--role", "uploader"]
    subprocess.run(
        [py, "manage.py", "ensure_user", *user],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )


def new_video(base: str, *, timeout: float) -> tuple[httpx.Client, dict, dict]:
    """Log in as ``bench`` and create a draft video: (client, auth headers, video)."""
    api = httpx.Client(base_url=base, timeout=timeout)
    token = api.post(
        "/api/v1/auth/token/pair", json={"username": "bench", "password": "bench-pw"}
    ).json()["data"]["access"]
    auth = {"Authorization": f"Bearer {token}"}
    video = api.post("/api/v1/videos", json={"title": "big"}, headers=auth).json()["data"]
    return api, auth, video


def new_unfinished_upload(base: str, size: int, *, timeout: float) -> tuple[dict, str]:
    """A new video and a tus upload of ``size + 1`` bytes for it (one byte more than a
    benchmark sends: the upload stays unfinished, so nothing is probed or encoded):
    (auth headers, upload URL)."""
    api, auth, video = new_video(base, timeout=timeout)
    created = api.post(
        "/api/v1/uploads/",
        headers={
            **auth,
            "Tus-Resumable": "1.0.0",
            "Upload-Length": str(size + 1),
            "Upload-Metadata": "video " + base64.b64encode(video["id"].encode()).decode(),
        },
    )
    return auth, created.headers["Location"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=1024)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        port = free_port(8123)
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "DEBUG": "1",
            "POD_VAR_DIR": str(tmp / "var"),
            "API_BASE_URL": base,
            "DATABASE_URL": "",
            "UPLOAD_MAX_SIZE": str(size),
        }
        env.pop("DATABASE_URL")
        prepare_database(env)
        clip = padded_clip(tmp, size)
        server = start_server(port, env)
        try:
            wait_until_up(base, server)
            worker = psutil.Process(server.pid).children()[0]  # the gunicorn worker
            api, auth, video = new_video(base, timeout=60)
            baseline = worker.memory_info().rss
            peak, done = baseline, threading.Event()

            def sample() -> None:
                nonlocal peak
                while not done.is_set():
                    peak = max(peak, worker.memory_info().rss)
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.monotonic()
            tus_client.TusClient(video["upload"]["url"], headers=auth).uploader(
                str(clip),
                chunk_size=8 * 1024 * 1024,
                metadata={"video": video["id"], "filename": "big.mp4"},
            ).upload()
            elapsed = time.monotonic() - started
            done.set()
            sampler.join()
            status = api.get(f"/api/v1/videos/{video['id']}", headers=auth).json()["data"]
        finally:
            server.terminate()
            server.wait(timeout=30)
            shutil.rmtree(tmp / "var", ignore_errors=True)

    mib = 1024 * 1024
    print(f"upload size        {size / mib:8.0f} MiB")
    print(f"upload time        {elapsed:8.1f} s ({size / mib / elapsed:.0f} MiB/s)")
    print(f"API RSS baseline   {baseline / mib:8.1f} MiB")
    print(f"API RSS peak       {peak / mib:8.1f} MiB (target < 150 MB)")
    print(f"API RSS growth     {(peak - baseline) / mib:8.1f} MiB")
    print(f"video status after {status['status']}")


if __name__ == "__main__":
    main()
