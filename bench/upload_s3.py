"""tus upload into S3 (MinIO built from source): throughput and the API's RSS.

The chosen landing path (README, "Storage"): the tus server spools the bytes to a local
file as they arrive (PATCH by PATCH, fsynced, resumable at any offset), probes the file
when the last byte is in, then stores it in the bucket in ONE streamed multipart upload
(boto3 TransferConfig: ``S3_MULTIPART_CHUNKSIZE`` parts, ``S3_MAX_CONCURRENCY`` in flight)
during the last PATCH. This script starts MinIO and the API under gunicorn with
``STORAGE_BACKEND=s3``, uploads a real clip padded to the target size with tuspy in 8 MiB
chunks, and prints:

- the spool phase (every PATCH but the last): time, MiB/s, the API's peak RSS;
- the finish (the last PATCH: probe + store in S3): time, MiB/s, the API's peak RSS;
- for reference, boto3's ``upload_file`` of the same file from this process (the floor of
  the store step).

Usage: ``.venv/bin/python bench/upload_s3.py [--size-mib 512] [--chunk-mib 8]``
(needs ``scripts/minio-test-assets.sh``; builds MinIO when missing).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from demo import free_port, start_server, wait_until_up  # noqa: E402
from upload_rss import new_video, padded_clip, prepare_database  # noqa: E402

from tests.s3.minio import MinioServer, ensure_minio  # noqa: E402

MIB = 1024 * 1024


class PeakRss:
    """Samples a process's RSS every 20 ms; ``take()`` returns the peak since the last."""

    def __init__(self, proc: psutil.Process) -> None:
        self.proc, self.peak, self.done = proc, proc.memory_info().rss, threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.done.is_set():
            self.peak = max(self.peak, self.proc.memory_info().rss)
            time.sleep(0.02)

    def take(self) -> int:
        peak, self.peak = self.peak, self.proc.memory_info().rss
        return peak

    def stop(self) -> None:
        self.done.set()
        self.thread.join()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--chunk-mib", type=int, default=8)
    args = parser.parse_args()
    size = args.size_mib * MIB

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        minio = MinioServer(ensure_minio(), tmp / "minio").start()
        bucket = "podv5-bench"
        minio.client().create_bucket(Bucket=bucket)
        port = free_port(8124)
        base = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            **minio.env(),
            "DEBUG": "1",
            "POD_VAR_DIR": str(tmp / "var"),
            "API_BASE_URL": base,
            "UPLOAD_MAX_SIZE": str(size),
            "STORAGE_BACKEND": "s3",
            "S3_BUCKET": bucket,
        }
        env.pop("DATABASE_URL", None)
        prepare_database(env)
        clip = padded_clip(tmp, size)
        server = start_server(port, env)
        try:
            wait_until_up(base, server)
            worker = psutil.Process(server.pid).children()[0]  # the gunicorn worker
            api, auth, video = new_video(base, timeout=300)
            rss = PeakRss(worker)
            baseline = rss.take()
            uploader = tus_client.TusClient(video["upload"]["url"], headers=auth).uploader(
                str(clip),
                chunk_size=args.chunk_mib * MIB,
                metadata={"video": video["id"], "filename": "big.mp4"},
            )
            started = time.monotonic()
            while uploader.offset + uploader.chunk_size < size:
                uploader.upload_chunk()
            spooled, spool_time = uploader.offset, time.monotonic() - started
            spool_peak = rss.take()
            started = time.monotonic()
            uploader.upload_chunk()  # the last bytes: probe + one multipart upload to S3
            finish_time = time.monotonic() - started
            finish_peak = rss.take()
            rss.stop()
            status = api.get(f"/api/v1/videos/{video['id']}", headers=auth).json()["data"]
            stored = minio.client().list_objects_v2(Bucket=bucket, Prefix="videos/")
            stored_size = sum(o["Size"] for o in stored.get("Contents", []))
        finally:
            server.terminate()
            server.wait(timeout=30)
        client = minio.client()
        started = time.monotonic()
        client.upload_file(str(clip), bucket, "reference/big.mp4")
        reference = time.monotonic() - started
        minio.stop()
        shutil.rmtree(tmp / "var", ignore_errors=True)

    print(f"upload size            {size / MIB:8.0f} MiB in {args.chunk_mib} MiB tus chunks")
    print(
        f"spool phase            {spool_time:8.1f} s ({spooled / MIB / spool_time:.0f} MiB/s)"
        f"  API RSS peak {spool_peak / MIB:.1f} MiB"
    )
    print(
        f"last PATCH (store)     {finish_time:8.1f} s ({size / MIB / finish_time:.0f} MiB/s)"
        f"  API RSS peak {finish_peak / MIB:.1f} MiB"
    )
    total = spool_time + finish_time
    print(f"end to end             {total:8.1f} s ({size / MIB / total:.0f} MiB/s)")
    print(f"API RSS baseline       {baseline / MIB:8.1f} MiB")
    print(f"boto3 upload_file ref  {reference:8.1f} s ({size / MIB / reference:.0f} MiB/s)")
    print(f"stored in the bucket   {stored_size / MIB:8.0f} MiB; video status {status['status']}")


if __name__ == "__main__":
    main()
