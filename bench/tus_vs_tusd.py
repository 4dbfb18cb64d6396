"""tus upload throughput: our API (served as in production: gunicorn + uvicorn worker)
next to tusd, the reference tus server (Go, file store), on loopback.

tusd is built once with ``go install github.com/tus/tusd/v2/cmd/tusd@latest`` into
``~/.cache/pod-v5/tusd`` (Go from PATH or /usr/local/go/bin). Each round the same tuspy
client (8 MiB chunks) uploads the same generated file (default 512 MiB, in a temporary
folder, deleted after) to one server, then to the other, alternating which goes first;
prints MiB/s per round, the medians and the ratio. Our upload is created one byte
longer than the file, so it ends unfinished: the transfer is measured, not the probe
and the source storage that follow a last byte. Uploaded bytes are deleted after each
round.

Target: ours ≥ 0.8 × tusd.

Usage: ``.venv/bin/python bench/tus_vs_tusd.py [--size-mib 512] [--rounds 3]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from tusclient import client as tus_client

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))
from demo import free_port, start_server, wait_until_up  # noqa: E402
from stalled_clients import generated_file  # noqa: E402
from upload_rss import new_unfinished_upload, prepare_database  # noqa: E402

CACHE = Path.home() / ".cache" / "pod-v5" / "tusd"
CHUNK = 8 * 1024 * 1024


def tusd_binary() -> Path:
    binary = CACHE / "tusd"
    if not binary.exists():
        go = shutil.which("go") or "/usr/local/go/bin/go"
        CACHE.mkdir(parents=True, exist_ok=True)
        print("building tusd (go install github.com/tus/tusd/v2/cmd/tusd@latest)...", flush=True)
        subprocess.run(
            [go, "install", "github.com/tus/tusd/v2/cmd/tusd@latest"],
            env={**os.environ, "GOBIN": str(CACHE)},
            check=True,
        )
    return binary


def wait_port(url: str, proc: subprocess.Popen) -> None:
    for _ in range(150):
        if proc.poll() is not None:
            sys.exit(f"{url}: the server exited")
        try:
            httpx.options(url, timeout=2)
            return
        except httpx.TransportError:
            time.sleep(0.2)
    sys.exit(f"{url} did not come up")


def timed_upload(source: Path, **uploader) -> float:
    started = time.perf_counter()
    tus_client.TusClient(uploader.pop("endpoint"), headers=uploader.pop("headers", {})).uploader(
        str(source), chunk_size=CHUNK, **uploader
    ).upload()
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    size = args.size_mib * 1024 * 1024
    binary = tusd_binary()

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        source = generated_file(tmp, size)
        port, tusd_port = free_port(8126), free_port(8127)
        base = f"http://127.0.0.1:{port}"
        tusd_url = f"http://127.0.0.1:{tusd_port}/files/"
        env = {
            **os.environ,
            "DEBUG": "1",
            "POD_VAR_DIR": str(tmp / "var"),
            "API_BASE_URL": base,
            "UPLOAD_MAX_SIZE": str(size + 1),
            "RATE_LIMITS_ENABLED": "false",
        }
        env.pop("DATABASE_URL", None)
        prepare_database(env)
        store = tmp / "tusd-store"
        store.mkdir()
        tusd = subprocess.Popen(
            [str(binary), "-host", "127.0.0.1", "-port", str(tusd_port),
             "-upload-dir", str(store), "-base-path", "/files/", "-disable-download"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        server = start_server(port, env)
        ours: list[float] = []
        theirs: list[float] = []
        try:
            wait_until_up(base, server)
            wait_port(tusd_url, tusd)
            spool = tmp / "var" / "media" / "uploads"
            for round_ in range(args.rounds):

                def run_ours() -> None:
                    auth, url = new_unfinished_upload(base, size, timeout=120)
                    seconds = timed_upload(
                        source, endpoint=f"{base}/api/v1/uploads/", headers=auth, url=url
                    )
                    ours.append(size / 2**20 / seconds)
                    httpx.delete(url, headers={**auth, "Tus-Resumable": "1.0.0"}, timeout=120)
                    for leftover in spool.glob("*.part"):
                        leftover.unlink()

                def run_tusd() -> None:
                    seconds = timed_upload(source, endpoint=tusd_url)
                    theirs.append(size / 2**20 / seconds)
                    for leftover in store.iterdir():
                        leftover.unlink()

                order = (run_ours, run_tusd) if round_ % 2 == 0 else (run_tusd, run_ours)
                for run in order:
                    run()
                print(
                    f"round {round_ + 1}: ours {ours[-1]:5.0f} MiB/s, tusd {theirs[-1]:5.0f} MiB/s",
                    flush=True,
                )
        finally:
            server.terminate()
            tusd.terminate()
            server.wait(timeout=40)
            tusd.wait(timeout=10)

    ours_median, tusd_median = statistics.median(ours), statistics.median(theirs)
    print(f"{args.size_mib} MiB file, tuspy with {CHUNK >> 20} MiB chunks, {os.cpu_count()} CPUs")
    print(f"median: ours {ours_median:.0f} MiB/s, tusd {tusd_median:.0f} MiB/s")
    print(f"ratio ours/tusd: {ours_median / tusd_median:.2f} (target >= 0.80)")


if __name__ == "__main__":
    main()
